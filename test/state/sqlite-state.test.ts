/** The SQLite state database: opening, migrations, damage, runs, sends, outcomes, dead letters, retention, export. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isTmtError, type ErrorCode } from '../../src/errors.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/state/sqlite-schema.js';
import { openSqliteState, STATE_FILES } from '../../src/state/sqlite-state.js';
import type { ReceiptInput } from '../../src/state/state-store.js';
import { fromRoot, tempDir } from '../helpers.js';
import { dbFileOf, filesHolding, pseudonym, withRaw } from './state-test-helpers.js';

const P1 = 'p-0123456789abcdef';
const P2 = 'p-fedcba9876543210';
const T0 = new Date('2030-01-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();
const DAY = 24 * 60;

const coded = (code: ErrorCode, ...inMessage: string[]) => (e: unknown) => {
  assert.ok(isTmtError(e), `expected a TmtError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  for (const m of inMessage) assert.ok(e.message.includes(m), `"${e.message}" should name ${m}`);
  return true;
};

const run = (runId: string, pipeline = 'people', environment = 'sandbox', startedAt = iso(0)) => ({ runId, pipeline, pipelineHash: 'h'.repeat(64), environment, startedAt });

const receiptOf = (runId: string, person: string, extra: Partial<ReceiptInput> = {}): ReceiptInput => ({
  runId,
  pipeline: 'people',
  pipelineHash: 'h'.repeat(64),
  environment: 'sandbox',
  person,
  jti: 'jti-1',
  sectionsSent: ['workExperience', 'languages'],
  withheld: [{ section: 'education', reason: 'not-permitted', rule: 'consent.sections.education.when' }],
  httpStatus: 204,
  outcome: 'imported',
  at: iso(1),
  ...extra,
});

test('a new state folder: the schema is created by the migrations, WAL mode, the marker names the database', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'state');
    const state = await openSqliteState(stateDir);
    assert.equal(state.location, dbFileOf(stateDir));
    await state.close();
    const info = withRaw(stateDir, (db) => ({
      version: db.pragma('user_version', { simple: true }),
      appId: db.pragma('application_id', { simple: true }),
      journal: db.pragma('journal_mode', { simple: true }),
      tables: (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name),
      indexes: (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name),
      databaseId: db.prepare(`SELECT value FROM meta WHERE key = 'database_id'`).pluck().get(),
    }));
    assert.equal(info.version, SCHEMA_VERSION);
    assert.equal(info.appId, APPLICATION_ID);
    assert.equal(info.journal, 'wal');
    assert.deepEqual(info.tables, ['dead_letters', 'meta', 'permit_tokens', 'permits', 'person_outcomes', 'receipts', 'runs']);
    for (const i of ['permits_by_person', 'person_outcomes_in_flight', 'receipts_by_person', 'dead_letters_by_pipeline', 'dead_letters_by_status']) assert.ok(info.indexes.includes(i), i);
    const marker = JSON.parse(readFileSync(join(stateDir, STATE_FILES.marker), 'utf8')) as { format: string; databaseId: string };
    assert.equal(marker.format, 'tmt-import-state');
    assert.equal(marker.databaseId, info.databaseId);
    // The query plan of findUsable uses the person index.
    const plan = withRaw(stateDir, (db) =>
      (db.prepare(`EXPLAIN QUERY PLAN SELECT p.* FROM permits p JOIN permit_tokens t ON t.permit_id = p.id WHERE p.person = ? AND p.environment = ? AND p.status = 'active' ORDER BY p.obtained_at DESC LIMIT 1`).all('p-1', 'sandbox') as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join('\n'),
    );
    assert.match(plan, /permits_by_person/);
  } finally {
    cleanup();
  }
});

test('reopening keeps everything: permits, runs, outcomes, receipts, dead letters', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir, { now: () => T0 });
    const permit = await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok-1', jti: 'jti-1', expiresAt: iso(60) });
    await state.beginRun(run('run-1'));
    await state.beginSend({ runId: 'run-1', person: P1, origin: 'a.json', permitId: permit.id, jti: 'jti-1', at: iso(1) });
    const receipt = await state.finishSend({ runId: 'run-1', person: P1, origin: 'a.json', permitId: permit.id, outcome: 'imported', status: 204, receipt: receiptOf('run-1', P1) });
    await state.recordOutcome({ runId: 'run-1', person: P2, origin: 'b.json', outcome: 'no-permit', reason: 'PERMIT_MISSING', at: iso(1) });
    const letter = await state.addDeadLetter({ runId: 'run-1', pipeline: 'people', environment: 'sandbox', person: P2, origin: 'b.json', reason: 'TARGET_UNAVAILABLE', createdAt: iso(2), payload: '{"languages":[]}' });
    await state.finishRun('run-1', { status: 'completed', finishedAt: iso(3), summary: { persons: 2, byOutcome: { imported: 1, 'no-permit': 1 } } });
    await state.close();

    const again = await openSqliteState(dir);
    assert.deepEqual(await again.getRun('run-1'), { ...run('run-1'), status: 'completed', finishedAt: iso(3), summary: { persons: 2, byOutcome: { imported: 1, 'no-permit': 1 } } });
    const outcomes = await again.outcomes('run-1');
    assert.deepEqual(outcomes.get(P1), { runId: 'run-1', person: P1, origin: 'a.json', outcome: 'imported', status: 204, permitId: permit.id, jti: 'jti-1', at: iso(1) });
    assert.deepEqual(outcomes.get(P2), { runId: 'run-1', person: P2, origin: 'b.json', outcome: 'no-permit', reason: 'PERMIT_MISSING', at: iso(1) });
    assert.deepEqual(await again.receiptsFor(P1), [receipt]);
    assert.deepEqual(await again.listDeadLetters(), [letter]);
    assert.equal((await again.permits.list())[0]?.status, 'spent');
    assert.deepEqual(await again.verifyReceipts(), { ok: true, count: 1 });
    await again.close();
  } finally {
    cleanup();
  }
});

test('a database from a newer tmt-import is STATE_CORRUPT, and left as it is', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await (await openSqliteState(dir)).close();
    withRaw(dir, (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 7}`));
    await assert.rejects(openSqliteState(dir), coded('STATE_CORRUPT', dbFileOf(dir), `schema version ${SCHEMA_VERSION + 7}`, 'newer tmt-import'));
    await assert.rejects(openSqliteState(dir, { readonly: true }), coded('STATE_CORRUPT', 'newer tmt-import'));
    assert.equal(withRaw(dir, (db) => db.pragma('user_version', { simple: true })), SCHEMA_VERSION + 7);
  } finally {
    cleanup();
  }
});

test('a damaged or foreign file is STATE_CORRUPT naming it, never replaced', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // Garbage where the database should be.
    const garbage = join(dir, 'garbage');
    mkdirSync(garbage);
    const bytes = Buffer.from('this is not a database at all, just some text that someone wrote here\n'.repeat(100));
    writeFileSync(dbFileOf(garbage), bytes);
    await assert.rejects(openSqliteState(garbage), coded('STATE_CORRUPT', dbFileOf(garbage)));
    await assert.rejects(openSqliteState(garbage, { readonly: true }), coded('STATE_CORRUPT', dbFileOf(garbage)));
    assert.deepEqual(readFileSync(dbFileOf(garbage)), bytes, 'left as it was');
    assert.equal(existsSync(`${dbFileOf(garbage)}-wal`), false);

    // Another application's SQLite database.
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    const db = new Database(dbFileOf(foreign));
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    await assert.rejects(openSqliteState(foreign), coded('STATE_CORRUPT', 'not a tmt-import state database'));
    assert.equal(withRaw(foreign, (d) => d.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'permits'`).pluck().get()), 0, 'nothing was added to it');

    // A tmt-import database whose pages were damaged on disk.
    const damaged = join(dir, 'damaged');
    const state = await openSqliteState(damaged);
    await state.beginRun(run('r'));
    for (let i = 0; i < 300; i++) await state.recordOutcome({ runId: 'r', person: pseudonym(i), origin: `file-${i}.json`.repeat(5), outcome: 'skipped', at: iso(0) });
    await state.close();
    const file = readFileSync(dbFileOf(damaged));
    const pageSize = file.readUInt16BE(16);
    for (let p = 2; p * pageSize < file.length; p++) file.fill(0xa5, p * pageSize + 8, p * pageSize + 200);
    writeFileSync(dbFileOf(damaged), file);
    await assert.rejects(openSqliteState(damaged), coded('STATE_CORRUPT', dbFileOf(damaged)));
    assert.deepEqual(readFileSync(dbFileOf(damaged)), file, 'left as it was');
  } finally {
    cleanup();
  }
});

test('the marker without its database is STATE_MISSING (never a silent fresh start); removing the marker starts afresh', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await state.close();
    const marker = join(dir, STATE_FILES.marker);
    renameSync(dbFileOf(dir), join(dir, 'backup.db'));
    for (const readonly of [false, true]) {
      await assert.rejects(openSqliteState(dir, { readonly }), (e: unknown) => {
        coded('STATE_MISSING', dbFileOf(dir), marker)(e);
        assert.match((e as { issues: Array<{ hint?: string }> }).issues[0]?.hint ?? '', /Restore .* from a backup.*remove .*state\.json.*lost/s);
        return true;
      });
    }
    assert.equal(existsSync(dbFileOf(dir)), false, 'no new database was created');

    // An empty database file in its place is no better.
    writeFileSync(dbFileOf(dir), '');
    await assert.rejects(openSqliteState(dir), coded('STATE_MISSING', 'empty'));
    // Nor is another installation's database.
    const other = join(dir, 'other');
    await (await openSqliteState(other)).close();
    rmSync(dbFileOf(dir));
    renameSync(dbFileOf(other), dbFileOf(dir));
    await assert.rejects(openSqliteState(dir), coded('STATE_MISSING', 'not the one this state folder had'));
    rmSync(dbFileOf(dir));

    // Restored from the backup: everything is back.
    renameSync(join(dir, 'backup.db'), dbFileOf(dir));
    const restored = await openSqliteState(dir);
    assert.equal((await restored.permits.list()).length, 1);
    await restored.close();

    // Started afresh on purpose.
    rmSync(dbFileOf(dir));
    rmSync(marker);
    const fresh = await openSqliteState(dir);
    assert.deepEqual(await fresh.permits.list(), []);
    await fresh.close();
    assert.ok(existsSync(marker), 'a new marker');
  } finally {
    cleanup();
  }
});

test('a lost marker is written again from the database', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await (await openSqliteState(dir)).close();
    const marker = join(dir, STATE_FILES.marker);
    const first = readFileSync(marker, 'utf8');
    rmSync(marker);
    await (await openSqliteState(dir)).close();
    assert.equal((JSON.parse(readFileSync(marker, 'utf8')) as { databaseId: string }).databaseId, (JSON.parse(first) as { databaseId: string }).databaseId);
    writeFileSync(marker, 'damaged{');
    await (await openSqliteState(dir)).close();
    assert.equal((JSON.parse(readFileSync(marker, 'utf8')) as { databaseId: string }).databaseId, (JSON.parse(first) as { databaseId: string }).databaseId);
  } finally {
    cleanup();
  }
});

test('read-only: creates nothing, reads what is there, refuses writes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'state');
    const empty = await openSqliteState(stateDir, { readonly: true });
    assert.deepEqual(await empty.permits.list(), []);
    await assert.rejects(empty.beginRun(run('r')), (e: unknown) => isTmtError(e));
    await empty.close();
    assert.equal(existsSync(stateDir), false, 'nothing created');

    const writer = await openSqliteState(stateDir);
    await writer.permits.add({ person: P1, environment: 'sandbox', token: 'tok' });
    const reader = await openSqliteState(stateDir, { readonly: true });
    assert.equal((await reader.permits.list()).length, 1, 'sees the writer, which is still open');
    await assert.rejects(reader.permits.add({ person: P2, environment: 'sandbox', token: 'tok' }), coded('STATE_UNWRITABLE'));
    await reader.close();
    await writer.close();
  } finally {
    cleanup();
  }
});

test('runs: begin, find unfinished, finish, list', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    await state.beginRun(run('r1', 'people', 'sandbox', iso(0)));
    await state.beginRun(run('r2', 'people', 'sandbox', iso(10)));
    await state.beginRun(run('r3', 'people', 'test', iso(20)));
    await state.beginRun(run('r4', 'others', 'sandbox', iso(30)));
    assert.equal((await state.findUnfinishedRun('people', 'sandbox'))?.runId, 'r2', 'the newest');
    await state.finishRun('r2', { status: 'aborted', finishedAt: iso(11), summary: { aborted: 'TARGET_CREDENTIALS' } });
    assert.equal((await state.findUnfinishedRun('people', 'sandbox'))?.runId, 'r1');
    await state.finishRun('r1', { status: 'completed', finishedAt: iso(12), summary: {} });
    assert.equal(await state.findUnfinishedRun('people', 'sandbox'), undefined);
    assert.deepEqual((await state.listRuns()).map((r) => r.runId), ['r4', 'r3', 'r2', 'r1']);
    assert.deepEqual((await state.listRuns({ pipeline: 'people', limit: 2 })).map((r) => r.runId), ['r3', 'r2']);
    assert.equal((await state.getRun('r2'))?.status, 'aborted');
    assert.equal(await state.getRun('nope'), undefined);
    await assert.rejects(state.finishRun('nope', { status: 'completed', finishedAt: iso(1), summary: {} }), coded('STATE_NOT_FOUND', 'nope'));
    await assert.rejects(state.beginRun(run('r1')), coded('INTERNAL'));
    await state.close();
  } finally {
    cleanup();
  }
});

test('beginSend and finishSend: each one transaction; the receipt joins the chain', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir, { now: () => T0 });
    const permit = await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok-p1', jti: 'jti-p1', expiresAt: iso(60) });
    await state.beginRun(run('run-1'));
    await state.beginSend({ runId: 'run-1', person: P1, origin: 'p1.json', permitId: permit.id, jti: 'jti-p1', at: iso(1) });
    assert.equal((await state.outcomes('run-1')).get(P1)?.outcome, 'in-flight');
    assert.equal((await state.permits.list())[0]?.status, 'in-flight');
    // The permit is taken: a second send of it is refused and changes nothing.
    await assert.rejects(state.beginSend({ runId: 'run-1', person: P1, origin: 'again.json', permitId: permit.id, at: iso(1) }), coded('PERMIT_SPENT'));
    assert.equal((await state.outcomes('run-1')).get(P1)?.origin, 'p1.json', 'the failed beginSend recorded nothing');

    const receipt = await state.finishSend({ runId: 'run-1', person: P1, origin: 'p1.json', permitId: permit.id, outcome: 'imported', status: 204, receipt: receiptOf('run-1', P1, { jti: 'jti-p1' }) });
    assert.equal(receipt?.seq, 1);
    assert.equal(receipt?.prevHash, '0'.repeat(64));
    assert.match(receipt?.hash ?? '', /^[0-9a-f]{64}$/);
    const o = (await state.outcomes('run-1')).get(P1);
    assert.deepEqual(o, { runId: 'run-1', person: P1, origin: 'p1.json', outcome: 'imported', status: 204, permitId: permit.id, jti: 'jti-p1', at: iso(1) });
    const [p] = await state.permits.list();
    assert.equal(p?.status, 'spent');
    assert.equal(p?.outcome, 'imported');
    assert.equal(withRaw(dir, (db) => db.prepare('SELECT count(*) FROM permit_tokens').pluck().get()), 0, 'the token row is gone');
    assert.equal(withRaw(dir, (db) => db.prepare('SELECT run_id FROM permits').pluck().get()), 'run-1', 'the permit remembers its run');

    // A permit that is not usable is refused with its reason; nothing is recorded.
    const denied = await state.permits.recordFailure({ person: P2, environment: 'sandbox', status: 'denied', reason: 'PERMIT_DENIED' });
    await assert.rejects(state.beginSend({ runId: 'run-1', person: P2, origin: 'p2.json', permitId: denied.id, at: iso(2) }), coded('PERMIT_DENIED'));
    await assert.rejects(state.beginSend({ runId: 'run-1', person: P2, origin: 'p2.json', permitId: 'f'.repeat(32), at: iso(2) }), coded('PERMIT_MISSING'));
    assert.equal((await state.outcomes('run-1')).has(P2), false);

    // A transaction that fails half-way leaves nothing behind: the permit stays active.
    const p2 = await state.permits.add({ person: P2, environment: 'sandbox', token: 'tok-p2', expiresAt: iso(60) });
    await assert.rejects(state.beginSend({ runId: 'run-1', person: 'maija@example.org', origin: 'x', permitId: p2.id, at: iso(2) }), /pseudonym/);
    await assert.rejects(state.beginSend({ runId: 'run-1', person: P2, origin: 'x', permitId: p2.id, at: 'not a time' }), /ISO time/);
    assert.equal((await state.permits.findUsable(P2, 'sandbox', at(3)))?.record.id, p2.id, 'still usable');

    // Field permits (carried by the records) have no permit id; the outcome and receipt are kept all the same.
    await state.beginSend({ runId: 'run-1', person: P2, origin: 'p2.json', jti: 'jti-field', at: iso(3) });
    const r2 = await state.finishSend({ runId: 'run-1', person: P2, origin: 'p2.json', outcome: 'rejected', reason: 'TARGET_REJECTED', status: 400, receipt: receiptOf('run-1', P2, { httpStatus: 400, outcome: 'rejected', jti: 'jti-field' }) });
    assert.equal(r2?.seq, 2);
    assert.equal(r2?.prevHash, receipt?.hash);
    assert.equal((await state.outcomes('run-1')).get(P2)?.jti, 'jti-field', 'the jti of beginSend is kept');
    // No receipt given: none appended.
    await state.recordOutcome({ runId: 'run-1', person: pseudonym(9), origin: 'x', outcome: 'in-flight', at: iso(4) });
    assert.equal(await state.finishSend({ runId: 'run-1', person: pseudonym(9), origin: 'x', outcome: 'unknown', reason: 'TARGET_UNAVAILABLE' }), undefined);
    assert.deepEqual(await state.verifyReceipts(), { ok: true, count: 2 });
    await assert.rejects(state.finishSend({ runId: 'run-1', person: P1, origin: 'x', outcome: 'imported', receipt: receiptOf('run-1', P2) }), /another person/);
    await state.close();
  } finally {
    cleanup();
  }
});

test('after beginSend only (the process died): settleInterrupted reports the person as unknown and spends the permit', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir, { now: () => T0 });
    const p1 = await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok-dead-run', jti: 'jti-1', expiresAt: iso(60) });
    const p3 = await state.permits.add({ person: pseudonym(3), environment: 'sandbox', token: 'tok-other', expiresAt: iso(60) });
    const p4 = await state.permits.add({ person: pseudonym(4), environment: 'test', token: 'tok-finished', expiresAt: iso(60) });
    await state.beginRun(run('dead'));
    await state.beginSend({ runId: 'dead', person: P1, origin: 'p1.json', permitId: p1.id, jti: 'jti-1', at: iso(1) });
    await state.recordOutcome({ runId: 'dead', person: P2, origin: 'p2.json', outcome: 'imported', at: iso(1) });
    // Another pipeline's run, still running (its process holds its own lock): not touched.
    await state.beginRun(run('other', 'others', 'sandbox'));
    await state.beginSend({ runId: 'other', person: pseudonym(3), origin: 'p3.json', permitId: p3.id, at: iso(1) });
    // A run of another pipeline that ended with a send left in flight: settled too.
    await state.beginRun(run('finished', 'others', 'test'));
    await state.beginSend({ runId: 'finished', person: pseudonym(4), origin: 'p4.json', permitId: p4.id, at: iso(1) });
    await state.finishRun('finished', { status: 'aborted', finishedAt: iso(2), summary: {} });
    await state.close(); // what a killed process leaves: committed, nothing more

    const next = await openSqliteState(dir, { now: () => at(5) });
    const settled = await next.settleInterrupted('people', 'sandbox', iso(5));
    assert.deepEqual(
      settled.map((s) => [s.runId, s.person, s.outcome, s.reason]),
      [
        ['dead', P1, 'unknown', 'STATE_INTERRUPTED'],
        ['finished', pseudonym(4), 'unknown', 'STATE_INTERRUPTED'],
      ],
    );
    assert.equal(settled[0]?.permitId, p1.id);
    assert.equal(settled[0]?.jti, 'jti-1');
    assert.equal(settled[0]?.at, iso(5));
    assert.deepEqual((await next.outcomes('dead')).get(P1), settled[0]);
    assert.equal((await next.outcomes('dead')).get(P2)?.outcome, 'imported', 'finished outcomes are left alone');
    const permits = new Map((await next.permits.list()).map((p) => [p.id, p]));
    assert.deepEqual([permits.get(p1.id)?.status, permits.get(p1.id)?.outcome], ['spent', 'unknown']);
    assert.deepEqual([permits.get(p4.id)?.status, permits.get(p4.id)?.outcome], ['spent', 'unknown']);
    assert.equal(permits.get(p3.id)?.status, 'in-flight', 'the other running pipeline keeps its permit');
    assert.deepEqual(withRaw(dir, (db) => db.prepare('SELECT permit_id FROM permit_tokens').pluck().all()), [p3.id]);
    // Settling again finds nothing; the dead run's answer, if it ever comes, replaces 'unknown'.
    assert.deepEqual(await next.settleInterrupted('people', 'sandbox', iso(6)), []);
    await next.permits.markSpent(p1.id, 'imported');
    assert.equal((await next.permits.list()).find((p) => p.id === p1.id)?.outcome, 'imported');
    await next.close();
  } finally {
    cleanup();
  }
});

test('SIGKILL right after beginSend loses nothing committed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const permit = await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok-killed', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await state.close();
    const module = fromRoot('dist/src/state/sqlite-state.js');
    const script = `
      const { openSqliteState } = await import(${JSON.stringify(module)});
      const state = await openSqliteState(${JSON.stringify(dir)});
      await state.beginRun({ runId: 'killed', pipeline: 'people', pipelineHash: 'x', environment: 'sandbox', startedAt: new Date().toISOString() });
      await state.beginSend({ runId: 'killed', person: ${JSON.stringify(P1)}, origin: 'p1.json', permitId: ${JSON.stringify(permit.id)}, at: new Date().toISOString() });
      process.kill(process.pid, 'SIGKILL');
    `;
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' }).on('close', (_c, s) => resolve(s)));
    assert.equal(signal, 'SIGKILL');
    assert.ok(existsSync(`${dbFileOf(dir)}-wal`), 'the killed process left its WAL behind');
    const next = await openSqliteState(dir);
    assert.equal((await next.findUnfinishedRun('people', 'sandbox'))?.runId, 'killed');
    assert.equal((await next.outcomes('killed')).get(P1)?.outcome, 'in-flight');
    assert.equal((await next.permits.list())[0]?.status, 'in-flight');
    const settled = await next.settleInterrupted('people', 'sandbox', new Date().toISOString());
    assert.deepEqual(settled.map((s) => [s.person, s.outcome]), [[P1, 'unknown']]);
    assert.equal(await next.permits.findUsable(P1, 'sandbox', new Date()), undefined, 'never sent again');
    await next.close();
  } finally {
    cleanup();
  }
});

test('dead letters: add, list, resolve', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const base = { runId: 'r', environment: 'sandbox', origin: 'x.json', reason: 'TARGET_UNAVAILABLE' };
    const a = await state.addDeadLetter({ ...base, pipeline: 'people', person: P1, createdAt: iso(1), payload: '{"skills":[]}' });
    const b = await state.addDeadLetter({ ...base, pipeline: 'others', person: P2, createdAt: iso(2) });
    assert.equal(a.status, 'open');
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.equal(b.payload, undefined);
    assert.deepEqual((await state.listDeadLetters()).map((d) => d.id), [a.id, b.id]);
    assert.deepEqual((await state.listDeadLetters({ pipeline: 'others' })).map((d) => d.id), [b.id]);
    await state.resolveDeadLetter(a.id, { status: 'resolved', resolution: 'imported on retry', at: iso(3) });
    assert.deepEqual((await state.listDeadLetters({ status: 'open' })).map((d) => d.id), [b.id]);
    const [resolved] = await state.listDeadLetters({ status: 'resolved', pipeline: 'people' });
    assert.deepEqual(resolved, { ...a, status: 'resolved', resolution: 'imported on retry', resolvedAt: iso(3) });
    await assert.rejects(state.resolveDeadLetter('nope', { status: 'retried', resolution: 'x', at: iso(3) }), coded('STATE_NOT_FOUND', 'nope'));
    await assert.rejects(state.addDeadLetter({ ...base, pipeline: 'people', person: 'maija@example.org', createdAt: iso(1) }), /pseudonym/);
    await state.close();
  } finally {
    cleanup();
  }
});

test('purge: expires permits, deletes unusable tokens, old dead-letter profiles and old permit records, with counts', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let clock = T0;
    const state = await openSqliteState(dir, { now: () => clock });
    const usable = await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok-usable', expiresAt: iso(100 * DAY) });
    const expiring = await state.permits.add({ person: P2, environment: 'sandbox', token: 'tok-expiring', expiresAt: iso(30) });
    const inflight = await state.permits.add({ person: pseudonym(3), environment: 'sandbox', token: 'tok-inflight', expiresAt: iso(30) });
    await state.beginRun(run('r'));
    await state.beginSend({ runId: 'r', person: pseudonym(3), origin: 'x', permitId: inflight.id, at: iso(1) });
    const profile = '{"workExperience":[{"employer":"Very Secret Employer Oy"}]}';
    const old = await state.addDeadLetter({ runId: 'r', pipeline: 'people', environment: 'sandbox', person: P2, origin: 'b.json', reason: 'TARGET_UNAVAILABLE', createdAt: iso(0), payload: profile });
    const recent = await state.addDeadLetter({ runId: 'r', pipeline: 'people', environment: 'sandbox', person: P1, origin: 'a.json', reason: 'TARGET_UNAVAILABLE', createdAt: iso(10 * DAY), payload: '{"languages":[]}' });

    // 15 days on: tokens of the expired and the in-flight-but-expired permit go, the old profile goes.
    clock = at(15 * DAY);
    const first = await state.purge(at(15 * DAY));
    assert.deepEqual(first, { tokensDeleted: 2, permitRecordsDeleted: 0, deadLetterPayloadsDeleted: 1 });
    const letters = new Map((await state.listDeadLetters()).map((d) => [d.id, d]));
    assert.equal(letters.get(old.id)?.payload, undefined);
    assert.equal(letters.get(old.id)?.reason, 'TARGET_UNAVAILABLE', 'the dead letter itself stays');
    assert.equal(letters.get(recent.id)?.payload, '{"languages":[]}');
    assert.deepEqual(filesHolding(dir, 'Very Secret Employer'), [], 'the profile is gone from the files too');
    assert.deepEqual(filesHolding(dir, 'tok-expiring'), []);
    const permits = new Map((await state.permits.list()).map((p) => [p.id, p]));
    assert.equal(permits.get(expiring.id)?.status, 'expired');
    assert.deepEqual([permits.get(inflight.id)?.status, permits.get(inflight.id)?.outcome], ['spent', 'unknown']);
    assert.deepEqual(withRaw(dir, (db) => db.prepare('SELECT permit_id FROM permit_tokens').pluck().all()), [usable.id]);

    // Custom retention: 40 days on, records older than 30 days go; payloads kept for 60 days stay.
    const second = await state.purge(at(40 * DAY), { permitRecordDays: 30, deadLetterPayloadDays: 60 });
    assert.deepEqual(second, { tokensDeleted: 0, permitRecordsDeleted: 2, deadLetterPayloadsDeleted: 0 });
    assert.deepEqual((await state.permits.list()).map((p) => p.id), [usable.id]);
    assert.deepEqual(await state.purge(at(40 * DAY), { permitRecordDays: Infinity, deadLetterPayloadDays: Infinity }), { tokensDeleted: 0, permitRecordsDeleted: 0, deadLetterPayloadsDeleted: 0 });
    await assert.rejects(state.purge(at(0), { deadLetterPayloadDays: -1 }), coded('INTERNAL'));
    await state.close();
  } finally {
    cleanup();
  }
});

test('exportPerson: every record about one pseudonym, without tokens or profile text', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir, { now: () => T0 });
    const permit = await state.permits.add({ person: P1, environment: 'sandbox', token: 'tok-secret-for-export', jti: 'jti-x', expiresAt: iso(60) });
    await state.permits.recordFailure({ person: P1, environment: 'test', status: 'denied', reason: 'PERMIT_DENIED' });
    await state.permits.add({ person: P2, environment: 'sandbox', token: 'tok-p2' });
    await state.beginRun(run('r1'));
    await state.beginSend({ runId: 'r1', person: P1, origin: 'a.json', permitId: permit.id, jti: 'jti-x', at: iso(1) });
    await state.finishSend({ runId: 'r1', person: P1, origin: 'a.json', permitId: permit.id, outcome: 'imported', status: 204, receipt: receiptOf('r1', P1, { jti: 'jti-x' }) });
    await state.appendReceipt(receiptOf('r1', P2));
    await state.beginRun(run('r2', 'people', 'sandbox', iso(10)));
    await state.recordOutcome({ runId: 'r2', person: P1, origin: 'a.json', outcome: 'no-permit', reason: 'PERMIT_SPENT', at: iso(10) });
    await state.addDeadLetter({ runId: 'r2', pipeline: 'people', environment: 'sandbox', person: P1, origin: 'a.json', reason: 'TARGET_UNAVAILABLE', createdAt: iso(11), payload: '{"skills":["very private"]}' });

    const x = await state.exportPerson(P1);
    assert.equal(x.person, P1);
    assert.equal(x.permits.length, 2);
    assert.deepEqual((x.permits as Array<{ status: string }>).map((p) => p.status), ['spent', 'denied']);
    assert.deepEqual(x.outcomes.map((o) => [o.runId, o.outcome]), [['r1', 'imported'], ['r2', 'no-permit']]);
    assert.deepEqual(x.receipts.map((r) => [r.seq, r.person]), [[1, P1]]);
    assert.equal(x.deadLetters.length, 1);
    assert.equal(x.deadLetters[0]?.payloadKept, true);
    assert.ok(!('payload' in (x.deadLetters[0] ?? {})));
    const text = JSON.stringify(x);
    for (const secret of ['tok-secret-for-export', 'very private', P2]) assert.ok(!text.includes(secret), secret);
    await state.purge(at(30 * DAY));
    assert.equal((await state.exportPerson(P1)).deadLetters[0]?.payloadKept, false);
    assert.deepEqual(await state.exportPerson('p-00000000000000ff'), { person: 'p-00000000000000ff', permits: [], outcomes: [], receipts: [], deadLetters: [] });
    await state.close();
  } finally {
    cleanup();
  }
});

test('outcomes and sends take pseudonyms only', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    await state.beginRun(run('r'));
    await assert.rejects(state.recordOutcome({ runId: 'r', person: 'maija@example.org', origin: 'x', outcome: 'skipped', at: iso(0) }), /pseudonym/);
    await assert.rejects(state.appendReceipt(receiptOf('r', '010203-1234')), /pseudonym/);
    assert.equal((await state.outcomes('r')).size, 0);
    await state.close();
  } finally {
    cleanup();
  }
});
