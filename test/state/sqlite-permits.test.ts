/** The permit store's semantics, on the SQLite state database. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isTmtError } from '../../src/errors.js';
import { openSqliteState, STATE_FILES } from '../../src/state/sqlite-state.js';
import { tempDir } from '../helpers.js';
import { dbFileOf, filesHolding, mode, pseudonym, withRaw } from './state-test-helpers.js';

const P1 = 'p-0123456789abcdef';
const P2 = 'p-fedcba9876543210';
const T0 = new Date('2030-01-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

const tokenRows = (stateDir: string) => withRaw(stateDir, (db) => db.prepare('SELECT permit_id, token FROM permit_tokens').all() as Array<{ permit_id: string; token: string }>);

test('add → findUsable → markInFlight → markSpent: the token row is deleted once spent, and the token is nowhere on disk', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'state');
    const state = await openSqliteState(stateDir, { now: () => T0 });
    const store = state.permits;
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJhYmMifQ.secret-signature-1';
    const rec = await store.add({ person: P1, environment: 'sandbox', token, jti: 'jti-abc', expiresAt: iso(60) });
    assert.equal(rec.status, 'active');
    assert.equal(rec.person, P1);
    assert.equal(rec.jti, 'jti-abc');
    assert.equal(rec.obtainedAt, T0.toISOString());
    assert.equal(rec.expiresAt, iso(60));
    assert.match(rec.id, /^[0-9a-f]{32}$/);
    assert.ok(!('token' in rec));

    const found = await store.findUsable(P1, 'sandbox', at(1));
    assert.equal(found?.token, token);
    assert.deepEqual(found?.record, rec);
    assert.equal(await store.findUsable(P1, 'test', at(1)), undefined, 'another environment');
    assert.equal(await store.findUsable(P2, 'sandbox', at(1)), undefined, 'another person');
    assert.equal((await store.findUsable(P1, 'sandbox', at(1)))?.record.status, 'active', 'findUsable marks nothing');
    // The token is in its own table, never in the permit records.
    assert.deepEqual(tokenRows(stateDir), [{ permit_id: rec.id, token }]);
    assert.ok(!JSON.stringify(withRaw(stateDir, (db) => db.prepare('SELECT * FROM permits').all())).includes(token));
    assert.ok(!JSON.stringify(await store.list()).includes(token));

    await store.markInFlight(rec.id);
    assert.equal(await store.findUsable(P1, 'sandbox', at(2)), undefined, 'an in-flight permit is not usable');
    assert.equal((await store.list())[0]?.status, 'in-flight');
    assert.equal(tokenRows(stateDir).length, 1, 'the token stays while in flight');
    await assert.rejects(store.markInFlight(rec.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_SPENT');

    await store.markSpent(rec.id, 'imported');
    const [spent] = await store.list();
    assert.equal(spent?.status, 'spent');
    assert.equal(spent?.outcome, 'imported');
    assert.deepEqual(tokenRows(stateDir), [], 'the token row is gone');
    // Idempotent, and unknown ids are coded errors.
    await store.markSpent(rec.id, 'again');
    assert.equal((await store.list())[0]?.outcome, 'imported');
    await assert.rejects(store.markSpent('0'.repeat(32), 'imported'), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_MISSING');
    await assert.rejects(store.markInFlight('0'.repeat(32)), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_MISSING');
    await state.close();
    // secure_delete overwrote the deleted row, and closing folded the WAL into the file: no byte of the token is left.
    assert.deepEqual(filesHolding(stateDir, token), []);
    assert.equal(existsSync(`${dbFileOf(stateDir)}-wal`), false);
  } finally {
    cleanup();
  }
});

test('markInFlight takes active permits only: PERMIT_EXPIRED after purge, PERMIT_DENIED for a failure record', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir, { now: () => T0 });
    const store = state.permits;
    const expiring = await store.add({ person: P1, environment: 'sandbox', token: 't1', expiresAt: iso(10) });
    const denied = await store.recordFailure({ person: P2, environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' });
    await store.purge(at(11));
    await assert.rejects(store.markInFlight(expiring.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_EXPIRED');
    await assert.rejects(store.markInFlight(denied.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_DENIED');
    await assert.rejects(store.markSpent(denied.id, 'imported'), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_DENIED');
    assert.equal((await store.list({ status: 'denied' }))[0]?.id, denied.id, 'the failure record is unchanged');
    await state.close();
  } finally {
    cleanup();
  }
});

test('expiry: a permit is usable until expiresAt; the newest usable permit wins', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const state = await openSqliteState(dir, { now: () => clock });
    const store = state.permits;
    const older = await store.add({ person: P1, environment: 'sandbox', token: 'tok-older', expiresAt: iso(120) });
    clock = at(5);
    const newer = await store.add({ person: P1, environment: 'sandbox', token: 'tok-newer', expiresAt: iso(30) });
    assert.equal((await store.findUsable(P1, 'sandbox', at(10)))?.record.id, newer.id);
    assert.equal((await store.findUsable(P1, 'sandbox', at(30)))?.record.id, older.id, 'the newer one expired at 30; the older still runs');
    assert.equal((await store.findUsable(P1, 'sandbox', at(29.99)))?.token, 'tok-newer');
    assert.equal(await store.findUsable(P1, 'sandbox', at(120)), undefined);
    assert.equal(await store.explainUnusable(P1, 'sandbox', at(120)), 'expired');
    // Two permits obtained in the same millisecond: the one added last wins.
    const same1 = await store.add({ person: P2, environment: 'sandbox', token: 'tok-same-1', expiresAt: iso(60) });
    const same2 = await store.add({ person: P2, environment: 'sandbox', token: 'tok-same-2', expiresAt: iso(60) });
    assert.equal(same1.obtainedAt, same2.obtainedAt);
    assert.equal((await store.findUsable(P2, 'sandbox', at(6)))?.record.id, same2.id);
    await state.close();
  } finally {
    cleanup();
  }
});

test('explainUnusable: missing, expired, spent, denied, as the newest record says', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const state = await openSqliteState(dir, { now: () => clock });
    const store = state.permits;
    const people = { missing: 'p-1000000000000001', expired: 'p-1000000000000002', inflight: 'p-1000000000000003', spent: 'p-1000000000000004', denied: 'p-1000000000000005', failed: 'p-1000000000000006', later: 'p-1000000000000007', purged: 'p-1000000000000008' };
    assert.equal(await store.explainUnusable(people.missing, 'sandbox', at(0)), 'missing');

    await store.add({ person: people.expired, environment: 'sandbox', token: 't1', expiresAt: iso(10) });
    assert.equal(await store.explainUnusable(people.expired, 'sandbox', at(11)), 'expired');

    const f = await store.add({ person: people.inflight, environment: 'sandbox', token: 't2', expiresAt: iso(60) });
    await store.markInFlight(f.id);
    assert.equal(await store.explainUnusable(people.inflight, 'sandbox', at(1)), 'spent');

    const s = await store.add({ person: people.spent, environment: 'sandbox', token: 't3', expiresAt: iso(60) });
    await store.markSpent(s.id, 'rejected');
    assert.equal(await store.explainUnusable(people.spent, 'sandbox', at(1)), 'spent');

    const d = await store.recordFailure({ person: people.denied, environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED: the person cancelled the approval' });
    assert.equal(d.status, 'denied');
    assert.equal(d.reason, 'PERMIT_DENIED: the person cancelled the approval');
    assert.equal(await store.explainUnusable(people.denied, 'sandbox', at(1)), 'denied');
    await store.recordFailure({ person: people.failed, environment: 'sandbox', status: 'failed', reason: 'PERMIT_EXCHANGE_FAILED: HTTP 400 invalid_grant' });
    assert.equal(await store.explainUnusable(people.failed, 'sandbox', at(1)), 'denied');
    assert.equal(await store.explainUnusable(people.denied, 'test', at(1)), 'missing', 'per environment');

    // The newest record decides: a spent permit, then a cancelled approval → denied.
    const l = await store.add({ person: people.later, environment: 'sandbox', token: 't4', expiresAt: iso(60) });
    await store.markSpent(l.id, 'imported');
    clock = at(2);
    await store.recordFailure({ person: people.later, environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' });
    assert.equal(await store.explainUnusable(people.later, 'sandbox', at(3)), 'denied');

    // After purge the status itself says expired.
    await store.add({ person: people.purged, environment: 'sandbox', token: 't5', expiresAt: iso(10) });
    await store.purge(at(11), { keepDays: 30 });
    assert.equal((await store.list({ status: 'expired' })).some((r) => r.person === people.purged), true);
    assert.equal(await store.explainUnusable(people.purged, 'sandbox', at(11)), 'expired');
    await state.close();
  } finally {
    cleanup();
  }
});

test('purge: tokens of expired and spent permits go; old finished records go; counts are right', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const state = await openSqliteState(dir, { now: () => clock });
    const store = state.permits;
    const usable = await store.add({ person: P1, environment: 'sandbox', token: 'tok-usable', expiresAt: iso(60 * 24 * 100) });
    const expiring = await store.add({ person: P2, environment: 'sandbox', token: 'tok-expiring', expiresAt: iso(30) });
    const inflight = await store.add({ person: 'p-2000000000000001', environment: 'sandbox', token: 'tok-inflight', expiresAt: iso(30) });
    await store.markInFlight(inflight.id);
    const spent = await store.add({ person: 'p-2000000000000002', environment: 'sandbox', token: 'tok-spent', expiresAt: iso(30) });
    await store.markSpent(spent.id, 'imported');
    await store.recordFailure({ person: 'p-2000000000000003', environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' });

    // An hour later: expiring → expired, in-flight → spent/unknown; their tokens go; no record is old.
    const first = await store.purge(at(60), { keepDays: 30 });
    assert.deepEqual(first, { tokensDeleted: 2, recordsDeleted: 0 });
    const byId = new Map((await store.list()).map((r) => [r.id, r]));
    assert.equal(byId.get(expiring.id)?.status, 'expired');
    assert.equal(byId.get(inflight.id)?.status, 'spent');
    assert.equal(byId.get(inflight.id)?.outcome, 'unknown');
    assert.equal(byId.get(usable.id)?.status, 'active');
    // The run's answer arrives after all: it replaces 'unknown'; later answers do not replace it.
    await store.markSpent(inflight.id, 'imported');
    await store.markSpent(inflight.id, 'rejected');
    assert.equal((await store.list()).find((r) => r.id === inflight.id)?.outcome, 'imported');
    assert.deepEqual(tokenRows(dir).map((t) => t.token), ['tok-usable']);
    for (const t of ['tok-expiring', 'tok-inflight', 'tok-spent']) assert.deepEqual(filesHolding(dir, t), [], `${t} left on disk`);
    await assert.rejects(store.markInFlight(expiring.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_EXPIRED');
    assert.equal((await store.findUsable(P1, 'sandbox', at(61)))?.token, 'tok-usable');

    // 31 days later the four finished records go; the usable permit stays (record and token).
    const second = await store.purge(at(60 * 24 * 31), { keepDays: 30 });
    assert.deepEqual(second, { tokensDeleted: 0, recordsDeleted: 4 });
    assert.deepEqual((await store.list()).map((r) => r.id), [usable.id]);
    // keepDays: Infinity keeps every record.
    clock = at(60 * 24 * 31);
    await store.recordFailure({ person: P2, environment: 'sandbox', status: 'failed', reason: 'PERMIT_EXCHANGE_FAILED' });
    assert.deepEqual(await store.purge(at(60 * 24 * 400), { keepDays: Infinity }), { tokensDeleted: 1, recordsDeleted: 0 });
    assert.equal((await store.list()).length, 2);
    await assert.rejects(store.purge(at(0), { keepDays: -1 }), (e: unknown) => isTmtError(e) && e.code === 'INTERNAL');
    await state.close();
    const again = await openSqliteState(dir);
    assert.equal((await again.permits.list()).length, 2);
    assert.equal((await again.permits.list({ status: 'expired' }))[0]?.id, usable.id);
    assert.deepEqual(tokenRows(dir), []);
    await again.close();
  } finally {
    cleanup();
  }
});

test('files are owner-only: folder 0700, database, WAL and marker 0600', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'nested', 'state');
    const state = await openSqliteState(stateDir);
    await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(mode(stateDir), 0o700);
    assert.equal(mode(dbFileOf(stateDir)), 0o600);
    assert.equal(mode(`${dbFileOf(stateDir)}-wal`), 0o600);
    assert.equal(mode(`${dbFileOf(stateDir)}-shm`), 0o600);
    assert.equal(mode(join(stateDir, STATE_FILES.marker)), 0o600);
    await state.close();
  } finally {
    cleanup();
  }
});

test('a missing store is empty; records persist across reopening; use after close is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const empty = await openSqliteState(join(dir, 'does-not-exist'));
    assert.deepEqual(await empty.permits.list(), []);
    assert.equal(await empty.permits.findUsable(P1, 'sandbox', T0), undefined);
    assert.equal(await empty.permits.explainUnusable(P1, 'sandbox', T0), 'missing');
    await empty.close();

    const state = await openSqliteState(dir, { now: () => T0 });
    const store = state.permits;
    for (let i = 0; i < 20; i++) {
      const r = await store.add({ person: pseudonym(i), environment: 'sandbox', token: `tok-${i}`, jti: `jti-${i}`, expiresAt: iso(60) });
      if (i % 3 === 0) await store.markSpent(r.id, 'imported');
    }
    const before = await store.list();
    await store.close(); // closes the state
    await assert.rejects(store.list(), (e: unknown) => isTmtError(e) && e.code === 'INTERNAL', 'used after close');
    await assert.rejects(state.getRun('x'), (e: unknown) => isTmtError(e) && e.code === 'INTERNAL');
    await state.close(); // idempotent

    const again = await openSqliteState(dir);
    assert.deepEqual(await again.permits.list(), before);
    assert.equal((await again.permits.findUsable(pseudonym(1), 'sandbox', at(1)))?.token, 'tok-1');
    assert.equal(await again.permits.findUsable(pseudonym(3), 'sandbox', at(1)), undefined);
    assert.equal((await again.permits.list({ status: 'spent' })).length, 7);
    assert.equal((await again.permits.list({ environment: 'test' })).length, 0);
    await again.close();
  } finally {
    cleanup();
  }
});

test('concurrency: 100 parallel adds lose nothing; 100 parallel markSpent delete every token', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const people = Array.from({ length: 100 }, (_, i) => pseudonym(i + 1));
    const added = await Promise.all(people.map((person, i) => state.permits.add({ person, environment: 'sandbox', token: `tok-${i}`, expiresAt })));
    assert.equal(new Set(added.map((r) => r.id)).size, 100);
    await state.close();
    const again = await openSqliteState(dir);
    assert.equal((await again.permits.list()).length, 100);
    const found = await Promise.all(people.map((p) => again.permits.findUsable(p, 'sandbox', new Date())));
    assert.deepEqual(found.map((f) => f?.token), people.map((_, i) => `tok-${i}`));
    await Promise.all(added.map((r) => again.permits.markSpent(r.id, 'imported')));
    assert.equal((await again.permits.list({ status: 'spent' })).length, 100);
    assert.deepEqual(tokenRows(dir), []);
    await again.close();
  } finally {
    cleanup();
  }
});

test('two stores on one folder (a permit server and a run) see each other and never hand out one permit twice', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const serverState = await openSqliteState(dir);
    const runnerState = await openSqliteState(dir);
    const server = serverState.permits;
    const runner = runnerState.permits;
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const rec = await server.add({ person: P1, environment: 'sandbox', token: 'tok-shared', expiresAt });
    // The run opened before the permit arrived, and still finds it.
    const found = await runner.findUsable(P1, 'sandbox', new Date());
    assert.equal(found?.token, 'tok-shared');
    await runner.markInFlight(rec.id);
    await assert.rejects(server.markInFlight(rec.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_SPENT');
    assert.equal(await server.findUsable(P1, 'sandbox', new Date()), undefined);
    for (let i = 0; i < 30; i++) {
      const s = i % 2 === 0 ? server : runner;
      await s.add({ person: pseudonym(i + 100), environment: 'sandbox', token: `tok-${i}`, expiresAt });
    }
    await runner.markSpent(rec.id, 'imported');
    assert.equal((await server.list()).length, 31);
    assert.equal((await runner.list()).length, 31);
    assert.equal((await server.list({ status: 'spent' }))[0]?.id, rec.id);
    await serverState.close();
    await runnerState.close();
    const third = await openSqliteState(dir);
    assert.equal((await third.permits.list()).length, 31);
    await third.close();
  } finally {
    cleanup();
  }
});

test('the store takes pseudonyms only: a person key is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const store = state.permits;
    await assert.rejects(async () => store.add({ person: 'maija.meikalainen@example.org', environment: 'sandbox', token: 't' }), /pseudonym/);
    await assert.rejects(async () => store.recordFailure({ person: '010203-1234', environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' }), /pseudonym/);
    await assert.rejects(async () => store.add({ person: P1, environment: '', token: 't' }), /environment/);
    await assert.rejects(async () => store.add({ person: P1, environment: 'sandbox', token: '' }), /token/);
    assert.deepEqual(await store.list(), []);
    await state.close();
  } finally {
    cleanup();
  }
});
