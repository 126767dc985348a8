/**
 * The OAuth2 `state` of a permit approval: signed, expiring, single-use and bound to the person
 * (by pseudonym) and the environment, so a callback can only store a permit for the person whose
 * approval was started, and only once. Shape: base64url(JSON {p, e, x, n}) "." base64url(HMAC-SHA256).
 *
 * The signing secret comes from an environment variable (needed when several permit servers share
 * callbacks) or else from `<stateDir>/permit-state.key`, created owner-only on first use.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TmtError } from '../errors.js';

/** Default name of the environment variable that may hold the state secret. */
export const STATE_SECRET_ENV = 'TMT_IMPORT_PERMIT_STATE_SECRET';
export const STATE_KEY_FILE = 'permit-state.key';
export const DEFAULT_STATE_TTL_MS = 15 * 60_000;

export type StateRejection = 'malformed' | 'signature' | 'expired' | 'reused';

export type StateCheck = { ok: true; person: string; environment: string; expiresAt: Date } | { ok: false; reason: StateRejection };

export interface StateSigner {
  /** A fresh state for one approval of `person` (pseudonym) in `environment`. */
  sign(p: { person: string; environment: string }): string;
  /** Check signature (timing-safe), expiry and single use; a state that passes is used up. */
  verify(state: string): StateCheck;
}

export interface StateSignerOptions {
  secret: string | Buffer;
  /** How long a state stays valid (default 15 minutes). */
  ttlMs?: number;
  now?: () => Date;
}

interface Payload {
  p: string;
  e: string;
  x: number;
  n: string;
}

const MAX_STATE_LENGTH = 2048;

export function createStateSigner(o: StateSignerOptions): StateSigner {
  const ttlMs = o.ttlMs ?? DEFAULT_STATE_TTL_MS;
  const now = o.now ?? (() => new Date());
  /** Used nonces → their expiry (ms); forgotten once expired, when the state is refused anyway. */
  const used = new Map<string, number>();
  const mac = (body: string) => createHmac('sha256', o.secret).update(body, 'utf8').digest();

  const forgetExpired = (t: number) => {
    for (const [n, x] of used) if (x <= t) used.delete(n);
  };

  return {
    sign({ person, environment }) {
      const payload: Payload = { p: person, e: environment, x: now().getTime() + ttlMs, n: randomBytes(16).toString('base64url') };
      const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },
    verify(state) {
      if (typeof state !== 'string' || state.length === 0 || state.length > MAX_STATE_LENGTH) return { ok: false, reason: 'malformed' };
      const dot = state.indexOf('.');
      if (dot <= 0 || dot !== state.lastIndexOf('.')) return { ok: false, reason: 'malformed' };
      const body = state.slice(0, dot);
      const given = Buffer.from(state.slice(dot + 1), 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
      let payload: Payload;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (typeof payload !== 'object' || payload === null || typeof payload.p !== 'string' || typeof payload.e !== 'string' || typeof payload.x !== 'number' || typeof payload.n !== 'string') {
        return { ok: false, reason: 'malformed' };
      }
      const t = now().getTime();
      forgetExpired(t);
      if (payload.x <= t) return { ok: false, reason: 'expired' };
      if (used.has(payload.n)) return { ok: false, reason: 'reused' };
      used.set(payload.n, payload.x);
      return { ok: true, person: payload.p, environment: payload.e, expiresAt: new Date(payload.x) };
    },
  };
}

/**
 * The state secret: `env[envName]` when set, else `<stateDir>/permit-state.key` (32 random bytes,
 * 0600 in a 0700 folder, created on first use). Throws when the key file can neither be read nor
 * created: a server with a secret of its own would still work alone, but would refuse callbacks
 * after a restart, so this fails loudly instead.
 */
export function resolveStateSecret(o: { env: Record<string, string | undefined>; stateDir: string; envName?: string }): { secret: string | Buffer; source: 'env' | 'state-file' } {
  const fromEnv = o.env[o.envName ?? STATE_SECRET_ENV];
  if (fromEnv && fromEnv.length > 0) return { secret: fromEnv, source: 'env' };
  const file = join(o.stateDir, STATE_KEY_FILE);
  try {
    try {
      return { secret: readKey(file), source: 'state-file' };
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32);
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      return { secret, source: 'state-file' };
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as { code?: string }).code === 'EEXIST') return { secret: readKey(file), source: 'state-file' };
      throw e;
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new TmtError('PERMIT_STORE_UNREADABLE', `cannot read or create the permit state key ${file}${code ? `: ${code}` : ''}`, {
      file,
      hint: `Check the state folder's permissions, or set ${o.envName ?? STATE_SECRET_ENV}.`,
      cause: e,
    });
  }
}

function readKey(file: string): Buffer {
  const key = readFileSync(file);
  if (key.length < 16) throw Object.assign(new Error('the key file is too short'), { code: 'EKEYSHORT' });
  return key;
}
