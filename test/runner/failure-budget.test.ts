import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFailureBudget, parseMaxFailures } from '../../src/runner/failure-budget.js';

test('maxFailures as a count stops on the first failure past it', () => {
  const b = createFailureBudget(2);
  assert.equal(b.record(true), undefined);
  assert.equal(b.record(false), undefined);
  assert.equal(b.record(true), undefined);
  assert.match(b.record(true) ?? '', /3 persons failed, more than run.maxFailures \(2\)/);
});

test('maxFailures as a share waits for a sample, then compares the share so far', () => {
  const b = createFailureBudget('10%', 10);
  assert.equal(b.record(true), undefined, 'one early failure does not end the run');
  for (let i = 0; i < 8; i++) assert.equal(b.record(false), undefined);
  assert.equal(b.record(false), undefined); // 1 of 10
  assert.match(b.record(true) ?? '', /2 of 11 persons failed \(18\.2%\)/);
});

test('no maxFailures: never stops; parse forms', () => {
  const b = createFailureBudget(undefined);
  for (let i = 0; i < 100; i++) assert.equal(b.record(true), undefined);
  assert.deepEqual(parseMaxFailures('5%'), { kind: 'share', share: 0.05 });
  assert.deepEqual(parseMaxFailures(3), { kind: 'count', n: 3 });
  assert.equal(parseMaxFailures('lots'), undefined);
});
