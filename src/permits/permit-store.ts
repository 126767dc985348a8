/**
 * The permit store: one record per permit the organisation obtained (or failed to obtain) for a
 * person, keyed by the person's pseudonym, never the key. Tokens are secrets and are kept apart
 * from the records, owner-only, and only while they can still be used: spending a permit deletes
 * its token before `markSpent` resolves; `purge` deletes the tokens of expired permits.
 *
 * The interface is async and storage-agnostic. The implementation is the state database's
 * (`openSqliteState(stateDir).permits`, src/state/sqlite-state.ts), shared by processes on one
 * state folder: a permit marked in flight by one process cannot be taken by another.
 */

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
   * After the answer: → spent with its outcome; the token is deleted before this resolves.
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
