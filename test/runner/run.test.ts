import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline } from '../../src/pipeline/load-pipeline.js';
import { runPipeline, type RunPersonResult } from '../../src/runner/run.js';
import { previewPipeline } from '../../src/runner/preview.js';
import type { PersonResult } from '../../src/runner/process-person.js';
import { createImportClient } from '../../src/target/import-client.js';
import { runCli } from '../cli-harness.js';
import { person, writeFiles } from '../fixtures.js';
import { startHarness, SUBSCRIPTION_KEY, type Harness } from './run-harness.js';

async function run(h: Harness, o: { key?: string; now?: () => Date; concurrency?: number } = {}) {
  const { pipeline } = await loadPipeline('simple.pipeline.yaml', { config: h.config, cwd: h.dir });
  assert.ok(pipeline);
  const env = h.config.environments.sandbox!;
  const client = createImportClient({ environmentName: 'sandbox', environment: env, subscriptionKey: o.key ?? SUBSCRIPTION_KEY, retries: 2, backoff: { baseMs: 5, maxMs: 20 } });
  const persons: RunPersonResult[] = [];
  try {
    const report = await runPipeline({
      runId: `test-run-${Math.random().toString(36).slice(2)}`,
      pipeline,
      environmentName: 'sandbox',
      environment: env,
      state: h.state,
      client,
      pseudonymize: h.pseudonymize,
      cwd: h.dir,
      concurrency: o.concurrency ?? 2,
      onPerson: (r) => persons.push(r),
      ...(o.now ? { now: o.now } : {}),
    });
    const byOrigin = Object.fromEntries(persons.map((p) => [p.origin, p]));
    return { report, persons, byOrigin };
  } finally {
    client.close();
  }
}

test('run → sandbox: imported, skipped and no-permit; the sandbox holds exactly what preview showed; permits are single-use', async () => {
  const h = await startHarness({ files: { 'persons/4.json': person('dora@example.org', { work: true }) } });
  try {
    for (const k of ['aino@example.org', 'bertil@example.org', 'chen@example.org']) assert.equal(await h.grant(k), 'active');
    const first = await run(h);
    assert.equal(first.report.persons, 4);
    assert.deepEqual(first.report.byOutcome, { imported: 2, skipped: 1, 'no-permit': 1 });
    assert.equal(first.byOrigin['persons/4.json']?.reason, 'PERMIT_MISSING');
    assert.equal(first.byOrigin['persons/4.json']?.needsNewPermit, true);
    assert.deepEqual(first.report.needNewPermit, [h.pseudonymize('dora@example.org')]);

    // What TMT holds equals what preview shows for the same persons.
    const { pipeline } = await loadPipeline('simple.pipeline.yaml', { config: h.config, cwd: h.dir });
    const previewed: PersonResult[] = [];
    await previewPipeline({ pipeline: pipeline!, pseudonymize: h.pseudonymize, cwd: h.dir, onPerson: (r) => void previewed.push(r) });
    const ready = previewed.filter((p) => p.status === 'ready' && ['persons/1.json', 'persons/2.json'].includes(p.origin));
    assert.equal(ready.length, 2);
    for (const p of ready) assert.deepEqual(h.sandbox.profile(p.person!), p.profile, `sandbox holds what preview showed for ${p.origin}`);
    // The skipped person's permit was not used.
    const active = await h.store.list({ status: 'active' });
    assert.deepEqual(active.map((a) => a.person), [h.pseudonymize('chen@example.org')]);

    // A second run finds the permits spent: nothing is sent twice.
    const importsBefore = h.sandbox.imports().length;
    const second = await run(h);
    assert.equal(second.byOrigin['persons/1.json']?.reason, 'PERMIT_SPENT');
    assert.equal(h.sandbox.imports().length, importsBefore);
  } finally {
    await h.close();
  }
});

test('an invalid profile is reported and its permit is kept; an expired permit is reported as such', async () => {
  const h = await startHarness({
    files: {
      'persons/1.json': { ...person('aino@example.org', { work: true }), work: [{ name: 'Acme', position: 'Dev', startDate: '2019-01', endDate: '2018' }] },
      'persons/4.json': person('dora@example.org', { work: true }),
    },
  });
  try {
    await h.grant('aino@example.org');
    await h.grant('bertil@example.org');
    const r = await run(h);
    assert.equal(r.byOrigin['persons/1.json']?.outcome, 'invalid');
    assert.equal(r.byOrigin['persons/1.json']?.reason, 'PROFILE_END_BEFORE_START');
    assert.equal(r.byOrigin['persons/2.json']?.outcome, 'imported');
    const active = await h.store.list({ status: 'active' });
    assert.deepEqual(active.map((a) => a.person), [h.pseudonymize('aino@example.org')], "the invalid person's permit is still usable");
    await h.grant('dora@example.org');
    const later = await run(h, { now: () => new Date(Date.now() + 3 * 3600_000) });
    assert.equal(later.byOrigin['persons/4.json']?.reason, 'PERMIT_EXPIRED');
    assert.equal(later.byOrigin['persons/4.json']?.needsNewPermit, true);
  } finally {
    await h.close();
  }
});

test('TMT refusing a profile (400) is reported with its problem details and the others go on', async () => {
  // The sandbox's clock runs three days behind: yesterday's start date is "in the future" there.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const h = await startHarness({
    sandbox: { now: () => Date.now() - 3 * 86_400_000 },
    files: { 'persons/1.json': { ...person('aino@example.org', { work: true }), work: [{ name: 'Acme', position: 'Dev', startDate: yesterday }] } },
  });
  try {
    await h.grant('aino@example.org');
    await h.grant('bertil@example.org');
    const r = await run(h);
    const aino = r.byOrigin['persons/1.json']!;
    assert.equal(aino.outcome, 'rejected');
    assert.equal(aino.reason, 'TARGET_REJECTED');
    assert.equal(aino.status, 400);
    assert.ok(Array.isArray(aino.problem?.issues) && aino.problem.issues.some((i) => i.code === 'PROFILE_START_IN_FUTURE'));
    assert.equal(aino.needsNewPermit, true);
    assert.equal(r.byOrigin['persons/2.json']?.outcome, 'imported');
  } finally {
    await h.close();
  }
});

test('5xx after all retries: failed with a reason; the rest of the run goes on', async () => {
  const h = await startHarness();
  try {
    await h.grant('aino@example.org');
    h.sandbox.setFaults({ errorRate: 1 });
    const r = await run(h);
    const aino = r.byOrigin['persons/1.json']!;
    assert.equal(aino.outcome, 'failed');
    assert.equal(aino.reason, 'TARGET_UNAVAILABLE');
    assert.equal(aino.attempts, 3);
    assert.equal(r.byOrigin['persons/2.json']?.reason, 'PERMIT_MISSING');
  } finally {
    await h.close();
  }
});

test('a denied approval is reported as PERMIT_DENIED', async () => {
  const h = await startHarness();
  try {
    const start = await fetch(`${h.permitServer.url}/permits/start?person=${encodeURIComponent('aino@example.org')}`, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location')!);
    const state = authorize.searchParams.get('state')!;
    const cb = await fetch(`${h.permitServer.url}/permits/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    assert.equal(cb.status, 200);
    const r = await run(h);
    assert.equal(r.byOrigin['persons/1.json']?.reason, 'PERMIT_DENIED');
  } finally {
    await h.close();
  }
});

test('CLI: a wrong subscription key stops the run early (exit 3) instead of burning every permit', async () => {
  const many: Record<string, object> = {};
  for (let i = 10; i < 30; i++) many[`persons/${i}.json`] = person(`p${i}@example.org`, { work: true, languages: true });
  const h = await startHarness({ files: many });
  try {
    for (let i = 10; i < 30; i++) await h.grant(`p${i}@example.org`);
    const r = await runCli(['run', 'simple.pipeline.yaml', '--concurrency', '1', '--json'], { cwd: h.dir, env: { ...h.env, TMT_SANDBOX_SUBSCRIPTION_KEY: 'wrong-key' } });
    assert.equal(r.code, 3, r.stderr);
    const doc = JSON.parse(r.stdout) as { report: { aborted?: { code: string }; byOutcome: Record<string, number> } };
    assert.equal(doc.report.aborted?.code, 'TARGET_CREDENTIALS');
    assert.equal(doc.report.byOutcome.refused, 3);
    assert.ok((await h.store.list({ status: 'active' })).length >= 16, 'most permits are still usable');
    assert.ok(!r.stderr.includes('wrong-key') && !r.stdout.includes('wrong-key'), 'the key is never printed');
  } finally {
    await h.close();
  }
});

test('CLI: run imports, exit 0; production needs --env production and allowProduction; a missing secret is named', async () => {
  const h = await startHarness();
  try {
    await h.grant('aino@example.org');
    const ok = await runCli(['run', 'simple.pipeline.yaml'], { cwd: h.dir, env: h.env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /imported 1 +skipped 1 +no permit 1/);

    const noSecret = await runCli(['run', 'simple.pipeline.yaml'], { cwd: h.dir, env: { TMT_IMPORT_PSEUDONYM_SECRET: 'x' } });
    assert.equal(noSecret.code, 1);
    assert.match(noSecret.stderr, /CONFIG_SECRET_MISSING.*TMT_SANDBOX_SUBSCRIPTION_KEY/);

    writeFiles(h.dir, { 'prod.pipeline.yaml': (await import('node:fs')).readFileSync(`${h.dir}/simple.pipeline.yaml`, 'utf8').replace('environment: sandbox', 'environment: production') });
    const implicit = await runCli(['run', 'prod.pipeline.yaml'], { cwd: h.dir, env: h.env });
    assert.equal(implicit.code, 1);
    assert.match(implicit.stderr, /CONFIG_PRODUCTION_LOCKED/);
    const explicit = await runCli(['run', 'simple.pipeline.yaml', '--env', 'production'], { cwd: h.dir, env: h.env });
    assert.equal(explicit.code, 1);
    assert.match(explicit.stderr, /CONFIG_PRODUCTION_LOCKED.*allowProduction/);

    const dry = await runCli(['run', 'simple.pipeline.yaml', '--dry-run', '--format', 'ndjson'], { cwd: h.dir, env: h.env });
    assert.equal(dry.code, 0);
    assert.equal(dry.stdout.trim().split('\n').length, 3);
  } finally {
    await h.close();
  }
});
