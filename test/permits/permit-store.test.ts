import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTmtError } from '../../src/errors.js';
import { openFilePermitStore, PERMIT_STORE_FILES } from '../../src/permits/permit-store.js';
import { tempDir } from '../helpers.js';

const P1 = 'p-0123456789abcdef';
const P2 = 'p-fedcba9876543210';
const T0 = new Date('2030-01-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

/** Every file under dir, with its content. */
function allFiles(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else out.push({ file: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

function assertNowhereOnDisk(dir: string, secret: string) {
  for (const { file, text } of allFiles(dir)) assert.ok(!text.includes(secret), `${file} still holds the token`);
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

test('add → findUsable → markInFlight → markSpent: the token is deleted from disk once spent', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'state');
    const store = await openFilePermitStore(stateDir, { now: () => T0 });
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
    // findUsable marks nothing.
    assert.equal((await store.findUsable(P1, 'sandbox', at(1)))?.record.status, 'active');
    // The token is on disk (owner-only) while usable, but never in the records.
    assert.ok(allFiles(stateDir).some((f) => f.text === token));
    for (const f of allFiles(stateDir)) if (!f.file.includes(PERMIT_STORE_FILES.tokens)) assert.ok(!f.text.includes(token), f.file);

    await store.markInFlight(rec.id);
    assert.equal(await store.findUsable(P1, 'sandbox', at(2)), undefined, 'an in-flight permit is not usable');
    assert.equal((await store.list())[0]?.status, 'in-flight');
    await assert.rejects(store.markInFlight(rec.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_SPENT');

    await store.markSpent(rec.id, 'imported');
    const [spent] = await store.list();
    assert.equal(spent?.status, 'spent');
    assert.equal(spent?.outcome, 'imported');
    assertNowhereOnDisk(stateDir, token);
    assert.deepEqual(readdirSync(join(stateDir, PERMIT_STORE_FILES.tokens)), []);
    // Idempotent, and unknown ids are coded errors.
    await store.markSpent(rec.id, 'again');
    assert.equal((await store.list())[0]?.outcome, 'imported');
    await assert.rejects(store.markSpent('0'.repeat(32), 'imported'), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_MISSING');
    await store.close();
  } finally {
    cleanup();
  }
});

test('expiry: a permit is usable until expiresAt; the newest usable permit wins', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const store = await openFilePermitStore(dir, { now: () => clock });
    const older = await store.add({ person: P1, environment: 'sandbox', token: 'tok-older', expiresAt: iso(120) });
    clock = at(5);
    const newer = await store.add({ person: P1, environment: 'sandbox', token: 'tok-newer', expiresAt: iso(30) });
    assert.equal((await store.findUsable(P1, 'sandbox', at(10)))?.record.id, newer.id);
    assert.equal((await store.findUsable(P1, 'sandbox', at(30)))?.record.id, older.id, 'the newer one expired at 30; the older still runs');
    assert.equal((await store.findUsable(P1, 'sandbox', at(29.99)))?.token, 'tok-newer');
    assert.equal(await store.findUsable(P1, 'sandbox', at(120)), undefined);
    assert.equal(await store.explainUnusable(P1, 'sandbox', at(120)), 'expired');
    await store.close();
  } finally {
    cleanup();
  }
});

test('explainUnusable: missing, expired, spent, denied, as the newest record says', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const store = await openFilePermitStore(dir, { now: () => clock });
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
    await store.close();
  } finally {
    cleanup();
  }
});

test('purge: tokens of expired, spent and orphaned permits go; old finished records go; counts are right', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const store = await openFilePermitStore(dir, { now: () => clock });
    const usable = await store.add({ person: P1, environment: 'sandbox', token: 'tok-usable', expiresAt: iso(60 * 24 * 100) });
    const expiring = await store.add({ person: P2, environment: 'sandbox', token: 'tok-expiring', expiresAt: iso(30) });
    const inflight = await store.add({ person: 'p-2000000000000001', environment: 'sandbox', token: 'tok-inflight', expiresAt: iso(30) });
    await store.markInFlight(inflight.id);
    const spent = await store.add({ person: 'p-2000000000000002', environment: 'sandbox', token: 'tok-spent', expiresAt: iso(30) });
    await store.markSpent(spent.id, 'imported');
    await store.recordFailure({ person: 'p-2000000000000003', environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' });
    // A token left behind by a crash between writing it and recording it.
    writeFileSync(join(dir, PERMIT_STORE_FILES.tokens, 'a'.repeat(32)), 'tok-orphan', { mode: 0o600 });

    // An hour later: expiring → expired, in-flight → spent/unknown; their tokens and the orphan go; no record is old.
    const first = await store.purge(at(60), { keepDays: 30 });
    assert.deepEqual(first, { tokensDeleted: 3, recordsDeleted: 0 });
    const byId = new Map((await store.list()).map((r) => [r.id, r]));
    assert.equal(byId.get(expiring.id)?.status, 'expired');
    assert.equal(byId.get(inflight.id)?.status, 'spent');
    assert.equal(byId.get(inflight.id)?.outcome, 'unknown');
    assert.equal(byId.get(usable.id)?.status, 'active');
    // The run's answer arrives after all: it replaces 'unknown'; later answers do not replace it.
    await store.markSpent(inflight.id, 'imported');
    await store.markSpent(inflight.id, 'rejected');
    assert.equal((await store.list()).find((r) => r.id === inflight.id)?.outcome, 'imported');
    for (const t of ['tok-expiring', 'tok-inflight', 'tok-orphan', 'tok-spent']) assertNowhereOnDisk(dir, t);
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
    await store.close();
    // Survives reopening after the compaction that purge does.
    const again = await openFilePermitStore(dir);
    assert.equal((await again.list()).length, 2);
    assert.equal((await again.list({ status: 'expired' }))[0]?.id, usable.id);
    await again.close();
  } finally {
    cleanup();
  }
});

test('files are owner-only: folder 0700, records, journal and tokens 0600', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'nested', 'state');
    const store = await openFilePermitStore(stateDir);
    const rec = await store.add({ person: P1, environment: 'sandbox', token: 'tok', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await store.purge(new Date()); // writes the snapshot too
    assert.equal(mode(stateDir), 0o700);
    assert.equal(mode(join(stateDir, PERMIT_STORE_FILES.tokens)), 0o700);
    assert.equal(mode(join(stateDir, PERMIT_STORE_FILES.snapshot)), 0o600);
    assert.equal(mode(join(stateDir, PERMIT_STORE_FILES.journal)), 0o600);
    assert.equal(mode(join(stateDir, PERMIT_STORE_FILES.tokens, rec.id)), 0o600);
    await store.markInFlight(rec.id);
    assert.equal(mode(join(stateDir, PERMIT_STORE_FILES.journal)), 0o600);
    assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), [], 'no temp or lock files left');
    await store.close();
  } finally {
    cleanup();
  }
});

test('a damaged store is PERMIT_STORE_UNREADABLE naming the file, never silently replaced', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const snapshot = join(dir, PERMIT_STORE_FILES.snapshot);
    const journal = join(dir, PERMIT_STORE_FILES.journal);
    const isUnreadable = (file: string) => (e: unknown) => isTmtError(e) && e.code === 'PERMIT_STORE_UNREADABLE' && e.message.includes(file) && e.issues[0]?.file === file;

    writeFileSync(snapshot, '{"format":"tmt-import-permits","version":1,"records":[{"id":', { mode: 0o600 });
    await assert.rejects(openFilePermitStore(dir), isUnreadable(snapshot));
    assert.equal(readFileSync(snapshot, 'utf8').length > 0, true, 'left as it was');

    writeFileSync(snapshot, JSON.stringify({ some: 'other file' }));
    await assert.rejects(openFilePermitStore(dir), isUnreadable(snapshot));
    writeFileSync(snapshot, JSON.stringify({ format: 'tmt-import-permits', version: 1, records: [{ id: 'x', status: 'weird' }] }));
    await assert.rejects(openFilePermitStore(dir), isUnreadable(snapshot));

    // A damaged journal line in the middle names the line.
    writeFileSync(snapshot, JSON.stringify({ format: 'tmt-import-permits', version: 1, records: [] }));
    const good = JSON.stringify({ put: { id: 'b'.repeat(32), person: P1, environment: 'sandbox', status: 'denied', obtainedAt: T0.toISOString(), reason: 'PERMIT_DENIED' } });
    writeFileSync(journal, `${good}\nnot json at all\n${good}\n`);
    await assert.rejects(openFilePermitStore(dir), (e: unknown) => isUnreadable(journal)(e) && /line 2/.test((e as Error).message));

    // A line cut short by a crash (no newline at the end) is ignored, then cut away by the next change.
    writeFileSync(journal, `${good}\n{"put":{"id":"cc`);
    const store = await openFilePermitStore(dir);
    assert.equal((await store.list()).length, 1);
    await store.recordFailure({ person: P2, environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' });
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 2);
    for (const l of lines) JSON.parse(l);
    await store.close();
    const reopened = await openFilePermitStore(dir);
    assert.equal((await reopened.list()).length, 2);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('a missing store is empty; records persist across reopening, through compactions', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const empty = await openFilePermitStore(join(dir, 'does-not-exist'));
    assert.deepEqual(await empty.list(), []);
    assert.equal(await empty.findUsable(P1, 'sandbox', T0), undefined);
    assert.equal(await empty.explainUnusable(P1, 'sandbox', T0), 'missing');
    await empty.close();

    const store = await openFilePermitStore(dir, { now: () => T0, compactAfter: 7 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const person = `p-${i.toString(16).padStart(16, '0')}`;
      const r = await store.add({ person, environment: 'sandbox', token: `tok-${i}`, jti: `jti-${i}`, expiresAt: iso(60) });
      ids.push(r.id);
      if (i % 3 === 0) await store.markSpent(r.id, 'imported');
    }
    const before = await store.list();
    await store.close();
    await assert.rejects(store.list(), (e: unknown) => isTmtError(e) && e.code === 'INTERNAL', 'used after close');

    const again = await openFilePermitStore(dir);
    assert.deepEqual(await again.list(), before);
    assert.equal((await again.findUsable('p-0000000000000001', 'sandbox', at(1)))?.token, 'tok-1');
    assert.equal(await again.findUsable('p-0000000000000003', 'sandbox', at(1)), undefined);
    assert.equal((await again.list({ status: 'spent' })).length, 7);
    assert.equal((await again.list({ environment: 'test' })).length, 0);
    await again.close();
  } finally {
    cleanup();
  }
});

test('concurrency: 100 parallel adds lose nothing, in memory or on disk', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = await openFilePermitStore(dir, { compactAfter: 30 });
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const people = Array.from({ length: 100 }, (_, i) => `p-${(i + 1).toString(16).padStart(16, '0')}`);
    const added = await Promise.all(people.map((person, i) => store.add({ person, environment: 'sandbox', token: `tok-${i}`, expiresAt })));
    assert.equal(new Set(added.map((r) => r.id)).size, 100);
    assert.equal((await store.list()).length, 100);
    await store.close();
    const again = await openFilePermitStore(dir);
    assert.equal((await again.list()).length, 100);
    const found = await Promise.all(people.map((p) => again.findUsable(p, 'sandbox', new Date())));
    assert.deepEqual(found.map((f) => f?.token), people.map((_, i) => `tok-${i}`));
    // Parallel markSpent of all of them: every token gone, every record spent.
    await Promise.all(added.map((r) => again.markSpent(r.id, 'imported')));
    assert.equal((await again.list({ status: 'spent' })).length, 100);
    assert.deepEqual(readdirSync(join(dir, PERMIT_STORE_FILES.tokens)), []);
    await again.close();
  } finally {
    cleanup();
  }
});

test('two stores on one folder (a permit server and a run) see each other and never hand out one permit twice', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const server = await openFilePermitStore(dir, { compactAfter: 5 });
    const runner = await openFilePermitStore(dir, { compactAfter: 5 });
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const rec = await server.add({ person: P1, environment: 'sandbox', token: 'tok-shared', expiresAt });
    // The run opened before the permit arrived, and still finds it.
    const found = await runner.findUsable(P1, 'sandbox', new Date());
    assert.equal(found?.token, 'tok-shared');
    await runner.markInFlight(rec.id);
    await assert.rejects(server.markInFlight(rec.id), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_SPENT');
    assert.equal(await server.findUsable(P1, 'sandbox', new Date()), undefined);
    // Interleaved writes from both, across several compactions, lose nothing.
    for (let i = 0; i < 30; i++) {
      const s = i % 2 === 0 ? server : runner;
      await s.add({ person: `p-${(i + 100).toString(16).padStart(16, '0')}`, environment: 'sandbox', token: `tok-${i}`, expiresAt });
    }
    await runner.markSpent(rec.id, 'imported');
    assert.equal((await server.list()).length, 31);
    assert.equal((await runner.list()).length, 31);
    assert.equal((await server.list({ status: 'spent' }))[0]?.id, rec.id);
    await server.close();
    await runner.close();
    const third = await openFilePermitStore(dir);
    assert.equal((await third.list()).length, 31);
    await third.close();
  } finally {
    cleanup();
  }
});

test('the store takes pseudonyms only: a person key is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = await openFilePermitStore(dir);
    await assert.rejects(async () => store.add({ person: 'maija.meikalainen@example.org', environment: 'sandbox', token: 't' }), /pseudonym/);
    await assert.rejects(async () => store.recordFailure({ person: '010203-1234', environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' }), /pseudonym/);
    assert.deepEqual(await store.list(), []);
    // A stale lock of a dead process does not block the store.
    writeFileSync(join(dir, PERMIT_STORE_FILES.lock), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }));
    await store.add({ person: P1, environment: 'sandbox', token: 't' });
    assert.equal((await store.list()).length, 1);
    await store.close();
  } finally {
    cleanup();
  }
});
