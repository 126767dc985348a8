/**
 * File primitives of the file permit store: owner-only atomic writes, fsync of folders, a
 * create-exclusive lock file shared by processes on one state folder, and coded errors that name
 * the file (PERMIT_STORE_UNREADABLE).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TmtError } from '../errors.js';

/** A lock older than this is left over from a crash: critical sections last milliseconds. */
const STALE_LOCK_MS = 30_000;

export function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export function storeError(action: string, file: string, e: unknown): TmtError {
  if (e instanceof TmtError) return e;
  return new TmtError('PERMIT_STORE_UNREADABLE', `${action} ${file}: ${errCode(e) ?? (e instanceof Error ? e.message : String(e))}`, { file, cause: e });
}

export async function statOrNull(path: string, forError: string): Promise<Stats | null> {
  try {
    return await fsp.stat(path);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return null;
    throw storeError('cannot read', forError, e);
  }
}

export async function openOrNull(path: string): Promise<fsp.FileHandle | null> {
  try {
    return await fsp.open(path, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return null;
    throw storeError('cannot read', path, e);
  }
}

/** Write a whole file owner-only and atomically: temp file, fsync, rename, fsync of the folder. */
export async function atomicWrite(file: string, data: string, o: { syncDir?: boolean } = {}): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await fsp.open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw storeError('cannot write', file, e);
  }
  if (o.syncDir !== false) await fsyncDir(join(file, '..'));
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms cannot fsync a folder; the rename is then as durable as the platform allows.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

/**
 * Take the lock file (create-exclusive, holding pid and host); wait for another holder up to
 * `timeoutMs`, breaking a lock left by a dead process. Resolves to the release function.
 */
export async function acquireLock(lockFile: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString(), n: randomBytes(6).toString('hex') });
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fh = await fsp.open(lockFile, 'wx', 0o600);
      try {
        await fh.writeFile(mine);
      } finally {
        await fh.close();
      }
      return async () => {
        const still = await fsp.readFile(lockFile, 'utf8').catch(() => '');
        if (still === mine) await fsp.unlink(lockFile).catch(() => undefined);
      };
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw storeError('cannot lock', lockFile, e);
    }
    if (await breakStaleLock(lockFile)) continue;
    if (Date.now() > deadline) {
      throw new TmtError('PERMIT_STORE_UNREADABLE', `the permit store is locked by another process (${lockFile}); if no tmt-import process is running, delete that file`, { file: lockFile });
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** A lock left by a dead process on this host, or older than any critical section, is removed. */
async function breakStaleLock(lockFile: string): Promise<boolean> {
  let text: string;
  let st: Stats;
  try {
    st = await fsp.stat(lockFile);
    text = await fsp.readFile(lockFile, 'utf8');
  } catch {
    return true; // gone meanwhile: try again at once
  }
  let stale = Date.now() - st.mtimeMs > STALE_LOCK_MS;
  try {
    const owner = JSON.parse(text) as { pid?: unknown; host?: unknown };
    if (!stale && owner.host === hostname() && typeof owner.pid === 'number' && owner.pid !== process.pid) stale = !isAlive(owner.pid);
  } catch {
    stale ||= Date.now() - st.mtimeMs > 1000; // half-written by a process that died right after creating it
  }
  if (!stale) return false;
  const again = await fsp.readFile(lockFile, 'utf8').catch(() => undefined);
  if (again === text) await fsp.unlink(lockFile).catch(() => undefined);
  return true;
}
