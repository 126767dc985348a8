/**
 * Everything the sandbox remembers: registered clients, authorization codes, issued, spent and
 * revoked tokens, the profiles it holds per person, and the import log. In memory only.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { signJwt, verifyJwt, type AccessTokenClaims } from './jwt.js';
import type { ImportRecord, IssuedToken, SandboxClient } from './types.js';

export type Scope = 'import' | 'read';
export const SCOPES: readonly Scope[] = ['import', 'read'];

interface AuthCode {
  clientId: string;
  redirectUri: string;
  personId: string;
  scope: Scope;
  expiresAt: number;
  used: boolean;
  /** The token issued for this code (revoked when the code is presented again, RFC 6749 §4.1.2). */
  jti?: string;
  tokenExp?: number;
}

export type RedeemResult = { ok: true; personId: string; scope: Scope; clientId: string } | { ok: false; description: string };
export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

/** Oldest import records are dropped past this many (a long benchmark must not grow without bound). */
export const MAX_IMPORT_RECORDS = 100_000;
/** Expired codes and tokens are swept once a map holds this many. */
const SWEEP_AT = 10_000;

export interface StateOptions {
  clients: SandboxClient[];
  subscriptionKeys: string[];
  signingSecret: string;
  tokenTtlSeconds: number;
  codeTtlSeconds: number;
  autoApprove: boolean;
  now: () => number;
}

export class SandboxState {
  /** Set once the server listens (the `iss` of every token). */
  issuer = '';
  autoApprove: boolean;
  private readonly clients = new Map<string, SandboxClient>();
  private readonly keys: Set<string>;
  private readonly codes = new Map<string, AuthCode>();
  /** jti → token expiry (ms); spent tokens are refused, expired entries are swept. */
  private readonly spent = new Map<string, number>();
  private readonly revoked = new Map<string, number>();
  private readonly profiles = new Map<string, Record<string, unknown>>();
  private log: ImportRecord[] = [];
  private importSeq = 0;

  constructor(private readonly o: StateOptions) {
    for (const c of o.clients) this.clients.set(c.clientId, c);
    this.keys = new Set(o.subscriptionKeys);
    this.autoApprove = o.autoApprove;
  }

  get tokenTtlSeconds(): number {
    return this.o.tokenTtlSeconds;
  }

  client(clientId: string): SandboxClient | undefined {
    return this.clients.get(clientId);
  }

  clientIds(): string[] {
    return [...this.clients.keys()];
  }

  firstClientId(): string {
    return this.o.clients[0]?.clientId ?? '';
  }

  isSubscriptionKey(key: string | undefined): key is string {
    return key !== undefined && this.keys.has(key);
  }

  /** Constant-time check of a client secret. */
  clientSecretMatches(client: SandboxClient, secret: string): boolean {
    const a = createHash('sha256').update(client.clientSecret).digest();
    const b = createHash('sha256').update(secret).digest();
    return timingSafeEqual(a, b);
  }

  // ---- authorization codes ----

  createCode(clientId: string, redirectUri: string, personId: string, scope: Scope): string {
    const now = this.o.now();
    if (this.codes.size >= SWEEP_AT) for (const [k, c] of this.codes) if (now >= c.expiresAt) this.codes.delete(k);
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { clientId, redirectUri, personId, scope, expiresAt: now + this.o.codeTtlSeconds * 1000, used: false });
    return code;
  }

  /** Redeems a code for a token: single use, unexpired, same client, identical redirect_uri. */
  redeemCode(code: string, clientId: string, redirectUri: string): RedeemResult {
    const c = this.codes.get(code);
    if (!c) return { ok: false, description: 'the authorization code is unknown' };
    if (c.used) {
      // A code presented twice may have been stolen: revoke what it gave (RFC 6749 §4.1.2).
      if (c.jti !== undefined) this.revoked.set(c.jti, c.tokenExp ?? 0);
      return { ok: false, description: 'the authorization code was already used' };
    }
    if (this.o.now() >= c.expiresAt) {
      this.codes.delete(code);
      return { ok: false, description: 'the authorization code has expired' };
    }
    if (c.clientId !== clientId) return { ok: false, description: 'the authorization code was issued to another client' };
    if (c.redirectUri !== redirectUri) return { ok: false, description: 'redirect_uri does not match the one used in the authorization request' };
    c.used = true;
    return { ok: true, personId: c.personId, scope: c.scope, clientId: c.clientId };
  }

  /** Remembers which token a code gave, so presenting the code again revokes it. */
  bindCodeToToken(code: string, jti: string, expiresIn: number): void {
    const c = this.codes.get(code);
    if (c) {
      c.jti = jti;
      c.tokenExp = this.o.now() + expiresIn * 1000;
    }
  }

  // ---- tokens ----

  issueToken(personId: string, clientId: string, scope: Scope): IssuedToken {
    const iat = Math.floor(this.o.now() / 1000);
    const claims: AccessTokenClaims = { iss: this.issuer, sub: personId, aud: clientId, jti: randomUUID(), iat, exp: iat + this.o.tokenTtlSeconds, scope };
    return { access_token: signJwt(claims, this.o.signingSecret), jti: claims.jti, expires_in: this.o.tokenTtlSeconds };
  }

  /** Signature, expiry, issuer, audience, scope and revocation; spending is checked separately. */
  checkToken(token: string, scope: Scope): TokenCheck {
    const v = verifyJwt(token, this.o.signingSecret, Math.floor(this.o.now() / 1000), this.issuer);
    if (!v.ok) return { ok: false, reason: v.reason };
    if (!this.clients.has(v.claims.aud)) return { ok: false, reason: 'the token was issued to an unknown client' };
    if (this.revoked.has(v.claims.jti)) return { ok: false, reason: 'the token was revoked' };
    if (v.claims.scope !== scope) return { ok: false, reason: `the token's scope is not "${scope}"` };
    return { ok: true, claims: v.claims };
  }

  isSpent(jti: string): boolean {
    return this.spent.has(jti);
  }

  spend(claims: AccessTokenClaims): void {
    const now = this.o.now();
    if (this.spent.size >= SWEEP_AT) {
      for (const [k, exp] of this.spent) if (exp <= now) this.spent.delete(k);
      for (const [k, exp] of this.revoked) if (exp <= now) this.revoked.delete(k);
    }
    this.spent.set(claims.jti, claims.exp * 1000);
  }

  // ---- profiles and the import log ----

  /** Each section sent replaces the stored one; sections not sent stay. */
  applyImport(personId: string, body: Record<string, unknown>): void {
    const stored = this.profiles.get(personId) ?? {};
    for (const [k, v] of Object.entries(body)) stored[k] = structuredClone(v);
    this.profiles.set(personId, stored);
  }

  profile(personId: string): Record<string, unknown> | undefined {
    const p = this.profiles.get(personId);
    return p ? structuredClone(p) : undefined;
  }

  personIds(): string[] {
    return [...this.profiles.keys()];
  }

  record(r: Omit<ImportRecord, 'id' | 'at'>): ImportRecord {
    this.importSeq += 1;
    const rec: ImportRecord = { id: `imp-${String(this.importSeq).padStart(6, '0')}`, at: new Date(this.o.now()).toISOString(), ...r };
    this.log.push(rec);
    if (this.log.length > MAX_IMPORT_RECORDS) this.log = this.log.slice(-MAX_IMPORT_RECORDS);
    return rec;
  }

  imports(): ImportRecord[] {
    return structuredClone(this.log);
  }

  importCount(): number {
    return this.log.length;
  }

  /** Forgets imports, profiles, codes, spent and revoked tokens. Clients, keys and settings stay. */
  reset(): void {
    this.codes.clear();
    this.spent.clear();
    this.revoked.clear();
    this.profiles.clear();
    this.log = [];
  }
}
