/**
 * Pseudonyms: a person's key (e-mail, customer number) never appears in logs, reports or receipts;
 * a keyed hash of it does. The key of the hash comes from an environment variable named in the
 * project config, or else from a random secret kept (owner-only) in the state directory, so
 * pseudonyms stay stable across runs of one installation but cannot be reversed by a dictionary.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Pseudonymizer = (key: string) => string;

export function createPseudonymizer(secret: string | Buffer): Pseudonymizer {
  const cache = new Map<string, string>();
  return (key: string) => {
    let p = cache.get(key);
    if (p === undefined) {
      p = 'p-' + createHmac('sha256', secret).update(key, 'utf8').digest('hex').slice(0, 16);
      if (cache.size > 10_000) cache.clear();
      cache.set(key, p);
    }
    return p;
  };
}

export interface PseudonymSecretOptions {
  env: Record<string, string | undefined>;
  envName: string;
  stateDir: string;
}

/** The secret for pseudonyms: from the environment, else the installation's own key file. */
export function resolvePseudonymSecret(opts: PseudonymSecretOptions): { secret: string | Buffer; source: 'env' | 'state-file' | 'ephemeral' } {
  const fromEnv = opts.env[opts.envName];
  if (fromEnv && fromEnv.length > 0) return { secret: fromEnv, source: 'env' };
  const file = join(opts.stateDir, 'pseudonym.key');
  try {
    if (existsSync(file)) return { secret: readFileSync(file), source: 'state-file' };
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32);
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // Another process (a parallel run, the permit server) created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { secret: readFileSync(file), source: 'state-file' };
      throw e;
    }
    chmodSync(file, 0o600);
    return { secret, source: 'state-file' };
  } catch {
    // A read-only place: pseudonyms are still keyed, but only stable within this process.
    return { secret: randomBytes(32), source: 'ephemeral' };
  }
}
