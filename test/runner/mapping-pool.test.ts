import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseWorkers } from '../../src/runner/mapping-pool.js';
import { runCli } from '../cli-harness.js';
import { repoRoot } from '../helpers.js';
import { startHarness } from './run-harness.js';

test('mapping in worker threads gives the same persons, in the same order, as mapping inline', async () => {
  const args = ['preview', 'pipelines/jsonresume-files.pipeline.yaml', '--format', 'ndjson', '--log-level', 'silent'];
  const env = { TMT_IMPORT_PSEUDONYM_SECRET: 'same-secret' };
  const inline = await runCli([...args, '--workers', '0'], { cwd: repoRoot, env });
  const threaded = await runCli([...args, '--workers', '2'], { cwd: repoRoot, env });
  assert.equal(inline.code, 0);
  assert.equal(threaded.code, 0);
  assert.ok(inline.stdout.split('\n').length > 20);
  assert.equal(threaded.stdout, inline.stdout);
});

test('a run with mapping threads imports like an inline one', async () => {
  const h = await startHarness();
  try {
    await h.grant('aino@example.org');
    await h.grant('bertil@example.org');
    const r = await runCli(['run', 'simple.pipeline.yaml', '--workers', '2', '--json'], { cwd: h.dir, env: h.env });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { report: { byOutcome: Record<string, number> } };
    assert.deepEqual(doc.report.byOutcome, { imported: 2, skipped: 1 });
  } finally {
    await h.close();
  }
});

test('worker threads only when they pay off', () => {
  assert.equal(chooseWorkers(0, 10_000), 0);
  assert.equal(chooseWorkers(3, 10), 3);
  assert.equal(chooseWorkers(undefined, 20), 0, 'small inputs map inline');
  assert.equal(chooseWorkers(undefined, undefined), 0, 'unknown size maps inline');
});
