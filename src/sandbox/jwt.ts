/**
 * Compact JWTs signed with HS256 (RFC 7519 / RFC 7515), just what the sandbox's access tokens need.
 * Verification accepts HS256 only (never `none`), compares signatures in constant time and
 * checks expiry and issuer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AccessTokenClaims {
  iss: string;
  /** The person (sandbox identity). */
  sub: string;
  /** The client id the token was issued to. */
  aud: string;
  jti: string;
  iat: number;
  exp: number;
  scope: string;
}

export type VerifyResult = { ok: true; claims: AccessTokenClaims } | { ok: false; expired: boolean; reason: string };

const HEADER = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export function signJwt(claims: AccessTokenClaims, secret: string): string {
  const input = `${HEADER}.${base64url(Buffer.from(JSON.stringify(claims)))}`;
  return `${input}.${base64url(hmac(input, secret))}`;
}

/** Checks shape, algorithm, signature, claims, expiry (`nowSeconds`) and issuer. Reasons name the rule, never the token. */
export function verifyJwt(token: string, secret: string, nowSeconds: number, issuer: string): VerifyResult {
  const fail = (reason: string, expired = false): VerifyResult => ({ ok: false, expired, reason });
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return fail('the token is not a compact JWT');
  const [head, body, sig] = parts as [string, string, string];
  const header = parseSegment(head);
  if (!header || header['alg'] !== 'HS256') return fail('the token is not signed with HS256');
  const expected = hmac(`${head}.${body}`, secret);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('the token signature is not valid');
  const c = parseSegment(body);
  if (!c) return fail('the token claims are not a JSON object');
  const strings = ['iss', 'sub', 'aud', 'jti', 'scope'] as const;
  const numbers = ['iat', 'exp'] as const;
  if (!strings.every((k) => typeof c[k] === 'string') || !numbers.every((k) => typeof c[k] === 'number')) return fail('the token lacks required claims');
  const claims = c as unknown as AccessTokenClaims;
  if (claims.iss !== issuer) return fail('the token was issued by another issuer');
  if (claims.exp <= nowSeconds) return fail('the token has expired', true);
  return { ok: true, claims };
}

function hmac(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

function base64url(b: Buffer): string {
  return b.toString('base64url');
}

function parseSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
