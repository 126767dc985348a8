import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCheckpointTracker } from '../../src/runner/run.js';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import { tempDir } from '../helpers.js';

test('a page checkpoint is saved only once every person read up to it is finished and the next page has begun', async () => {
  const saved: unknown[] = [];
  const t = createCheckpointTracker(async (cp) => void saved.push(cp));
  const p1 = { page: 2 };
  const p2 = { page: 3 };
  const a = t.read(p1);
  const b = t.read(p1);
  await t.finished(b);
  assert.deepEqual(saved, [], 'a is still open');
  await t.finished(a);
  assert.deepEqual(saved, [], 'page 1 may still have persons to come');
  const c = t.read(p2);
  const d = t.read(p2);
  await t.finished(d);
  assert.deepEqual(saved, [{ page: 2 }], 'page 1 is complete once page 2 began');
  await t.finished(c);
  assert.deepEqual(saved, [{ page: 2 }], 'page 2 may still have persons to come');
  const e = t.read({ page: 4 });
  const f = t.read({ page: 4 });
  await t.finished(f);
  assert.deepEqual(saved, [{ page: 2 }, { page: 3 }], 'page 2 complete once page 3 began and everything before it is finished');
  await t.finished(e);
  assert.deepEqual(saved, [{ page: 2 }, { page: 3 }]);
});

test('the checkpoint of an interrupted run is kept in the state and read back', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    await state.beginRun({ runId: 'r1', pipeline: 'p', pipelineHash: 'h', environment: 'sandbox', startedAt: new Date().toISOString() });
    await state.saveCheckpoint('r1', { cursor: 'abc', pages: 3 });
    const run = await state.findUnfinishedRun('p', 'sandbox');
    assert.deepEqual(run?.checkpoint, { cursor: 'abc', pages: 3 });
    await state.close();
  } finally {
    cleanup();
  }
});
