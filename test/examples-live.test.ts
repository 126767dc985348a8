// The shipped live-source examples, end to end: pipelines/cv-service-api.pipeline.yaml against the
// example CV service (examples/cv-service-api/server.mjs, a real HTTP server on 127.0.0.1) and
// pipelines/postgres.pipeline.yaml against the example database (examples/postgres/*.sql loaded
// into a real PostgreSQL), each previewed and then run into the local TMT sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadPipeline } from '../src/pipeline/load-pipeline.js';
import { previewPipeline } from '../src/runner/preview.js';
import type { PersonResult } from '../src/runner/process-person.js';
import { runPipeline, type RunPersonResult } from '../src/runner/run.js';
import { createImportClient } from '../src/target/import-client.js';
import { runCli } from './cli-harness.js';
import { fromRoot } from './helpers.js';
import { startHarness, SUBSCRIPTION_KEY, type Harness } from './runner/run-harness.js';
import { pgUrl, withSchema } from './sources/postgres-db.js';

interface CvService {
  url: string;
  close(): Promise<void>;
}

async function startCvService(o: { port: number; token?: string }): Promise<CvService> {
  const mod = (await import(pathToFileURL(fromRoot('examples/cv-service-api/server.mjs')).href)) as { startCvService(o: object): Promise<CvService> };
  return mod.startCvService(o);
}

/** Preview, grant permits to `granted`, run, and compare what the sandbox holds with what preview showed. */
async function previewAndRun(h: Harness, pipelineFile: string, env: Record<string, string>, granted: string[]) {
  const { pipeline, issues } = await loadPipeline(fromRoot(pipelineFile), { config: h.config, cwd: h.dir, env });
  assert.deepEqual(issues, []);
  assert.ok(pipeline);
  const previewed: PersonResult[] = [];
  const summary = await previewPipeline({ pipeline, pseudonymize: h.pseudonymize, cwd: h.dir, onPerson: (r) => void previewed.push(r) });

  for (const key of granted) assert.equal(await h.grant(key), 'active');
  const environment = h.config.environments.sandbox!;
  const client = createImportClient({ environmentName: 'sandbox', environment, subscriptionKey: SUBSCRIPTION_KEY, retries: 2, backoff: { baseMs: 5, maxMs: 20 } });
  const persons: RunPersonResult[] = [];
  try {
    const report = await runPipeline({ runId: 'examples-live', pipeline, environmentName: 'sandbox', environment, state: h.state, client, pseudonymize: h.pseudonymize, cwd: h.dir, concurrency: 2, onPerson: (r) => persons.push(r) });
    return { summary, previewed, report, persons };
  } finally {
    client.close();
  }
}

function assertSandboxHoldsPreview(h: Harness, previewed: PersonResult[], persons: RunPersonResult[]): void {
  const imported = persons.filter((p) => p.outcome === 'imported');
  assert.ok(imported.length > 0);
  for (const p of imported) {
    const shown = previewed.find((x) => x.person === p.person);
    assert.equal(shown?.status, 'ready');
    assert.deepEqual(h.sandbox.profile(p.person!), shown.profile, `the sandbox holds what preview showed for ${p.origin}`);
  }
}

test('the CV service API example previews and runs against the sandbox', async () => {
  const service = await startCvService({ port: 0 });
  const h = await startHarness();
  try {
    const env = { CV_SERVICE_URL: service.url };
    // aino: shares everything; mikko: some sections; sanna: nothing (skipped, permit kept); li: everything.
    const granted = ['aino.virtanen@example.fi', 'mikko.korhonen@example.fi', 'sanna.nieminen@example.fi', 'li.wei@example.org'];
    const { summary, previewed, report, persons } = await previewAndRun(h, 'pipelines/cv-service-api.pipeline.yaml', env, granted);
    const all = JSON.parse(readFileSync(fromRoot('examples/cv-service-api/persons.json'), 'utf8')) as unknown[];
    assert.equal(summary.persons, all.length);
    assert.deepEqual(summary.byStatus, { ready: all.length - 1, skipped: 1, invalid: 0 });
    assert.match(previewed[0]!.origin, /^http:\/\/127\.0\.0\.1:\d+\/v1\/persons page 1#0$/);
    const sections = new Set(previewed.flatMap((p) => p.sections));
    for (const s of ['generalInfo', 'employments', 'educations', 'languageSkills', 'experienceDescription']) assert.ok(sections.has(s), s);
    assert.equal(report.persons, all.length);
    assert.deepEqual(report.byOutcome, { imported: 3, skipped: 1, 'no-permit': all.length - 4 });
    assertSandboxHoldsPreview(h, previewed, persons);

    // The same pipeline through the command line: validate (with its connections) and preview.
    const cliEnv = { ...h.env, ...env };
    const validated = await runCli(['validate', fromRoot('pipelines/cv-service-api.pipeline.yaml'), '--check-connections'], { cwd: h.dir, env: cliEnv });
    assert.equal(validated.code, 0, validated.stdout);
    assert.match(validated.stdout, /reached source: HEAD http:\/\/127\.0\.0\.1:\d+\/v1\/persons → 200/);
  } finally {
    await h.close();
    await service.close();
  }
});

test('the PostgreSQL example previews and runs against the sandbox', async (t) => {
  const base = pgUrl(t);
  if (!base) return;
  await withSchema(base, async ({ url, client }) => {
    await client.query(readFileSync(fromRoot('examples/postgres/schema.sql'), 'utf8'));
    await client.query(readFileSync(fromRoot('examples/postgres/seed.sql'), 'utf8'));
    const count = ((await client.query('SELECT count(*)::int AS n FROM cv_person')).rows[0] as { n: number }).n;
    assert.ok(count >= 10);
    const h = await startHarness();
    try {
      const env = { CV_DB_URL: url };
      // kaarina and minh share everything; teemu some sections; tuuli nothing (skipped).
      const granted = ['kaarina.aho@example.fi', 'teemu.rinne@example.fi', 'tuuli.saari@example.fi', 'minh.nguyen@example.org'];
      const { summary, previewed, report, persons } = await previewAndRun(h, 'pipelines/postgres.pipeline.yaml', env, granted);
      assert.equal(summary.persons, count);
      assert.deepEqual(summary.byStatus, { ready: count - 1, skipped: 1, invalid: 0 });
      assert.match(previewed[0]!.origin, /^postgres:\/\/127\.0\.0\.1:5432\/\w+ row 1$/);
      assert.ok(previewed.every((p) => !p.origin.includes('tmt_test_pw')));
      const sections = new Set(previewed.flatMap((p) => p.sections));
      for (const s of ['generalInfo', 'employments', 'educations', 'languageSkills']) assert.ok(sections.has(s), s);
      assert.deepEqual(report.byOutcome, { imported: 3, skipped: 1, 'no-permit': count - 4 });
      assertSandboxHoldsPreview(h, previewed, persons);

      const validated = await runCli(['validate', fromRoot('pipelines/postgres.pipeline.yaml'), '--check-connections', '--json'], { cwd: h.dir, env: { ...h.env, ...env } });
      assert.equal(validated.code, 0, validated.stdout);
      const doc = JSON.parse(validated.stdout) as { files: Array<{ connections: Array<{ what: string; ok: boolean }> }> };
      assert.deepEqual(doc.files[0]!.connections.map((c) => [c.what, c.ok]), [['source', true], ['token endpoint', true]]);
    } finally {
      await h.close();
    }
  });
});
