import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFaults } from '../../src/sandbox/faults.js';
import { LANGUAGES, permit, problem, putProfile, sandbox } from './sandbox-fixtures.js';

test('errorRate 1: PUTs are answered 5xx, nothing is applied, the token is not spent', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  sb.setFaults({ errorRate: 1 });
  const statuses = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const r = await putProfile(sb, token, LANGUAGES);
    assert.ok([500, 502, 503].includes(r.status), String(r.status));
    statuses.add(r.status);
    const p = (await r.json()) as { detail: string };
    assert.match(p.detail, /still valid/);
    if (r.status === 503) assert.equal(r.headers.get('retry-after'), '1');
  }
  assert.ok(statuses.size >= 2, 'a mix of 5xx statuses');
  assert.equal(sb.profile('person-a'), undefined);
  assert.ok(sb.imports().every((r) => r.fault === 'gateway-error' && r.status >= 500));
  sb.setFaults({});
  assert.equal((await putProfile(sb, token, LANGUAGES)).status, 204);
  assert.deepEqual(sb.profile('person-a'), LANGUAGES);
});

test('dropRate 1: the connection closes without an answer, alternately before and after the import is applied', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  sb.setFaults({ dropRate: 1 });
  await assert.rejects(putProfile(sb, token, LANGUAGES), TypeError, 'first drop: before processing');
  assert.equal(sb.profile('person-a'), undefined);
  await assert.rejects(putProfile(sb, token, LANGUAGES), TypeError, 'second drop: after applying');
  assert.deepEqual(sb.profile('person-a'), LANGUAGES, 'applied although the client saw no answer');
  assert.deepEqual(sb.imports().map((r) => [r.status, r.fault]), [[0, 'dropped-before'], [204, 'dropped-after']]);
  sb.setFaults({});
  await problem(await putProfile(sb, token, LANGUAGES), 403);

  sb.setFaults({ dropRate: 1, dropPhase: 'after' });
  const t2 = await permit(sb, 'person-b');
  await assert.rejects(putProfile(sb, t2, LANGUAGES), TypeError);
  assert.deepEqual(sb.profile('person-b'), LANGUAGES);
  // The server still answers afterwards.
  sb.setFaults({});
  const health = await fetch(`${sb.url}/_sandbox/health`);
  assert.equal(health.status, 200);
  await health.arrayBuffer();
});

test('latency delays PUT answers (and only PUT)', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  sb.setFaults({ latencyMs: 300, latencyJitterMs: 50 });
  const t0 = performance.now();
  const r = await putProfile(sb, token, LANGUAGES);
  const took = performance.now() - t0;
  assert.equal(r.status, 204);
  assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
  const g0 = performance.now();
  const h = await fetch(`${sb.url}/_sandbox/health`);
  await h.arrayBuffer();
  assert.ok(performance.now() - g0 < 250, 'GET not delayed');
});

test('closing the sandbox during an injected delay ends cleanly', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  sb.setFaults({ latencyMs: 60_000 });
  const pending = putProfile(sb, token, LANGUAGES).then(
    (r) => r.status,
    () => 'closed',
  );
  await new Promise((r) => setTimeout(r, 50));
  await sb.close();
  assert.equal(await pending, 'closed');
  assert.deepEqual(sb.imports(), []);
});

test('faults are checked: unknown keys and out-of-range values are refused', (t) => {
  assert.deepEqual(parseFaults({}), { ok: true, faults: {} });
  assert.deepEqual(parseFaults({ errorRate: 0.5, rateLimit: { limit: 5, windowSeconds: 1 } }), { ok: true, faults: { errorRate: 0.5, rateLimit: { limit: 5, windowSeconds: 1 } } });
  for (const bad of [null, [], { errorRate: 2 }, { dropRate: -0.1 }, { latencyMs: 1.5 }, { latencyMs: '100' }, { colour: 'red' }, { rateLimit: { limit: 0, windowSeconds: 1 } }, { dropPhase: 'during' }]) {
    assert.equal(parseFaults(bad).ok, false, JSON.stringify(bad));
  }
  return sandbox(t).then((sb) => assert.throws(() => sb.setFaults({ errorRate: 5 }), RangeError));
});
