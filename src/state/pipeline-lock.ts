/**
 * The pipeline lock: at most one run of a pipeline at a time, across processes on one machine
 * (runs of one pipeline on several machines need a shared state database's locks instead).
 *
 * The lock is a file `<stateDir>/locks/<pipeline>.lock`, created exclusively (O_EXCL) and holding
 * `{pid, host, startedAt, pipeline, bootId}`. A lock whose process is alive on this host refuses the
 * second run with STATE_LOCKED; a lock whose process is gone (killed), or that was taken in an earlier
 * boot of the machine (Linux boot id), is taken over and reported as stale. A lock of another host is
 * always respected. Release removes the file; so does a normal process exit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TmtError } from '../errors.js';

export const LOCKS_DIR = 'locks';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  pipeline: string;
  /** Which boot of the machine the holder ran in (Linux), so a pid reused after a restart is not mistaken for the holder. */
  bootId?: string;
}

export interface PipelineLock {
  /** The lock file. */
  readonly file: string;
  /** True when the lock was taken over from a process that is gone. */
  readonly stale: boolean;
  /** Who held the stale lock. */
  readonly previous?: LockHolder;
  /** Remove the lock (only if it is still ours). Idempotent. */
  release(): Promise<void>;
}

/** A lock file that cannot be read as a lock (a process died while writing it) counts as stale after this long. */
const UNREADABLE_STALE_MS = 10_000;
/** A takeover that did not finish in this long was interrupted. */
const TAKEOVER_STALE_MS = 10_000;

/** The lock file's name for a pipeline: the name itself when it is a safe file name, else a slug and a hash. */
export function lockFileName(pipeline: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(pipeline)) return `${pipeline}.lock`;
  const slug = pipeline.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(0, 60);
  return `${slug}-${createHash('sha256').update(pipeline).digest('hex').slice(0, 12)}.lock`;
}

/** Take the lock of `pipeline`, or throw STATE_LOCKED naming who holds it since when. */
export async function acquirePipelineLock(stateDir: string, pipeline: string): Promise<PipelineLock> {
  if (typeof pipeline !== 'string' || pipeline.length === 0) throw new TmtError('INTERNAL', 'acquirePipelineLock: the pipeline name is required');
  const dir = join(stateDir, LOCKS_DIR);
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new TmtError('STATE_UNWRITABLE', `cannot create the lock folder ${dir}: ${errCode(e) ?? String(e)}`, { file: dir, cause: e });
  }
  const file = join(dir, lockFileName(pipeline));
  const boot = currentBootId();
  const mine = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), pipeline, ...(boot ? { bootId: boot } : {}), nonce: randomBytes(8).toString('hex') };
  const text = JSON.stringify(mine) + '\n';
  let stale = false;
  let previous: LockHolder | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await tryCreate(file, text)) return held(file, text, stale, previous);
    const found = await readLock(file);
    if (!found) continue; // released meanwhile: try again at once
    if (!isStale(found)) throw locked(pipeline, file, found.holder);
    const taken = await removeStale(file, found.text);
    if (taken === 'removed') {
      stale = true;
      previous = found.holder ?? previous;
    }
    else if (taken === 'busy') await new Promise((r) => setTimeout(r, 20));
  }
  const found = await readLock(file);
  throw locked(pipeline, file, found?.holder);
}

function held(file: string, text: string, stale: boolean, previous: LockHolder | undefined): PipelineLock {
  let released = false;
  const onExit = () => {
    try {
      if (readFileSync(file, 'utf8') === text) unlinkSync(file);
    } catch {
      // gone already
    }
  };
  process.on('exit', onExit);
  return {
    file,
    stale,
    ...(previous ? { previous } : {}),
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const now = await fsp.readFile(file, 'utf8').catch(() => undefined);
      if (now === text) await fsp.unlink(file).catch(() => undefined);
    },
  };
}

async function tryCreate(file: string, text: string): Promise<boolean> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'wx', 0o600);
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw new TmtError('STATE_UNWRITABLE', `cannot create the lock file ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
  try {
    await fh.writeFile(text);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.unlink(file).catch(() => undefined);
    throw new TmtError('STATE_UNWRITABLE', `cannot write the lock file ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
  await fh.close();
  return true;
}

interface FoundLock {
  text: string;
  mtimeMs: number;
  holder?: LockHolder;
}

async function readLock(file: string): Promise<FoundLock | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = (await fsp.stat(file)).mtimeMs;
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw new TmtError('STATE_UNWRITABLE', `cannot read the lock file ${file}: ${errCode(e) ?? String(e)}`, { file, cause: e });
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.startedAt === 'string') {
      const holder: LockHolder = { pid: h.pid as number, host: h.host, startedAt: h.startedAt, pipeline: typeof h.pipeline === 'string' ? h.pipeline : '' };
      if (typeof h.bootId === 'string') holder.bootId = h.bootId;
      return { text, mtimeMs, holder };
    }
  } catch {
    // not a lock we can read
  }
  return { text, mtimeMs };
}

function isStale(found: FoundLock): boolean {
  const h = found.holder;
  if (!h) return Date.now() - found.mtimeMs > UNREADABLE_STALE_MS;
  if (h.host !== hostname()) return false; // another machine's process cannot be checked from here
  if (h.pid === process.pid) return false;
  // Taken before this machine last started: whatever process has that pid now is another one.
  const boot = currentBootId();
  if (h.bootId !== undefined && boot !== undefined && h.bootId !== boot) return true;
  return !isAlive(h.pid);
}

let bootId: string | null | undefined;

/** This boot's id where the system tells it (Linux), else undefined. */
export function currentBootId(): string | undefined {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId ?? undefined;
}

function isAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM'; // alive, but another user's
  }
}

/**
 * Remove a stale lock, if it still holds what was judged stale. A takeover file makes this
 * exclusive, so two processes that both found the lock stale cannot remove each other's new lock.
 */
async function removeStale(file: string, staleText: string): Promise<'removed' | 'changed' | 'busy'> {
  const guard = `${file}.takeover`;
  try {
    await (await fsp.open(guard, 'wx', 0o600)).close();
  } catch (e) {
    if (errCode(e) !== 'EEXIST') throw new TmtError('STATE_UNWRITABLE', `cannot create ${guard}: ${errCode(e) ?? String(e)}`, { file: guard, cause: e });
    const st = await fsp.stat(guard).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_STALE_MS) await fsp.unlink(guard).catch(() => undefined);
    return 'busy';
  }
  try {
    const now = await fsp.readFile(file, 'utf8').catch(() => undefined);
    if (now === undefined) return 'changed';
    if (now !== staleText) return 'changed';
    await fsp.unlink(file);
    return 'removed';
  } finally {
    await fsp.unlink(guard).catch(() => undefined);
  }
}

function locked(pipeline: string, file: string, h: LockHolder | undefined): TmtError {
  const who = !h
    ? 'another process (the lock file is being written or is damaged)'
    : h.host === hostname() && h.pid === process.pid
      ? `this process (pid ${h.pid}) since ${h.startedAt}`
      : `process ${h.pid} on ${h.host} since ${h.startedAt}`;
  return new TmtError('STATE_LOCKED', `pipeline "${pipeline}" is locked by ${who} (${file})`, {
    file,
    hint: h
      ? `Wait for that run to finish. If process ${h.pid} on ${h.host} is gone, remove ${file}.`
      : `Wait a moment and try again. If no tmt-import process is running, remove ${file}.`,
  });
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}
