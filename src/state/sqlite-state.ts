/**
 * The durable state in one embedded SQLite database: `<stateDir>/tmt-import.db` (folder 0700, file
 * 0600). This module is the only one that speaks SQL; everything else uses the StateStore interface.
 *
 * Durability. The database runs in WAL mode with `synchronous = NORMAL`: a commit is in the WAL file
 * when the call returns, so a killed process (SIGKILL, a crash) loses nothing committed; only an OS
 * crash or power cut can lose the last commits (never corrupt the file). That loss is safe here:
 * TMT tokens are single-use, so a permit whose in-flight or spent mark was lost is at worst sent
 * again and refused as spent, never imported twice. `FULL` would add an fsync to every commit
 * (three per person in a run) for no gain in that respect.
 *
 * Concurrency. A permit server and a run share the database: every write is one short IMMEDIATE
 * transaction, and a writer that finds another process's transaction open waits up to the busy
 * timeout (5 s) instead of failing. Nothing is cached across calls, so each process sees the others'
 * commits at once.
 *
 * Safety. The file is checked on open (`PRAGMA quick_check`); a damaged file, a foreign database
 * or one from a newer tmt-import is STATE_CORRUPT, and is never replaced. A marker
 * `<stateDir>/state.json` records the database's id once it exists: if the marker is there and the
 * database is not (or is another one), opening fails with STATE_MISSING rather than starting
 * afresh, which would forget what was sent. Tokens live in their own table and their rows are
 * deleted as soon as a permit can no longer be used; `secure_delete` overwrites deleted content in
 * the file, and purge checkpoints the WAL so deleted tokens do not linger there either.
 */
import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TmtError, type ErrorCode } from '../errors.js';
import { PERMIT_STATUSES, type PermitRecord, type PermitStatus, type PermitStore, type UnusableReason } from '../permits/permit-store.js';
import { GENESIS_HASH, normalizeReceiptInput, receiptHash } from './receipt-chain.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './sqlite-schema.js';
import type {
  DeadLetter,
  PersonExport,
  PersonOutcomeRow,
  PurgeResult,
  Receipt,
  ReceiptInput,
  ReceiptVerification,
  RetentionOptions,
  RunRow,
  RunStatus,
  StateStore,
} from './state-store.js';

export interface SqliteStateOptions {
  /** Clock for the times the store sets itself (obtainedAt of permits, updatedAt); default the system clock. */
  now?: () => Date;
  /** Read only: writes nothing (a missing database reads as empty, and nothing is created; SQLite may add the -wal and -shm files of an existing one). */
  readonly?: boolean;
  /** How long a write waits for another process's transaction (default 5000 ms). */
  busyTimeoutMs?: number;
}

export const STATE_FILES = {
  database: 'tmt-import.db',
  marker: 'state.json',
} as const;

const MARKER_FORMAT = 'tmt-import-state';
const DAY_MS = 86_400_000;
const PSEUDONYM = /^p-[0-9a-f]{8,64}$/;
const DEAD_LETTER_STATUSES: ReadonlyArray<DeadLetter['status']> = ['open', 'retried', 'resolved'];

/** Open (creating on first use) the state database in `stateDir`. */
export async function openSqliteState(stateDir: string, options: SqliteStateOptions = {}): Promise<StateStore> {
  return SqliteState.open(stateDir, options);
}

// ---- rows ----

interface PermitRow {
  id: string;
  person: string;
  environment: string;
  status: PermitStatus;
  jti: string | null;
  obtained_at: string;
  expires_at: string | null;
  reason: string | null;
  outcome: string | null;
  run_id: string | null;
  updated_at: string;
}

interface RunDbRow {
  run_id: string;
  pipeline: string;
  pipeline_hash: string;
  environment: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  summary: string | null;
  checkpoint: string | null;
}

interface OutcomeDbRow {
  run_id: string;
  person: string;
  origin: string;
  outcome: string;
  reason: string | null;
  status: number | null;
  permit_id: string | null;
  jti: string | null;
  at: string;
}

interface ReceiptDbRow {
  seq: number;
  receipt_id: string;
  run_id: string;
  pipeline: string;
  pipeline_hash: string;
  environment: string;
  person: string;
  jti: string | null;
  sections_sent: string;
  withheld: string;
  http_status: number | null;
  outcome: string;
  at: string;
  prev_hash: string;
  hash: string;
}

interface DeadLetterDbRow {
  id: string;
  run_id: string;
  pipeline: string;
  environment: string;
  person: string;
  origin: string;
  reason: string;
  created_at: string;
  payload: string | null;
  status: DeadLetter['status'];
  resolved_at: string | null;
  resolution: string | null;
}

type Stmt = Database.Statement<unknown[], unknown>;

/** Every statement, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    // permits
    insertPermit: p(`INSERT INTO permits (id, person, environment, status, jti, obtained_at, expires_at, reason, updated_at)
                     VALUES (@id, @person, @environment, @status, @jti, @obtainedAt, @expiresAt, @reason, @updatedAt)`),
    insertToken: p(`INSERT INTO permit_tokens (permit_id, token) VALUES (?, ?)`),
    findUsable: p(`SELECT p.*, t.token AS token FROM permits p JOIN permit_tokens t ON t.permit_id = p.id
                   WHERE p.person = ? AND p.environment = ? AND p.status = 'active' AND (p.expires_at IS NULL OR p.expires_at > ?)
                   ORDER BY p.obtained_at DESC, p.rowid DESC LIMIT 1`),
    newestPermit: p(`SELECT * FROM permits WHERE person = ? AND environment = ? ORDER BY obtained_at DESC, rowid DESC LIMIT 1`),
    permitById: p(`SELECT * FROM permits WHERE id = ?`),
    setInFlight: p(`UPDATE permits SET status = 'in-flight', run_id = COALESCE(?, run_id), updated_at = ? WHERE id = ? AND status = 'active'`),
    setSpent: p(`UPDATE permits SET status = 'spent', outcome = ?, run_id = COALESCE(?, run_id), updated_at = ? WHERE id = ?`),
    deleteToken: p(`DELETE FROM permit_tokens WHERE permit_id = ?`),
    listPermits: p(`SELECT * FROM permits WHERE (@environment IS NULL OR environment = @environment) AND (@status IS NULL OR status = @status)
                    ORDER BY obtained_at, rowid`),
    permitsOfPerson: p(`SELECT * FROM permits WHERE person = ? ORDER BY obtained_at, rowid`),
    expireActive: p(`UPDATE permits SET status = 'expired', updated_at = @updatedAt
                     WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= @now`),
    expireInFlight: p(`UPDATE permits SET status = 'spent', outcome = COALESCE(outcome, 'unknown'), updated_at = @updatedAt
                       WHERE status = 'in-flight' AND expires_at IS NOT NULL AND expires_at <= @now`),
    deleteUnusableTokens: p(`DELETE FROM permit_tokens WHERE permit_id NOT IN (SELECT id FROM permits WHERE status IN ('active', 'in-flight'))`),
    deleteOldPermits: p(`DELETE FROM permits WHERE status NOT IN ('active', 'in-flight')
                         AND max(obtained_at, COALESCE(expires_at, obtained_at)) < ?`),
    // runs
    insertRun: p(`INSERT INTO runs (run_id, pipeline, pipeline_hash, environment, status, started_at)
                  VALUES (@runId, @pipeline, @pipelineHash, @environment, 'running', @startedAt)`),
    finishRun: p(`UPDATE runs SET status = @status, finished_at = @finishedAt, summary = @summary WHERE run_id = @runId`),
    saveCheckpoint: p(`UPDATE runs SET checkpoint = @checkpoint WHERE run_id = @runId`),
    getRun: p(`SELECT * FROM runs WHERE run_id = ?`),
    unfinishedRun: p(`SELECT * FROM runs WHERE pipeline = ? AND environment = ? AND status = 'running' ORDER BY started_at DESC, rowid DESC LIMIT 1`),
    listRuns: p(`SELECT * FROM runs WHERE (@pipeline IS NULL OR pipeline = @pipeline) ORDER BY started_at DESC, rowid DESC LIMIT @limit`),
    // outcomes
    putOutcome: p(`INSERT INTO person_outcomes (run_id, person, origin, outcome, reason, status, permit_id, jti, at)
                   VALUES (@runId, @person, @origin, @outcome, @reason, @status, @permitId, @jti, @at)
                   ON CONFLICT (run_id, person) DO UPDATE SET origin = excluded.origin, outcome = excluded.outcome, reason = excluded.reason,
                     status = excluded.status, permit_id = excluded.permit_id, jti = excluded.jti, at = excluded.at`),
    /** The answer to a send: keeps the permit and jti recorded by beginSend when none are given. */
    putAnswer: p(`INSERT INTO person_outcomes (run_id, person, origin, outcome, reason, status, permit_id, jti, at)
                  VALUES (@runId, @person, @origin, @outcome, @reason, @status, @permitId, @jti, @at)
                  ON CONFLICT (run_id, person) DO UPDATE SET origin = excluded.origin, outcome = excluded.outcome, reason = excluded.reason,
                    status = excluded.status, permit_id = COALESCE(excluded.permit_id, permit_id), jti = COALESCE(excluded.jti, jti), at = excluded.at`),
    outcomesOfRun: p(`SELECT * FROM person_outcomes WHERE run_id = ?`),
    outcomesOfPerson: p(`SELECT * FROM person_outcomes WHERE person = ? ORDER BY at, run_id`),
    interrupted: p(`SELECT o.* FROM person_outcomes o LEFT JOIN runs r ON r.run_id = o.run_id
                    WHERE o.outcome = 'in-flight'
                      AND (r.run_id IS NULL OR r.status <> 'running' OR (r.pipeline = ? AND r.environment = ?))
                    ORDER BY o.at, o.run_id, o.person`),
    settleOutcome: p(`UPDATE person_outcomes SET outcome = 'unknown', reason = 'STATE_INTERRUPTED', at = ? WHERE run_id = ? AND person = ? AND outcome = 'in-flight'`),
    // receipts
    lastReceipt: p(`SELECT seq, hash FROM receipts ORDER BY seq DESC LIMIT 1`),
    insertReceipt: p(`INSERT INTO receipts (seq, receipt_id, run_id, pipeline, pipeline_hash, environment, person, jti, sections_sent, withheld, http_status, outcome, at, prev_hash, hash)
                      VALUES (@seq, @receiptId, @runId, @pipeline, @pipelineHash, @environment, @person, @jti, @sectionsSent, @withheld, @httpStatus, @outcome, @at, @prevHash, @hash)`),
    allReceipts: p(`SELECT * FROM receipts ORDER BY seq`),
    receiptsOfPerson: p(`SELECT * FROM receipts WHERE person = ? ORDER BY seq`),
    getMeta: p(`SELECT value FROM meta WHERE key = ?`),
    putMeta: p(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    // dead letters
    insertDeadLetter: p(`INSERT INTO dead_letters (id, run_id, pipeline, environment, person, origin, reason, created_at, payload, status)
                         VALUES (@id, @runId, @pipeline, @environment, @person, @origin, @reason, @createdAt, @payload, 'open')`),
    listDeadLetters: p(`SELECT * FROM dead_letters WHERE (@pipeline IS NULL OR pipeline = @pipeline) AND (@status IS NULL OR status = @status)
                        ORDER BY created_at, rowid`),
    resolveDeadLetter: p(`UPDATE dead_letters SET status = @status, resolution = @resolution, resolved_at = @at WHERE id = @id`),
    deadLettersOfPerson: p(`SELECT * FROM dead_letters WHERE person = ? ORDER BY created_at, rowid`),
    purgePayloads: p(`UPDATE dead_letters SET payload = NULL WHERE payload IS NOT NULL AND created_at < ?`),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

const RECEIPTS_HEAD = 'receipts_head';

class SqliteState implements StateStore {
  readonly permits: PermitStore;
  readonly location: string;
  private readonly s: Statements;
  private readonly now: () => Date;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    location: string,
    options: SqliteStateOptions,
  ) {
    this.location = location;
    this.now = options.now ?? (() => new Date());
    this.s = prepareStatements(db);
    this.permits = new SqlitePermits(this);
  }

  // ---- opening ----

  static open(stateDir: string, o: SqliteStateOptions): SqliteState {
    const dbFile = join(stateDir, STATE_FILES.database);
    const markerFile = join(stateDir, STATE_FILES.marker);
    const readonly = o.readonly === true;
    const busyMs = Math.max(0, o.busyTimeoutMs ?? 5000);
    // The marker first: it is written only after the database was created, so this order cannot
    // mistake a database being created by another process for a lost one.
    const marker = readMarker(markerFile);
    const exists = fileExists(dbFile);
    if (!exists && marker) throw missing(dbFile, markerFile, 'the database file is gone');

    if (readonly && !exists) return SqliteState.emptyReadonly(dbFile, o);
    if (!readonly) {
      ensureOwnerOnlyDir(stateDir);
      createOwnerOnlyFile(dbFile);
    }
    let db: Database.Database;
    try {
      db = new Database(dbFile, { readonly, fileMustExist: true, timeout: busyMs });
    } catch (e) {
      throw translate(e, dbFile);
    }
    try {
      db.pragma(`busy_timeout = ${busyMs}`);
      // The first reads tell a damaged or foreign file apart before anything is written to it.
      const appId = db.pragma('application_id', { simple: true }) as number;
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() as number;
      if (tables > 0 && appId !== APPLICATION_ID) {
        throw new TmtError('STATE_CORRUPT', `${dbFile} is an SQLite database, but not a tmt-import state database`, { file: dbFile });
      }
      if (version > SCHEMA_VERSION) throw newerSchema(dbFile, version);
      if (tables === 0 && marker) throw missing(dbFile, markerFile, 'the database file is empty');
      if (tables > 0) {
        const check = db.pragma('quick_check(1)', { simple: true });
        if (check !== 'ok') throw new TmtError('STATE_CORRUPT', `${dbFile} is damaged: ${String(check).slice(0, 200)}`, { file: dbFile });
      }
      if (readonly) {
        if (tables === 0) {
          db.close();
          return SqliteState.emptyReadonly(dbFile, o);
        }
        if (version < SCHEMA_VERSION) {
          throw new TmtError('STATE_CORRUPT', `${dbFile} has schema version ${version}, older than this tmt-import's ${SCHEMA_VERSION}, and was opened read-only`, {
            file: dbFile,
            hint: 'Run a command that writes the state once (e.g. tmt-import permits purge) to upgrade it.',
          });
        }
        db.pragma('query_only = ON');
      } else {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') db.pragma('synchronous = FULL'); // without WAL, NORMAL could lose commits on a crash
        else db.pragma('synchronous = NORMAL');
        db.pragma('secure_delete = ON');
        if (version < SCHEMA_VERSION) migrate(db, dbFile);
      }
      db.pragma('foreign_keys = ON');
      db.pragma('trusted_schema = OFF');

      const databaseId = db.prepare(`SELECT value FROM meta WHERE key = 'database_id'`).pluck().get() as string | undefined;
      if (!databaseId) throw new TmtError('STATE_CORRUPT', `${dbFile} has no database id: it was not created by tmt-import`, { file: dbFile });
      if (marker && marker !== 'damaged' && marker.databaseId !== databaseId) {
        throw missing(dbFile, markerFile, `the database file is not the one this state folder had (database ${databaseId}, expected ${marker.databaseId})`);
      }
      if (!readonly && (!marker || marker === 'damaged')) writeMarker(markerFile, { format: MARKER_FORMAT, databaseId, database: STATE_FILES.database, createdAt: new Date().toISOString() });
      if (!readonly) {
        for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) chmodQuietly(f, 0o600);
      }
      return new SqliteState(db, dbFile, o);
    } catch (e) {
      db.close();
      throw translate(e, dbFile);
    }
  }

  /** Read-only view of a state that does not exist yet: empty, and refusing writes. */
  private static emptyReadonly(dbFile: string, o: SqliteStateOptions): SqliteState {
    const db = new Database(':memory:');
    migrate(db, dbFile);
    db.pragma('query_only = ON');
    return new SqliteState(db, dbFile, o);
  }

  // ---- plumbing ----

  /** Run `fn` as one call of the interface: closed checks and coded errors. */
  call<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new TmtError('INTERNAL', 'the state store was used after close()'));
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(translate(e, this.location));
    }
  }

  /** `fn` in one IMMEDIATE transaction: the write lock is taken at BEGIN, so read-then-write cannot race another process. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get stmts(): Statements {
    return this.s;
  }

  clock(): Date {
    return this.now();
  }

  /** Move the WAL's content into the database and empty it, so deleted secrets do not linger there. */
  checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Best effort: a busy checkpoint is retried by the next purge and at close.
    }
  }

  /** Spend a permit: → spent with its outcome (a real outcome replaces 'unknown'), token deleted. */
  spend(id: string, outcome: string, runId: string | null, lenient: boolean): void {
    const r = this.s.permitById.get(id) as PermitRow | undefined;
    if (!r) {
      if (lenient) return;
      throw new TmtError('PERMIT_MISSING', `no permit record with id ${String(id).slice(0, 40)}`);
    }
    if (r.status === 'denied' || r.status === 'failed') {
      if (lenient) return;
      throw notUsable(r);
    }
    const text = String(outcome).slice(0, 200);
    if (r.status !== 'spent' || (r.outcome === 'unknown' && text !== 'unknown')) this.s.setSpent.run(text, runId, this.now().toISOString(), id);
    this.s.deleteToken.run(id);
  }

  /** active → in-flight, or the PERMIT_* error that says why not. */
  takeInFlight(id: string, runId: string | null): void {
    if (typeof id !== 'string') throw new TmtError('PERMIT_MISSING', 'no permit record with that id');
    const changed = this.s.setInFlight.run(runId, this.now().toISOString(), id).changes;
    if (changed === 1) return;
    const r = this.s.permitById.get(id) as PermitRow | undefined;
    if (!r) throw new TmtError('PERMIT_MISSING', `no permit record with id ${id.slice(0, 40)}`);
    throw notUsable(r);
  }

  purgePermits(now: Date, keepDays: number): { tokensDeleted: number; recordsDeleted: number } {
    const nowIso = now.toISOString();
    const updatedAt = this.now().toISOString();
    this.s.expireActive.run({ now: nowIso, updatedAt });
    this.s.expireInFlight.run({ now: nowIso, updatedAt });
    const tokensDeleted = this.s.deleteUnusableTokens.run().changes;
    const recordsDeleted = Number.isFinite(keepDays) ? this.s.deleteOldPermits.run(new Date(now.getTime() - keepDays * DAY_MS).toISOString()).changes : 0;
    return { tokensDeleted, recordsDeleted };
  }

  // ---- runs ----

  beginRun(r: { runId: string; pipeline: string; pipelineHash: string; environment: string; startedAt: string }): Promise<void> {
    return this.call(() => {
      this.s.insertRun.run({ runId: text(r.runId, 'runId'), pipeline: text(r.pipeline, 'pipeline'), pipelineHash: String(r.pipelineHash ?? ''), environment: text(r.environment, 'environment'), startedAt: iso(r.startedAt, 'startedAt') });
    });
  }

  findUnfinishedRun(pipeline: string, environment: string): Promise<RunRow | undefined> {
    return this.call(() => toRun(this.s.unfinishedRun.get(pipeline, environment) as RunDbRow | undefined));
  }

  finishRun(runId: string, r: { status: 'completed' | 'aborted'; finishedAt: string; summary: unknown }): Promise<void> {
    return this.call(() => {
      if (r.status !== 'completed' && r.status !== 'aborted') throw new TmtError('INTERNAL', `finishRun: status must be completed or aborted, not ${String(r.status)}`);
      const summary = r.summary === undefined ? null : JSON.stringify(r.summary);
      const changed = this.s.finishRun.run({ runId, status: r.status, finishedAt: iso(r.finishedAt, 'finishedAt'), summary }).changes;
      if (changed === 0) throw new TmtError('STATE_NOT_FOUND', `no run with id ${String(runId).slice(0, 80)}`);
    });
  }

  saveCheckpoint(runId: string, checkpoint: unknown): Promise<void> {
    return this.call(() => {
      const changed = this.s.saveCheckpoint.run({ runId, checkpoint: checkpoint === undefined ? null : JSON.stringify(checkpoint) }).changes;
      if (changed === 0) throw new TmtError('STATE_NOT_FOUND', `no run with id ${String(runId).slice(0, 80)}`);
    });
  }

  getRun(runId: string): Promise<RunRow | undefined> {
    return this.call(() => toRun(this.s.getRun.get(runId) as RunDbRow | undefined));
  }

  listRuns(filter: { pipeline?: string; limit?: number } = {}): Promise<RunRow[]> {
    return this.call(() => {
      const limit = filter.limit !== undefined && Number.isFinite(filter.limit) ? Math.max(0, Math.floor(filter.limit)) : -1;
      return (this.s.listRuns.all({ pipeline: filter.pipeline ?? null, limit }) as RunDbRow[]).map((r) => toRun(r) as RunRow);
    });
  }

  // ---- sends and outcomes ----

  beginSend(s: { runId: string; person: string; origin: string; permitId?: string; jti?: string; at: string }): Promise<void> {
    return this.call(() => {
      const row = outcomeParams({ runId: s.runId, person: s.person, origin: s.origin, outcome: 'in-flight', permitId: s.permitId, jti: s.jti, at: s.at });
      this.write(() => {
        if (s.permitId !== undefined) this.takeInFlight(s.permitId, row.runId);
        this.s.putOutcome.run(row);
      });
    });
  }

  /**
   * The answer is recorded whatever state the permit is in: a permit record that is gone or was
   * never usable does not stop the outcome and the receipt from being written.
   */
  finishSend(s: { runId: string; person: string; origin: string; permitId?: string; outcome: string; reason?: string; status?: number; receipt?: ReceiptInput }): Promise<Receipt | undefined> {
    return this.call(() => {
      const receipt = s.receipt ? normalizeReceiptInput(s.receipt) : undefined;
      if (receipt && (receipt.person !== s.person || receipt.runId !== s.runId)) throw new TmtError('INTERNAL', 'finishSend: the receipt is for another person or run');
      const row = outcomeParams({ runId: s.runId, person: s.person, origin: s.origin, outcome: s.outcome, reason: s.reason, status: s.status, permitId: s.permitId, at: receipt?.at ?? this.now().toISOString() });
      return this.write(() => {
        if (s.permitId !== undefined) this.spend(s.permitId, row.outcome, row.runId, true);
        this.s.putAnswer.run(row);
        return receipt ? this.appendReceiptNow(receipt) : undefined;
      });
    });
  }

  recordOutcome(o: PersonOutcomeRow): Promise<void> {
    return this.call(() => {
      this.s.putOutcome.run(outcomeParams(o));
    });
  }

  outcomes(runId: string): Promise<Map<string, PersonOutcomeRow>> {
    return this.call(() => new Map((this.s.outcomesOfRun.all(runId) as OutcomeDbRow[]).map((r) => [r.person, toOutcome(r)])));
  }

  /**
   * In-flight outcomes of runs that are over (any pipeline), of runs of this pipeline and
   * environment still marked running (the caller holds the pipeline lock, so such a run is dead),
   * and of runs never begun. Call it before the new run sends anything.
   */
  settleInterrupted(pipeline: string, environment: string, at: string): Promise<PersonOutcomeRow[]> {
    return this.call(() => {
      const when = iso(at, 'at');
      return this.write(() => {
        const rows = this.s.interrupted.all(pipeline, environment) as OutcomeDbRow[];
        const settled: PersonOutcomeRow[] = [];
        for (const r of rows) {
          this.s.settleOutcome.run(when, r.run_id, r.person);
          if (r.permit_id) this.spend(r.permit_id, 'unknown', r.run_id, true);
          settled.push(toOutcome({ ...r, outcome: 'unknown', reason: 'STATE_INTERRUPTED', at: when }));
        }
        return settled;
      });
    });
  }

  // ---- receipts ----

  appendReceipt(r: ReceiptInput): Promise<Receipt> {
    return this.call(() => {
      const input = normalizeReceiptInput(r);
      return this.write(() => this.appendReceiptNow(input));
    });
  }

  /** Inside a write transaction: read the head of the chain and link the new receipt to it. */
  private appendReceiptNow(input: ReceiptInput): Receipt {
    const last = this.s.lastReceipt.get() as { seq: number; hash: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const base = { ...input, receiptId: randomUUID(), seq };
    const receipt: Receipt = { ...base, prevHash, hash: receiptHash(prevHash, base) };
    this.s.insertReceipt.run({
      seq,
      receiptId: receipt.receiptId,
      runId: receipt.runId,
      pipeline: receipt.pipeline,
      pipelineHash: receipt.pipelineHash,
      environment: receipt.environment,
      person: receipt.person,
      jti: receipt.jti ?? null,
      sectionsSent: JSON.stringify(receipt.sectionsSent),
      withheld: JSON.stringify(receipt.withheld),
      httpStatus: receipt.httpStatus ?? null,
      outcome: receipt.outcome,
      at: receipt.at,
      prevHash,
      hash: receipt.hash,
    });
    // The head makes a removed last receipt evident too.
    this.s.putMeta.run(RECEIPTS_HEAD, JSON.stringify({ seq, receiptId: receipt.receiptId, hash: receipt.hash }));
    return receipt;
  }

  verifyReceipts(): Promise<ReceiptVerification> {
    return this.call(() => {
      // One read transaction: a consistent snapshot while other processes append.
      return this.db.transaction((): ReceiptVerification => {
        let count = 0;
        let expectedSeq = 1;
        let prevHash = GENESIS_HASH;
        for (const row of this.s.allReceipts.iterate() as IterableIterator<ReceiptDbRow>) {
          count++;
          const bad = (reason: string): ReceiptVerification => ({ ok: false, count, firstBad: { seq: row.seq, receiptId: row.receipt_id, reason } });
          if (row.seq !== expectedSeq) {
            return bad(expectedSeq === row.seq - 1 ? `receipt ${expectedSeq} is missing: the chain goes from ${expectedSeq - 1} to ${row.seq}` : `receipts ${expectedSeq} to ${row.seq - 1} are missing: the chain goes from ${expectedSeq - 1} to ${row.seq}`);
          }
          if (row.prev_hash !== prevHash) return bad(expectedSeq === 1 ? 'the first receipt does not start the chain' : `its prevHash does not match the hash of receipt ${expectedSeq - 1}`);
          let receipt: Receipt;
          try {
            receipt = toReceipt(row);
          } catch {
            return bad('its fields are not readable (sections or withheld entries damaged)');
          }
          if (receiptHash(row.prev_hash, receipt) !== row.hash) return bad('its hash does not match its fields (the receipt was changed)');
          prevHash = row.hash;
          expectedSeq++;
        }
        const headText = this.s.getMeta.get(RECEIPTS_HEAD) as { value: string } | undefined;
        let head: { seq?: unknown; receiptId?: unknown; hash?: unknown } | undefined;
        try {
          head = headText ? (JSON.parse(headText.value) as typeof head) : undefined;
        } catch {
          head = { seq: -1 };
        }
        const lastSeq = expectedSeq - 1;
        if (head === undefined) {
          if (count === 0) return { ok: true, count };
          return { ok: false, count, firstBad: { seq: lastSeq, receiptId: '', reason: 'the record of the chain head is missing' } };
        }
        if (typeof head.seq !== 'number' || head.seq < lastSeq) {
          return { ok: false, count, firstBad: { seq: lastSeq, receiptId: '', reason: 'the record of the chain head is damaged' } };
        }
        if (head.seq > lastSeq) {
          return {
            ok: false,
            count,
            firstBad: { seq: lastSeq + 1, receiptId: head.seq === lastSeq + 1 && typeof head.receiptId === 'string' ? head.receiptId : '', reason: `receipts after ${lastSeq} are missing: ${head.seq} receipts were written` },
          };
        }
        if (head.hash !== prevHash) return { ok: false, count, firstBad: { seq: lastSeq, receiptId: '', reason: 'the last receipt does not match the record of the chain head' } };
        return { ok: true, count };
      })();
    });
  }

  receiptsFor(person: string): Promise<Receipt[]> {
    return this.call(() => (this.s.receiptsOfPerson.all(person) as ReceiptDbRow[]).map(toReceipt));
  }

  // ---- dead letters ----

  addDeadLetter(d: Omit<DeadLetter, 'id' | 'status'>): Promise<DeadLetter> {
    return this.call(() => {
      checkPerson(d.person);
      if (d.payload !== undefined && typeof d.payload !== 'string') throw new TmtError('INTERNAL', 'addDeadLetter: payload must be a JSON string');
      const letter: DeadLetter = {
        id: randomBytes(16).toString('hex'),
        runId: text(d.runId, 'runId'),
        pipeline: text(d.pipeline, 'pipeline'),
        environment: text(d.environment, 'environment'),
        person: d.person,
        origin: String(d.origin ?? '').slice(0, 1000),
        reason: text(d.reason, 'reason').slice(0, 500),
        createdAt: iso(d.createdAt, 'createdAt'),
        ...(d.payload !== undefined ? { payload: d.payload } : {}),
        status: 'open',
      };
      this.s.insertDeadLetter.run({ ...letter, payload: letter.payload ?? null });
      return letter;
    });
  }

  listDeadLetters(filter: { pipeline?: string; status?: DeadLetter['status'] } = {}): Promise<DeadLetter[]> {
    return this.call(() => (this.s.listDeadLetters.all({ pipeline: filter.pipeline ?? null, status: filter.status ?? null }) as DeadLetterDbRow[]).map(toDeadLetter));
  }

  resolveDeadLetter(id: string, r: { status: 'retried' | 'resolved'; resolution: string; at: string }): Promise<void> {
    return this.call(() => {
      if (r.status !== 'retried' && r.status !== 'resolved') throw new TmtError('INTERNAL', `resolveDeadLetter: status must be retried or resolved, not ${String(r.status)}`);
      const changed = this.s.resolveDeadLetter.run({ id, status: r.status, resolution: String(r.resolution ?? '').slice(0, 1000), at: iso(r.at, 'at') }).changes;
      if (changed === 0) throw new TmtError('STATE_NOT_FOUND', `no dead letter with id ${String(id).slice(0, 80)}`);
    });
  }

  // ---- retention and export ----

  purge(now: Date, options: RetentionOptions = {}): Promise<PurgeResult> {
    return this.call(() => {
      const payloadDays = days(options.deadLetterPayloadDays, 14, 'deadLetterPayloadDays');
      const permitDays = days(options.permitRecordDays, 30, 'permitRecordDays');
      const result = this.write((): PurgeResult => {
        const p = this.purgePermits(now, permitDays);
        const deadLetterPayloadsDeleted = Number.isFinite(payloadDays) ? this.s.purgePayloads.run(new Date(now.getTime() - payloadDays * DAY_MS).toISOString()).changes : 0;
        return { tokensDeleted: p.tokensDeleted, permitRecordsDeleted: p.recordsDeleted, deadLetterPayloadsDeleted };
      });
      this.checkpoint();
      return result;
    });
  }

  exportPerson(person: string): Promise<PersonExport> {
    return this.call(() =>
      this.db.transaction((): PersonExport => ({
        person,
        permits: (this.s.permitsOfPerson.all(person) as PermitRow[]).map(toPermit),
        outcomes: (this.s.outcomesOfPerson.all(person) as OutcomeDbRow[]).map(toOutcome),
        receipts: (this.s.receiptsOfPerson.all(person) as ReceiptDbRow[]).map(toReceipt),
        deadLetters: (this.s.deadLettersOfPerson.all(person) as DeadLetterDbRow[]).map((r) => {
          const { payload, ...rest } = toDeadLetter(r);
          return { ...rest, payloadKept: payload !== undefined };
        }),
      }))(),
    );
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      try {
        this.db.close();
      } catch (e) {
        return Promise.reject(translate(e, this.location));
      }
    }
    return Promise.resolve();
  }
}

/** The permit store over the state database's connection. Closing it closes the state. */
class SqlitePermits implements PermitStore {
  constructor(private readonly state: SqliteState) {}

  add(p: { person: string; environment: string; token: string; jti?: string; expiresAt?: string }): Promise<PermitRecord> {
    return this.state.call(() => {
      checkPerson(p.person);
      checkEnvironment(p.environment);
      if (typeof p.token !== 'string' || p.token.length === 0) throw new TmtError('INTERNAL', 'permit store: add() needs a token');
      if (p.expiresAt !== undefined && Number.isNaN(Date.parse(p.expiresAt))) throw new TmtError('INTERNAL', 'permit store: expiresAt is not an ISO time');
      const now = this.state.clock().toISOString();
      const record: PermitRecord = {
        id: randomBytes(16).toString('hex'),
        person: p.person,
        environment: p.environment,
        status: 'active',
        ...(p.jti ? { jti: String(p.jti).slice(0, 200) } : {}),
        obtainedAt: now,
        ...(p.expiresAt ? { expiresAt: new Date(p.expiresAt).toISOString() } : {}),
      };
      this.state.write(() => {
        this.state.stmts.insertPermit.run(permitParams(record, now));
        this.state.stmts.insertToken.run(record.id, p.token);
      });
      return { ...record };
    });
  }

  recordFailure(p: { person: string; environment: string; status: 'denied' | 'failed'; reason: string }): Promise<PermitRecord> {
    return this.state.call(() => {
      checkPerson(p.person);
      checkEnvironment(p.environment);
      if (p.status !== 'denied' && p.status !== 'failed') throw new TmtError('INTERNAL', `permit store: recordFailure() takes denied or failed, not ${String(p.status)}`);
      const now = this.state.clock().toISOString();
      const record: PermitRecord = {
        id: randomBytes(16).toString('hex'),
        person: p.person,
        environment: p.environment,
        status: p.status,
        obtainedAt: now,
        reason: String(p.reason).slice(0, 500),
      };
      this.state.stmts.insertPermit.run(permitParams(record, now));
      return { ...record };
    });
  }

  findUsable(person: string, environment: string, now: Date): Promise<{ record: PermitRecord; token: string } | undefined> {
    return this.state.call(() => {
      const row = this.state.stmts.findUsable.get(person, environment, now.toISOString()) as (PermitRow & { token: string }) | undefined;
      return row ? { record: toPermit(row), token: row.token } : undefined;
    });
  }

  explainUnusable(person: string, environment: string, now: Date): Promise<UnusableReason> {
    return this.state.call((): UnusableReason => {
      const newest = this.state.stmts.newestPermit.get(person, environment) as PermitRow | undefined;
      if (!newest) return 'missing';
      switch (newest.status) {
        case 'active':
          return newest.expires_at !== null && Date.parse(newest.expires_at) <= now.getTime() ? 'expired' : 'missing';
        case 'expired':
          return 'expired';
        case 'in-flight':
        case 'spent':
          return 'spent';
        case 'denied':
        case 'failed':
          return 'denied';
      }
    });
  }

  markInFlight(id: string): Promise<void> {
    return this.state.call(() => this.state.takeInFlight(id, null));
  }

  markSpent(id: string, outcome: string): Promise<void> {
    return this.state.call(() => this.state.write(() => this.state.spend(id, outcome, null, false)));
  }

  list(filter: { environment?: string; status?: PermitStatus } = {}): Promise<PermitRecord[]> {
    return this.state.call(() => (this.state.stmts.listPermits.all({ environment: filter.environment ?? null, status: filter.status ?? null }) as PermitRow[]).map(toPermit));
  }

  purge(now: Date, options: { keepDays?: number } = {}): Promise<{ tokensDeleted: number; recordsDeleted: number }> {
    return this.state.call(() => {
      const keepDays = days(options.keepDays, 30, 'keepDays');
      const result = this.state.write(() => this.state.purgePermits(now, keepDays));
      this.state.checkpoint();
      return result;
    });
  }

  close(): Promise<void> {
    return this.state.close();
  }
}

// ---- schema and files ----

function migrate(db: Database.Database, dbFile: string): void {
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) throw newerSchema(dbFile, current);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      for (const step of m.steps) db.exec(step);
      db.pragma(`user_version = ${m.version}`);
    }
    if (current === 0) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      const put = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
      put.run('database_id', randomUUID());
      put.run('created_at', new Date().toISOString());
    }
  }).immediate();
}

interface Marker {
  databaseId: string;
}

function readMarker(file: string): Marker | 'damaged' | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw new TmtError('STATE_UNWRITABLE', `cannot read ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
  try {
    const doc = JSON.parse(text) as { format?: unknown; databaseId?: unknown };
    if (doc.format === MARKER_FORMAT && typeof doc.databaseId === 'string' && doc.databaseId.length > 0) return { databaseId: doc.databaseId };
  } catch {
    // fall through
  }
  return 'damaged';
}

/** Written atomically (temp file, fsync, rename, fsync of the folder), owner-only. */
function writeMarker(file: string, doc: object): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(doc, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // not there
    }
    throw new TmtError('STATE_UNWRITABLE', `cannot write ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
  try {
    const fd = openSync(dirname(file), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a folder.
  }
}

function fileExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (e) {
    if (errCode(e) === 'ENOENT') return false;
    throw new TmtError('STATE_UNWRITABLE', `cannot read ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
}

function ensureOwnerOnlyDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new TmtError('STATE_UNWRITABLE', `cannot create the state folder ${dir}: ${errCode(e) ?? String(e)}`, { file: dir, cause: e });
  }
  chmodQuietly(dir, 0o700);
}

/** Create the database file owner-only before SQLite opens it (SQLite gives its -wal and -shm files the same mode). */
function createOwnerOnlyFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    if (errCode(e) === 'EEXIST') return;
    throw new TmtError('STATE_UNWRITABLE', `cannot create ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
}

function chmodQuietly(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    // Not there (yet), or not ours: the folder's mode still guards it.
  }
}

// ---- errors ----

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function missing(dbFile: string, markerFile: string, what: string): TmtError {
  return new TmtError('STATE_MISSING', `${what}: ${dbFile} (the state folder's marker ${markerFile} shows that a state database existed)`, {
    file: dbFile,
    hint: `Restore ${dbFile} from a backup. To start afresh on purpose, remove ${markerFile}: the stored permits, outcomes and receipts are then lost, and persons may need new permits.`,
  });
}

function newerSchema(dbFile: string, version: number): TmtError {
  return new TmtError('STATE_CORRUPT', `${dbFile} has schema version ${version}; this tmt-import knows versions up to ${SCHEMA_VERSION}: it was written by a newer tmt-import`, {
    file: dbFile,
    hint: 'Upgrade tmt-import to the version that wrote this state (the database is left as it is).',
  });
}

/** SQLite and file-system failures as coded errors naming the file; anything else stays as it is. */
function translate(e: unknown, file: string): unknown {
  if (e instanceof TmtError) return e;
  const code = errCode(e);
  if (!code) return e;
  const detail = `${code}${e instanceof Error && e.message ? `: ${e.message}` : ''}`;
  const coded = (c: ErrorCode, message: string) => new TmtError(c, message, { file, cause: e });
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return coded('STATE_CORRUPT', `${file} is damaged or not a database (${detail})`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return coded('STATE_BUSY', `${file} stayed locked by another process (${detail})`);
  if (code.startsWith('SQLITE_READONLY')) return coded('STATE_UNWRITABLE', `${file} cannot be written (${detail})`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return coded('STATE_UNWRITABLE', `${file} cannot be read or written (${detail})`);
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return new TmtError('INTERNAL', `state: a record with that id exists already (${detail})`, { cause: e });
  if (['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR'].includes(code)) return coded('STATE_UNWRITABLE', `${file} cannot be read or written (${detail})`);
  return e;
}

function notUsable(r: PermitRow): TmtError {
  const code: ErrorCode = r.status === 'expired' ? 'PERMIT_EXPIRED' : r.status === 'denied' || r.status === 'failed' ? 'PERMIT_DENIED' : 'PERMIT_SPENT';
  return new TmtError(code, `permit ${r.id} is ${r.status}, not usable`);
}

// ---- checks and conversions ----

function checkPerson(person: string): void {
  if (typeof person !== 'string' || !PSEUDONYM.test(person)) {
    // Guards against a person key reaching the state: it keeps pseudonyms only.
    throw new TmtError('INTERNAL', 'state: person must be a pseudonym (p-…), never the person key');
  }
}

function checkEnvironment(environment: string): void {
  if (typeof environment !== 'string' || environment.length === 0) throw new TmtError('INTERNAL', 'permit store: environment is required');
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new TmtError('INTERNAL', `state: ${what} must be a non-empty string`);
  return v;
}

function iso(v: unknown, what: string): string {
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new TmtError('INTERNAL', `state: ${what} must be an ISO time`);
  return new Date(v).toISOString();
}

function days(v: number | undefined, fallback: number, what: string): number {
  const d = v ?? fallback;
  if (typeof d !== 'number' || !(d >= 0)) throw new TmtError('INTERNAL', `state: ${what} must be 0 or more`);
  return d;
}

function outcomeParams(o: { runId: string; person: string; origin: string; outcome: string; reason?: string | undefined; status?: number | undefined; permitId?: string | undefined; jti?: string | undefined; at: string }) {
  checkPerson(o.person);
  if (o.status !== undefined && !Number.isInteger(o.status)) throw new TmtError('INTERNAL', 'state: status must be an HTTP status');
  return {
    runId: text(o.runId, 'runId'),
    person: o.person,
    origin: String(o.origin ?? '').slice(0, 1000),
    outcome: text(o.outcome, 'outcome').slice(0, 100),
    reason: o.reason === undefined ? null : String(o.reason).slice(0, 200),
    status: o.status ?? null,
    permitId: o.permitId ?? null,
    jti: o.jti ? String(o.jti).slice(0, 200) : null,
    at: iso(o.at, 'at'),
  };
}

function permitParams(r: PermitRecord, updatedAt: string) {
  return { id: r.id, person: r.person, environment: r.environment, status: r.status, jti: r.jti ?? null, obtainedAt: r.obtainedAt, expiresAt: r.expiresAt ?? null, reason: r.reason ?? null, updatedAt };
}

function toPermit(r: PermitRow): PermitRecord {
  return {
    id: r.id,
    person: r.person,
    environment: r.environment,
    status: PERMIT_STATUSES.includes(r.status) ? r.status : 'failed',
    ...(r.jti !== null ? { jti: r.jti } : {}),
    obtainedAt: r.obtained_at,
    ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.outcome !== null ? { outcome: r.outcome } : {}),
  };
}

function toRun(r: RunDbRow | undefined): RunRow | undefined {
  if (!r) return undefined;
  const parse = (v: string | null | undefined): unknown => {
    if (v === null || v === undefined) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  };
  const summary = parse(r.summary);
  const checkpoint = parse(r.checkpoint);
  return {
    runId: r.run_id,
    pipeline: r.pipeline,
    pipelineHash: r.pipeline_hash,
    environment: r.environment,
    status: r.status,
    startedAt: r.started_at,
    ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(checkpoint !== undefined ? { checkpoint } : {}),
  };
}

function toOutcome(r: OutcomeDbRow): PersonOutcomeRow {
  return {
    runId: r.run_id,
    person: r.person,
    origin: r.origin,
    outcome: r.outcome,
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.status !== null ? { status: r.status } : {}),
    ...(r.permit_id !== null ? { permitId: r.permit_id } : {}),
    ...(r.jti !== null ? { jti: r.jti } : {}),
    at: r.at,
  };
}

function toReceipt(r: ReceiptDbRow): Receipt {
  return {
    receiptId: r.receipt_id,
    seq: r.seq,
    runId: r.run_id,
    pipeline: r.pipeline,
    pipelineHash: r.pipeline_hash,
    environment: r.environment,
    person: r.person,
    ...(r.jti !== null ? { jti: r.jti } : {}),
    sectionsSent: JSON.parse(r.sections_sent) as string[],
    withheld: JSON.parse(r.withheld) as Receipt['withheld'],
    ...(r.http_status !== null ? { httpStatus: r.http_status } : {}),
    outcome: r.outcome,
    at: r.at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function toDeadLetter(r: DeadLetterDbRow): DeadLetter {
  return {
    id: r.id,
    runId: r.run_id,
    pipeline: r.pipeline,
    environment: r.environment,
    person: r.person,
    origin: r.origin,
    reason: r.reason,
    createdAt: r.created_at,
    ...(r.payload !== null ? { payload: r.payload } : {}),
    status: DEAD_LETTER_STATUSES.includes(r.status) ? r.status : 'open',
    ...(r.resolved_at !== null ? { resolvedAt: r.resolved_at } : {}),
    ...(r.resolution !== null ? { resolution: r.resolution } : {}),
  };
}
