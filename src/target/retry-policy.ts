/** When and how long to wait before trying TMT again. Pure functions: tested without a network. */

export interface BackoffOptions {
  /** First delay ceiling, ms. */
  baseMs: number;
  /** Largest computed backoff, ms. */
  maxMs: number;
  /** Largest wait a server may ask for (Retry-After, RateLimit-Reset), ms. */
  maxServerWaitMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 10_000, maxServerWaitMs: 60_000 };

/** Statuses worth another attempt: gateway and server trouble, and "too many requests". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}

/** Never retried: the request itself is wrong or refused, another try cannot help. */
export function isFinalStatus(status: number): boolean {
  return status === 400 || status === 401 || status === 403 || status === 404 || status === 413 || status === 415;
}

/** Seconds (or an HTTP date) from Retry-After, as ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** RateLimit-Reset: seconds until the window resets (draft IETF RateLimit header fields). */
export function parseRateLimitReset(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Math.round(Number(value) * 1000);
}

/**
 * Delay before attempt `attempt` (1 = the first retry): the server's wish when it states one
 * (plus a little jitter so that parallel senders spread out), else exponential backoff with full
 * jitter.
 */
export function retryDelay(attempt: number, serverWaitMs: number | undefined, o: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (serverWaitMs !== undefined) return Math.min(serverWaitMs, o.maxServerWaitMs) + Math.floor(random() * Math.min(o.baseMs, 250));
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
