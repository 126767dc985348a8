import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { runCli } from './cli-harness.js';
import { repoRoot, tempDir } from './helpers.js';

// The shipped pipelines, mappings and examples are part of the product: they must stay valid.
const env = () => {
  const t = tempDir();
  return { t, env: { TMT_IMPORT_PSEUDONYM_SECRET: 'test-secret' } };
};

test('every shipped pipeline validates without errors or warnings', async () => {
  const pipelines = readdirSync(`${repoRoot}/pipelines`).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => `pipelines/${f}`);
  assert.ok(pipelines.length >= 2);
  const r = await runCli(['validate', ...pipelines, '--json'], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stdout);
  const report = JSON.parse(r.stdout) as { files: Array<{ issues: unknown[] }> };
  assert.deepEqual(report.files.flatMap((f) => f.issues), []);
});

test('tmt-import test passes for every shipped mapping', async () => {
  const r = await runCli(['test', '--json'], { cwd: repoRoot });
  const report = JSON.parse(r.stdout) as { ok: boolean; passed: number; failed: number; files: Array<{ file: string }> };
  assert.equal(r.code, 0, r.stdout.slice(0, 2000));
  assert.equal(report.failed, 0);
  assert.ok(report.passed >= 20);
  assert.ok(report.files.some((f) => f.file.includes('jsonresume')) && report.files.some((f) => f.file.includes('linkedin')));
});

test('the JSON Resume examples preview as ready profiles (or skipped when the person shares nothing)', async () => {
  const { t, env: e } = env();
  try {
    const r = await runCli(['preview', 'pipelines/jsonresume-files.pipeline.yaml', '--format', 'json', '--log-level', 'silent'], { cwd: repoRoot, env: e });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { persons: Array<{ status: string; profile?: Record<string, unknown>; sections: string[] }>; summary: { persons: number; byStatus: Record<string, number> } };
    assert.ok(doc.summary.persons >= 20);
    assert.equal(doc.summary.byStatus.invalid, 0);
    assert.ok((doc.summary.byStatus.ready ?? 0) >= 20);
    // Variety: across the examples every mapped section kind shows up.
    const sections = new Set(doc.persons.flatMap((p) => p.sections));
    for (const s of ['generalInfo', 'employments', 'educations', 'projects', 'languageSkills', 'experienceDescription', 'certifications', 'externalLinks']) assert.ok(sections.has(s), s);
    // Someone with more than 20 jobs is cut to 20.
    assert.ok(doc.persons.every((p) => !Array.isArray(p.profile?.employments) || (p.profile.employments as unknown[]).length <= 20));
  } finally {
    t.cleanup();
  }
});

test('real-world JSON Resume variants become ready profiles with --input and --assume-consent', async () => {
  const r = await runCli(['preview', 'pipelines/jsonresume-files.pipeline.yaml', '--input', 'examples/jsonresume-wild/*.json', '--assume-consent', '--format', 'json', '--log-level', 'silent'], { cwd: repoRoot, env: { TMT_IMPORT_PSEUDONYM_SECRET: 's' } });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { sendable: boolean; summary: { persons: number; byStatus: Record<string, number> } };
  assert.equal(doc.sendable, false);
  assert.ok(doc.summary.persons >= 5);
  assert.equal(doc.summary.byStatus.ready, doc.summary.persons);
});

test('the LinkedIn export examples preview as ready profiles', async () => {
  const r = await runCli(['preview', 'pipelines/linkedin-export.pipeline.yaml', '--format', 'json', '--log-level', 'silent'], { cwd: repoRoot, env: { TMT_IMPORT_PSEUDONYM_SECRET: 's' } });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { summary: { persons: number; byStatus: Record<string, number> } };
  assert.ok(doc.summary.persons >= 3);
  assert.equal(doc.summary.byStatus.ready, doc.summary.persons);
});
