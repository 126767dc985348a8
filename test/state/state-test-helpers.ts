/** Helpers for the state tests: raw access to the database file, as only tests may have it. */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_FILES } from '../../src/state/sqlite-state.js';

export function dbFileOf(stateDir: string): string {
  return join(stateDir, STATE_FILES.database);
}

/** A raw connection to the state database (close it after use). */
export function raw(stateDir: string, o: { readonly?: boolean } = {}): Database.Database {
  return new Database(dbFileOf(stateDir), { readonly: o.readonly ?? false, fileMustExist: true });
}

/** Run `fn` on a raw connection and close it. */
export function withRaw<T>(stateDir: string, fn: (db: Database.Database) => T): T {
  const db = raw(stateDir);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Every file under dir, with its bytes. */
export function allFiles(dir: string): Array<{ file: string; bytes: Buffer }> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else out.push({ file: p, bytes: readFileSync(p) });
  }
  return out;
}

export function filesHolding(dir: string, secret: string): string[] {
  return allFiles(dir)
    .filter((f) => f.bytes.includes(Buffer.from(secret, 'utf8')))
    .map((f) => f.file);
}

export function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

export const pseudonym = (n: number): string => `p-${n.toString(16).padStart(16, '0')}`;
