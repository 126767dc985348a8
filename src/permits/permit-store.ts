/**
 * The permit store: one record per permit the organisation obtained (or failed to obtain) for a
 * person, keyed by the person's pseudonym, never the key. Tokens are secrets and live apart from
 * the records, owner-only, and only while they can still be used: spending a permit deletes its
 * token from disk before `markSpent` resolves; `purge` deletes the tokens of expired permits.
 *
 * The interface is async and storage-agnostic so that a database store can replace the file store.
 *
 * File store layout (folder 0700, files 0600):
 *   <stateDir>/permits.json          snapshot of the records (rewritten atomically: temp, fsync, rename)
 *   <stateDir>/permits.journal       changes since the snapshot, one JSON line each, fsynced per change
 *   <stateDir>/permit-tokens/<id>    the token of one usable permit; unlinked when spent or expired
 *   <stateDir>/permits.lock          held (create-exclusive) only while a change is written
 *
 * A change costs one small append and fsync instead of rewriting every record, so marking 10,000
 * permits in flight and spent stays in seconds; the journal is folded into the snapshot every
 * ~1,000 changes and on purge. Every change takes the lock file and first reads what other
 * processes appended, so `permits serve` and a run can share one store: a permit marked in flight by
 * one process cannot be taken by another.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import { join } from 'node:path';
import { TmtError, type ErrorCode } from '../errors.js';
import { acquireLock, atomicWrite, errCode, fsyncDir, openOrNull, statOrNull, storeError } from './store-files.js';

export type PermitStatus = 'active' | 'in-flight' | 'spent' | 'expired' | 'denied' | 'failed';

export const PERMIT_STATUSES: readonly PermitStatus[] = ['active', 'in-flight', 'spent', 'expired', 'denied', 'failed'];

export interface PermitRecord {
  /** Random id of the record. */
  id: string;
  /** The person's pseudonym (p-…), never the key. */
  person: string;
  environment: string;
  status: PermitStatus;
  /** The access token's `jti` claim (decoded, not verified). */
  jti?: string;
  /** ISO time the permit was obtained (for denied/failed: when that was recorded). */
  obtainedAt: string;
  /** ISO time the token expires: obtainedAt + expires_in. */
  expiresAt?: string;
  /** For denied/failed: a code (PERMIT_DENIED, PERMIT_EXCHANGE_FAILED) and a short text without personal data. */
  reason?: string;
  /** For spent: what happened (e.g. 'imported', 'rejected', 'unknown'). */
  outcome?: string;
}

export type UnusableReason = 'missing' | 'expired' | 'spent' | 'denied';

export interface PermitStore {
  /** Store a newly obtained permit (token kept separately, secret). */
  add(p: { person: string; environment: string; token: string; jti?: string; expiresAt?: string }): Promise<PermitRecord>;
  /** Record that a permit was not obtained: the person cancelled (denied) or the exchange failed. */
  recordFailure(p: { person: string; environment: string; status: 'denied' | 'failed'; reason: string }): Promise<PermitRecord>;
  /** The newest active, unexpired permit of a person for an environment, with its token; marks nothing. */
  findUsable(person: string, environment: string, now: Date): Promise<{ record: PermitRecord; token: string } | undefined>;
  /**
   * Why a person has no usable permit (ask after findUsable found none); the newest record decides:
   * none → 'missing'; expired → 'expired'; in flight or spent → 'spent'; denied or failed → 'denied'.
   */
  explainUnusable(person: string, environment: string, now: Date): Promise<UnusableReason>;
  /**
   * Before the PUT: active → in-flight (token kept). Throws TmtError PERMIT_SPENT when another process
   * took the permit first, PERMIT_EXPIRED when purge expired it meanwhile: treat both as "no permit".
   */
  markInFlight(id: string): Promise<void>;
  /**
   * After the answer: → spent with its outcome; the token is deleted from disk before this resolves.
   * Idempotent; a real outcome replaces 'unknown' (which purge sets on in-flight permits that ran out).
   */
  markSpent(id: string, outcome: string): Promise<void>;
  /** Records, oldest first; never tokens. */
  list(filter?: { environment?: string; status?: PermitStatus }): Promise<PermitRecord[]>;
  /**
   * Expire permits whose time is up (active → expired; in-flight → spent with outcome 'unknown'), drop
   * the tokens of every permit that is no longer usable, and delete finished records older than
   * `keepDays` (default 30; Infinity keeps them all).
   */
  purge(now: Date, options?: { keepDays?: number }): Promise<{ tokensDeleted: number; recordsDeleted: number }>;
  close(): Promise<void>;
}

export interface FilePermitStoreOptions {
  /** Clock for obtainedAt of new records (default: the system clock). */
  now?: () => Date;
  /** Fold the journal into the snapshot after this many changes (default 1000, at least the number of records). */
  compactAfter?: number;
  /** How long to wait for another process's lock before giving up (default 10 s). */
  lockTimeoutMs?: number;
}

export const PERMIT_STORE_FILES = {
  snapshot: 'permits.json',
  journal: 'permits.journal',
  tokens: 'permit-tokens',
  lock: 'permits.lock',
} as const;

const FORMAT = 'tmt-import-permits';
const VERSION = 1;
const DAY_MS = 86_400_000;
const PSEUDONYM = /^p-[0-9a-f]{8,64}$/;
const RECORD_ID = /^[0-9a-f]{32}$/;

/** Open (or, on first change, create) the file permit store in `stateDir`. Missing files = an empty store. */
export async function openFilePermitStore(stateDir: string, options: FilePermitStoreOptions = {}): Promise<PermitStore> {
  const store = new FilePermitStore(stateDir, options);
  await store.load();
  return store;
}

type JournalEntry = { put: PermitRecord } | { del: string };

interface PendingChange {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** What one batch of changes will write. */
class Tx {
  readonly entries: JournalEntry[] = [];
  readonly tokenWrites = new Map<string, string>();
  readonly tokenDeletes = new Set<string>();
  compactRequested = false;
  constructor(private readonly store: { stageEntry(e: JournalEntry): void }) {}
  stage(entry: JournalEntry): void {
    this.store.stageEntry(entry);
    this.entries.push(entry);
  }
  writeToken(id: string, token: string): void {
    this.tokenDeletes.delete(id);
    this.tokenWrites.set(id, token);
  }
  deleteToken(name: string): void {
    this.tokenWrites.delete(name);
    this.tokenDeletes.add(name);
  }
  compact(): void {
    this.compactRequested = true;
  }
}

interface SnapshotSig {
  ino: number;
  mtimeMs: number;
  size: number;
}

class FilePermitStore implements PermitStore {
  private readonly snapshotFile: string;
  private readonly journalFile: string;
  private readonly tokensDir: string;
  private readonly lockFileName: string;
  private readonly now: () => Date;
  private readonly compactAfter: number;
  private readonly lockTimeoutMs: number;

  private records = new Map<string, PermitRecord>();
  /** environment \0 person → record ids in journal order. */
  private byPerson = new Map<string, string[]>();
  private snapshotSig = '';
  private journalIno = 0;
  private journalOffset = 0;
  private journalLines = 0;
  private dirsReady = false;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: PendingChange[] = [];
  private batchQueued = false;

  constructor(private readonly stateDir: string, options: FilePermitStoreOptions) {
    this.snapshotFile = join(stateDir, PERMIT_STORE_FILES.snapshot);
    this.journalFile = join(stateDir, PERMIT_STORE_FILES.journal);
    this.tokensDir = join(stateDir, PERMIT_STORE_FILES.tokens);
    this.lockFileName = join(stateDir, PERMIT_STORE_FILES.lock);
    this.now = options.now ?? (() => new Date());
    this.compactAfter = Math.max(1, options.compactAfter ?? 1000);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  // ---- the interface ----

  add(p: { person: string; environment: string; token: string; jti?: string; expiresAt?: string }): Promise<PermitRecord> {
    checkPerson(p.person);
    checkEnvironment(p.environment);
    if (typeof p.token !== 'string' || p.token.length === 0) throw new TmtError('INTERNAL', 'permit store: add() needs a token');
    if (p.expiresAt !== undefined && Number.isNaN(Date.parse(p.expiresAt))) throw new TmtError('INTERNAL', 'permit store: expiresAt is not an ISO time');
    return this.mutate(async (tx) => {
      const record: PermitRecord = {
        id: randomBytes(16).toString('hex'),
        person: p.person,
        environment: p.environment,
        status: 'active',
        ...(p.jti ? { jti: String(p.jti).slice(0, 200) } : {}),
        obtainedAt: this.now().toISOString(),
        ...(p.expiresAt ? { expiresAt: new Date(p.expiresAt).toISOString() } : {}),
      };
      tx.writeToken(record.id, p.token);
      tx.stage({ put: record });
      return { ...record };
    });
  }

  recordFailure(p: { person: string; environment: string; status: 'denied' | 'failed'; reason: string }): Promise<PermitRecord> {
    checkPerson(p.person);
    checkEnvironment(p.environment);
    if (p.status !== 'denied' && p.status !== 'failed') throw new TmtError('INTERNAL', `permit store: recordFailure() takes denied or failed, not ${String(p.status)}`);
    return this.mutate(async (tx) => {
      const record: PermitRecord = {
        id: randomBytes(16).toString('hex'),
        person: p.person,
        environment: p.environment,
        status: p.status,
        obtainedAt: this.now().toISOString(),
        reason: String(p.reason).slice(0, 500),
      };
      tx.stage({ put: record });
      return { ...record };
    });
  }

  findUsable(person: string, environment: string, now: Date): Promise<{ record: PermitRecord; token: string } | undefined> {
    return this.read(async () => {
      const candidates = this.recordsOf(person, environment)
        .filter((r) => r.status === 'active' && !isExpired(r, now))
        .reverse();
      for (const r of candidates) {
        const token = await this.readToken(r.id);
        if (token !== undefined) return { record: { ...r }, token };
      }
      return undefined;
    });
  }

  explainUnusable(person: string, environment: string, now: Date): Promise<UnusableReason> {
    return this.read(async () => {
      const newest = this.recordsOf(person, environment).at(-1);
      if (!newest) return 'missing';
      switch (newest.status) {
        case 'active':
          return isExpired(newest, now) ? 'expired' : 'missing';
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
    return this.mutate(async (tx) => {
      const r = this.existing(id);
      if (r.status !== 'active') throw notUsable(r);
      tx.stage({ put: { ...r, status: 'in-flight' } });
    });
  }

  markSpent(id: string, outcome: string): Promise<void> {
    return this.mutate(async (tx) => {
      const r = this.existing(id);
      if (r.status === 'denied' || r.status === 'failed') throw notUsable(r);
      const text = String(outcome).slice(0, 200);
      // Already spent: the first outcome stands, unless it was 'unknown' (set by purge while the answer was on its way).
      if (r.status !== 'spent' || (r.outcome === 'unknown' && text !== 'unknown')) tx.stage({ put: { ...r, status: 'spent', outcome: text } });
      tx.deleteToken(id);
    });
  }

  list(filter: { environment?: string; status?: PermitStatus } = {}): Promise<PermitRecord[]> {
    return this.read(async () => {
      const out: PermitRecord[] = [];
      for (const r of this.records.values()) {
        if (filter.environment !== undefined && r.environment !== filter.environment) continue;
        if (filter.status !== undefined && r.status !== filter.status) continue;
        out.push({ ...r });
      }
      return out.sort((a, b) => a.obtainedAt.localeCompare(b.obtainedAt));
    });
  }

  purge(now: Date, options: { keepDays?: number } = {}): Promise<{ tokensDeleted: number; recordsDeleted: number }> {
    const keepDays = options.keepDays ?? 30;
    if (!(keepDays >= 0)) throw new TmtError('INTERNAL', 'permit store: keepDays must be 0 or more');
    return this.mutate(async (tx) => {
      const files = await this.tokenFiles();
      const cutoff = Number.isFinite(keepDays) ? now.getTime() - keepDays * DAY_MS : -Infinity;
      const changes: JournalEntry[] = [];
      for (const rec of this.records.values()) {
        let r = rec;
        if ((r.status === 'active' || r.status === 'in-flight') && isExpired(r, now)) {
          // An in-flight permit that ran out was used, but its answer was never recorded.
          r = r.status === 'active' ? { ...r, status: 'expired' } : { ...r, status: 'spent', outcome: r.outcome ?? 'unknown' };
          changes.push({ put: r });
        }
        if (r.status !== 'active' && r.status !== 'in-flight' && ageOf(r) < cutoff) changes.push({ del: r.id });
      }
      const recordsDeleted = changes.filter((c) => 'del' in c).length;
      for (const c of changes) tx.stage(c);
      let tokensDeleted = 0;
      // Token files on disk now; tokens written in this same batch are not there yet, and stay.
      for (const name of files) {
        const r = RECORD_ID.test(name) ? this.records.get(name) : undefined;
        if (r && (r.status === 'active' || r.status === 'in-flight')) continue;
        tx.deleteToken(name);
        if (!name.endsWith('.tmp')) tokensDeleted++;
      }
      tx.compact();
      return { tokensDeleted, recordsDeleted };
    });
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      this.closed = true;
    });
  }

  // ---- loading and catching up ----

  /** Read the snapshot and the whole journal, consistently even while another process compacts. */
  async load(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const before = await statOrNull(this.journalFile, this.journalFile);
      const snap = await this.readSnapshot();
      const fh = await openOrNull(this.journalFile);
      try {
        const st = fh ? await fh.stat() : null;
        if ((before?.ino ?? 0) !== (st?.ino ?? 0) && attempt < 20) continue; // compacted meanwhile: read again
        this.records = new Map();
        this.byPerson = new Map();
        for (const r of snap.records) this.apply({ put: r });
        this.snapshotSig = snap.sig;
        this.journalIno = st?.ino ?? 0;
        this.journalOffset = 0;
        this.journalLines = 0;
        if (fh && st) await this.replay(fh, st.size);
        return;
      } finally {
        await fh?.close();
      }
    }
  }

  /** See what other processes wrote since the last look: a tail read, or a full reload after a compaction. */
  private async catchUp(): Promise<void> {
    const snap = await statOrNull(this.snapshotFile, this.snapshotFile);
    const journal = await statOrNull(this.journalFile, this.journalFile);
    const ino = journal?.ino ?? 0;
    if (sigOf(snap) !== this.snapshotSig || ino !== this.journalIno || (journal?.size ?? 0) < this.journalOffset) return this.load();
    if (!journal || journal.size === this.journalOffset) return;
    const fh = await openOrNull(this.journalFile);
    if (!fh) return this.load();
    try {
      const st = await fh.stat();
      if (st.ino !== this.journalIno) return await this.load();
      await this.replay(fh, st.size);
    } finally {
      await fh.close();
    }
  }

  /** Apply the complete journal lines between the consumed offset and `size`; a partial last line waits. */
  private async replay(fh: fsp.FileHandle, size: number): Promise<void> {
    if (size <= this.journalOffset) return;
    const buf = Buffer.alloc(size - this.journalOffset);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, this.journalOffset + got).catch((e: unknown) => {
        throw storeError('cannot read', this.journalFile, e);
      });
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let start = 0;
    for (let nl = buf.indexOf(0x0a, 0); nl !== -1 && nl < got; nl = buf.indexOf(0x0a, start)) {
      const line = buf.toString('utf8', start, nl).trim();
      this.journalLines++;
      if (line.length > 0) this.apply(parseJournalLine(line, this.journalFile, this.journalLines));
      start = nl + 1;
    }
    this.journalOffset += start;
  }

  private async readSnapshot(): Promise<{ records: PermitRecord[]; sig: string }> {
    const fh = await openOrNull(this.snapshotFile);
    if (!fh) return { records: [], sig: '' };
    let text: string;
    let st: Stats;
    try {
      st = await fh.stat();
      text = await fh.readFile('utf8');
    } catch (e) {
      throw storeError('cannot read', this.snapshotFile, e);
    } finally {
      await fh.close();
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new TmtError('PERMIT_STORE_UNREADABLE', `the permit store ${this.snapshotFile} is not valid JSON (damaged?)`, { file: this.snapshotFile });
    }
    const d = doc as { format?: unknown; version?: unknown; records?: unknown };
    if (typeof doc !== 'object' || doc === null || d.format !== FORMAT || !Array.isArray(d.records)) {
      throw new TmtError('PERMIT_STORE_UNREADABLE', `${this.snapshotFile} is not a tmt-import permit store`, { file: this.snapshotFile });
    }
    if (d.version !== VERSION) {
      throw new TmtError('PERMIT_STORE_UNREADABLE', `${this.snapshotFile} has permit store version ${String(d.version)}; this tmt-import reads version ${VERSION}`, { file: this.snapshotFile });
    }
    const records = d.records.map((r, i) => {
      if (!isRecord(r)) throw new TmtError('PERMIT_STORE_UNREADABLE', `${this.snapshotFile}: record ${i + 1} is damaged`, { file: this.snapshotFile, pointer: `/records/${i}` });
      return r;
    });
    return { records, sig: sigOf(st) };
  }

  private apply(entry: JournalEntry): void {
    if ('put' in entry) {
      const r = entry.put;
      if (!this.records.has(r.id)) {
        const k = personKey(r.person, r.environment);
        const ids = this.byPerson.get(k);
        if (ids) ids.push(r.id);
        else this.byPerson.set(k, [r.id]);
      }
      this.records.set(r.id, r);
    } else {
      const r = this.records.get(entry.del);
      if (!r) return;
      this.records.delete(entry.del);
      const k = personKey(r.person, r.environment);
      const ids = (this.byPerson.get(k) ?? []).filter((id) => id !== entry.del);
      if (ids.length > 0) this.byPerson.set(k, ids);
      else this.byPerson.delete(k);
    }
  }

  /** A person's records, oldest first (by obtainedAt, then journal order). */
  private recordsOf(person: string, environment: string): PermitRecord[] {
    const ids = this.byPerson.get(personKey(person, environment)) ?? [];
    const rs = ids.map((id) => this.records.get(id)).filter((r): r is PermitRecord => r !== undefined);
    return rs.map((r, i) => ({ r, i })).sort((a, b) => a.r.obtainedAt.localeCompare(b.r.obtainedAt) || a.i - b.i).map((x) => x.r);
  }

  private existing(id: string): PermitRecord {
    const r = typeof id === 'string' ? this.records.get(id) : undefined;
    if (!r) throw new TmtError('PERMIT_MISSING', `no permit record with id ${String(id).slice(0, 40)}`);
    return r;
  }

  // ---- writing ----

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.assertOpen();
      await this.catchUp();
      return fn();
    });
  }

  /**
   * Changes are group-committed: every change asked for while a batch is being written joins the
   * next batch, which takes the lock once, writes new tokens (fsync), appends all journal lines in
   * one write (fsync), then deletes spent tokens (fsync of the folder). Each caller's promise
   * resolves only after its batch is durable. A change function checks first and then stages its
   * lines, which apply to memory at once so later changes in the batch see them.
   */
  private mutate<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn: fn as (tx: Tx) => Promise<unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (this.batchQueued) return;
      this.batchQueued = true;
      void this.exclusive(async () => {
        this.batchQueued = false;
        await this.commit(this.pending.splice(0));
      });
    });
  }

  private async commit(batch: PendingChange[]): Promise<void> {
    const fail = (e: unknown) => {
      for (const c of batch) c.reject(e);
    };
    if (this.closed) return fail(new TmtError('INTERNAL', 'the permit store was used after close()'));
    let unlock: (() => Promise<void>) | undefined;
    try {
      await this.ensureDirs();
      unlock = await this.lock();
      await this.catchUp();
      await this.cutTornTail();
    } catch (e) {
      await unlock?.();
      return fail(e);
    }
    const tx = new Tx(this);
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    for (const c of batch) {
      try {
        results.push({ ok: true, value: await c.fn(tx) });
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    try {
      // Tokens first: a crash in between leaves an orphan token (purge removes it), never a permit without one.
      if (tx.tokenWrites.size > 0) {
        for (const [id, token] of tx.tokenWrites) await atomicWrite(join(this.tokensDir, id), token, { syncDir: false });
        await fsyncDir(this.tokensDir);
      }
      if (tx.entries.length > 0) await this.append(tx.entries);
      // Statuses are durable now: a crash before the unlinks leaves tokens nobody will use (purge removes them).
      if (tx.tokenDeletes.size > 0) {
        let deleted = false;
        for (const name of tx.tokenDeletes) deleted = (await this.unlink(join(this.tokensDir, name))) || deleted;
        if (deleted) await fsyncDir(this.tokensDir);
      }
      if (tx.compactRequested || this.journalLines >= Math.max(this.compactAfter, this.records.size)) await this.compact();
    } catch (e) {
      // Memory ran ahead of the disk: read the disk again and fail the whole batch.
      await this.load().catch(() => undefined);
      await unlock();
      return fail(e);
    }
    await unlock();
    batch.forEach((c, i) => {
      const r = results[i];
      if (r?.ok) c.resolve(r.value);
      else c.reject(r?.error);
    });
  }

  /** Stage a journal line: applied to memory now, written by the batch. */
  stageEntry(entry: JournalEntry): void {
    this.apply(entry);
  }

  private assertOpen(): void {
    if (this.closed) throw new TmtError('INTERNAL', 'the permit store was used after close()');
  }

  private async ensureDirs(): Promise<void> {
    if (this.dirsReady) return;
    for (const dir of [this.stateDir, this.tokensDir]) {
      try {
        await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (e) {
        throw storeError('cannot create', dir, e);
      }
      // Owner-only even when the folder existed with wider permissions (fails harmlessly if not ours).
      await fsp.chmod(dir, 0o700).catch(() => undefined);
    }
    this.dirsReady = true;
  }

  /** Append journal lines (already applied to memory) in one write and fsync them. Called under the lock only. */
  private async append(entries: JournalEntry[]): Promise<void> {
    const text = entries.map((e) => JSON.stringify(e) + '\n').join('');
    const created = this.journalIno === 0;
    try {
      const fh = await fsp.open(this.journalFile, 'a', 0o600);
      try {
        await fh.write(text);
        await fh.datasync();
        this.journalIno = (await fh.stat()).ino;
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw storeError('cannot write', this.journalFile, e);
    }
    if (created) await fsyncDir(this.stateDir);
    this.journalOffset += Buffer.byteLength(text);
    this.journalLines += entries.length;
  }

  /** Under the lock nobody is writing, so bytes after the last complete line are a write cut short by a crash. */
  private async cutTornTail(): Promise<void> {
    const st = await statOrNull(this.journalFile, this.journalFile);
    if (!st || st.ino !== this.journalIno || st.size <= this.journalOffset) return;
    try {
      await fsp.truncate(this.journalFile, this.journalOffset);
    } catch (e) {
      throw storeError('cannot repair', this.journalFile, e);
    }
  }

  /** Fold the journal into a new snapshot, then start an empty journal (both atomic renames). */
  private async compact(): Promise<void> {
    const body = `{"format":"${FORMAT}","version":${VERSION},"records":[\n${[...this.records.values()].map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
    await atomicWrite(this.snapshotFile, body);
    // Replaying the old journal over the new snapshot gives the same state, so a crash here is harmless.
    await atomicWrite(this.journalFile, '');
    const snap = await statOrNull(this.snapshotFile, this.snapshotFile);
    const journal = await statOrNull(this.journalFile, this.journalFile);
    this.snapshotSig = sigOf(snap);
    this.journalIno = journal?.ino ?? 0;
    this.journalOffset = 0;
    this.journalLines = 0;
  }

  private lock(): Promise<() => Promise<void>> {
    return acquireLock(this.lockFileName, this.lockTimeoutMs);
  }

  // ---- tokens ----

  private async readToken(id: string): Promise<string | undefined> {
    try {
      return await fsp.readFile(join(this.tokensDir, id), 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return undefined;
      throw storeError('cannot read', join(this.tokensDir, id), e);
    }
  }

  private async unlink(file: string): Promise<boolean> {
    try {
      await fsp.unlink(file);
      return true;
    } catch (e) {
      if (errCode(e) === 'ENOENT') return false;
      throw storeError('cannot delete', file, e);
    }
  }

  private async tokenFiles(): Promise<string[]> {
    try {
      return await fsp.readdir(this.tokensDir);
    } catch (e) {
      if (errCode(e) === 'ENOENT') return [];
      throw storeError('cannot read', this.tokensDir, e);
    }
  }
}

// ---- helpers ----

function checkPerson(person: string): void {
  if (typeof person !== 'string' || !PSEUDONYM.test(person)) {
    // Guards against a person key reaching the store: it keeps pseudonyms only.
    throw new TmtError('INTERNAL', 'permit store: person must be a pseudonym (p-…), never the person key');
  }
}

function checkEnvironment(environment: string): void {
  if (typeof environment !== 'string' || environment.length === 0) throw new TmtError('INTERNAL', 'permit store: environment is required');
}

function isExpired(r: PermitRecord, now: Date): boolean {
  return r.expiresAt !== undefined && Date.parse(r.expiresAt) <= now.getTime();
}

function ageOf(r: PermitRecord): number {
  return Math.max(Date.parse(r.obtainedAt), r.expiresAt ? Date.parse(r.expiresAt) : -Infinity);
}

function personKey(person: string, environment: string): string {
  return `${environment}\u0000${person}`;
}

function notUsable(r: PermitRecord): TmtError {
  const code: ErrorCode = r.status === 'expired' ? 'PERMIT_EXPIRED' : r.status === 'denied' || r.status === 'failed' ? 'PERMIT_DENIED' : 'PERMIT_SPENT';
  return new TmtError(code, `permit ${r.id} is ${r.status}, not usable`);
}

function isRecord(v: unknown): v is PermitRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const optStr = (k: string) => r[k] === undefined || typeof r[k] === 'string';
  return (
    typeof r.id === 'string' &&
    typeof r.person === 'string' &&
    typeof r.environment === 'string' &&
    typeof r.obtainedAt === 'string' &&
    PERMIT_STATUSES.includes(r.status as PermitStatus) &&
    optStr('jti') &&
    optStr('expiresAt') &&
    optStr('reason') &&
    optStr('outcome')
  );
}

function parseJournalLine(line: string, file: string, lineNo: number): JournalEntry {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    v = undefined;
  }
  const e = v as { put?: unknown; del?: unknown } | undefined;
  if (e && typeof e === 'object' && isRecord(e.put)) return { put: e.put };
  if (e && typeof e === 'object' && typeof e.del === 'string') return { del: e.del };
  throw new TmtError('PERMIT_STORE_UNREADABLE', `the permit journal ${file} is damaged at line ${lineNo}`, { file, line: lineNo });
}

function sigOf(st: Stats | null): string {
  if (!st) return '';
  const s: SnapshotSig = { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}
