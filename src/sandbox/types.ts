/**
 * The public shapes of the local TMT sandbox: its options, its fault settings, its import log and
 * the handle a started sandbox returns.
 */
import type { Logger } from '../logging/logger.js';

/** An organisation registered with the sandbox as an OAuth2 client. */
export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  /** The organisation shown on the permit page. */
  name: string;
  /** Registered redirect URIs: matched exactly, except that loopback URIs match on any port (RFC 8252 §7.3). */
  redirectUris: string[];
}

export interface RateLimitSettings {
  /** Requests allowed per window and subscription key. */
  limit: number;
  windowSeconds: number;
}

export interface SandboxOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default 8640; 0 picks a free port. */
  port?: number;
  /** Default: one client from SANDBOX_DEFAULTS. */
  clients?: SandboxClient[];
  /** Default: [SANDBOX_DEFAULTS.subscriptionKey]. */
  subscriptionKeys?: string[];
  /** Approve every permit request without showing the page; default false. */
  autoApprove?: boolean;
  /** Lifetime of access tokens; default 3600. */
  tokenTtlSeconds?: number;
  /** Lifetime of authorization codes; default 120. */
  codeTtlSeconds?: number;
  /** Per subscription key, fixed window; default { limit: 1000, windowSeconds: 1 }. */
  rateLimit?: RateLimitSettings;
  /** HS256 key for tokens; default a random key per start. */
  signingSecret?: string;
  /** Clock in milliseconds, for tests; default Date.now. */
  now?: () => number;
  /** Source of randomness for fault injection (a number in [0, 1)), for tests; default Math.random. */
  random?: () => number;
  /** Profiles the sandbox holds from the start, by person id (each must pass the profile contract). */
  profiles?: Record<string, Record<string, unknown>>;
  logger?: Logger;
}

/** Faults injected into `PUT /v1/profile` answers (nothing else is affected, except `rateLimit`). */
export interface Faults {
  /** Delay before a PUT is processed. */
  latencyMs?: number;
  /** Up to this much extra delay, uniformly random. */
  latencyJitterMs?: number;
  /** Share 0..1 of PUTs answered 5xx (a mix of 500, 502 and 503); such a PUT is not applied and does not spend its token. */
  errorRate?: number;
  /** Share 0..1 of PUTs whose connection is destroyed without an answer. */
  dropRate?: number;
  /**
   * When a dropped connection is cut: `before` the import is processed (nothing applied, token not
   * spent), `after` it was applied (token spent), or `alternate` between the two, starting with
   * `before` (the default).
   */
  dropPhase?: 'before' | 'after' | 'alternate';
  /** Replaces the sandbox's rate limit while set (for PUT and GET /v1/profile). */
  rateLimit?: RateLimitSettings;
}

/** What happened to one `PUT /v1/profile` that carried a valid token. Never holds the token or profile content. */
export interface ImportRecord {
  id: string;
  /** ISO time the request was answered (or cut). */
  at: string;
  clientId: string;
  personId: string;
  /** Id of the token used. */
  jti: string;
  /** Top-level keys of the body (for a refused body, the keys that were sent). */
  sections: string[];
  /** The HTTP status answered; 0 when the connection was cut without an answer. */
  status: number;
  /** Problem issues for a 4xx answer. */
  problems?: unknown[];
  /** The injected fault, if any: `dropped-before` (not applied), `dropped-after` (applied), `gateway-error` (5xx, not applied). */
  fault?: 'dropped-before' | 'dropped-after' | 'gateway-error';
}

export interface IssuedToken {
  access_token: string;
  jti: string;
  expires_in: number;
}

export interface RunningSandbox {
  /** E.g. http://127.0.0.1:54321 */
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: Faults): void;
  setAutoApprove(enabled: boolean): void;
  /** The import log, oldest first. */
  imports(): ImportRecord[];
  /** What TMT now holds for that person (a copy). */
  profile(personId: string): Record<string, unknown> | undefined;
  /** Issue a token directly (tests and benchmarks; same code path as the token endpoint after approval). */
  issueToken(personId: string, clientId?: string, scope?: 'import' | 'read'): IssuedToken;
}
