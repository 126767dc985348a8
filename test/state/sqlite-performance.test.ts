/** What a run of 10,000 persons asks of the state: findUsable + beginSend + finishSend with a receipt, each. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import { tempDir } from '../helpers.js';
import { pseudonym } from './state-test-helpers.js';

const PERSONS = 10_000;

test(`${PERSONS.toLocaleString('en')} send cycles (findUsable, beginSend, finishSend with a receipt) stay well under 10 s`, async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    let started = performance.now();
    for (let i = 0; i < PERSONS; i++) await state.permits.add({ person: pseudonym(i), environment: 'sandbox', token: `token-${i}-${'x'.repeat(600)}`, jti: `jti-${i}`, expiresAt });
    const addMs = performance.now() - started;

    await state.beginRun({ runId: 'perf', pipeline: 'people', pipelineHash: 'h'.repeat(64), environment: 'sandbox', startedAt: new Date().toISOString() });
    started = performance.now();
    for (let i = 0; i < PERSONS; i++) {
      const person = pseudonym(i);
      const now = new Date();
      const usable = await state.permits.findUsable(person, 'sandbox', now);
      assert.ok(usable);
      const at = now.toISOString();
      await state.beginSend({ runId: 'perf', person, origin: `persons/${i}.json`, permitId: usable.record.id, jti: `jti-${i}`, at });
      await state.finishSend({
        runId: 'perf',
        person,
        origin: `persons/${i}.json`,
        permitId: usable.record.id,
        outcome: 'imported',
        status: 204,
        receipt: { runId: 'perf', pipeline: 'people', pipelineHash: 'h'.repeat(64), environment: 'sandbox', person, jti: `jti-${i}`, sectionsSent: ['workExperience', 'education', 'skills'], withheld: [{ section: 'languages', reason: 'not-permitted', rule: 'consent.sections.languages.when' }], httpStatus: 204, outcome: 'imported', at },
      });
    }
    const cycleMs = performance.now() - started;
    started = performance.now();
    const verified = await state.verifyReceipts();
    const verifyMs = performance.now() - started;
    t.diagnostic(`${PERSONS} permits added in ${(addMs / 1000).toFixed(2)} s; ${PERSONS} send cycles in ${(cycleMs / 1000).toFixed(2)} s (${((cycleMs * 1000) / PERSONS).toFixed(0)} µs each); chain of ${verified.count} verified in ${(verifyMs / 1000).toFixed(2)} s`);
    assert.deepEqual(verified, { ok: true, count: PERSONS });
    assert.equal((await state.outcomes('perf')).size, PERSONS);
    assert.equal((await state.permits.list({ status: 'spent' })).length, PERSONS);
    // A generous bound for a loaded CI machine; on an idle one the cycles take about a second.
    assert.ok(cycleMs < 10_000, `the send cycles took ${cycleMs.toFixed(0)} ms`);
    await state.close();
  } finally {
    cleanup();
  }
});
