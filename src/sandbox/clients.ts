/**
 * Registered clients: checking them at start, and matching a requested redirect URI against the
 * registered ones (exactly, except that a loopback URI matches on any port, RFC 8252 §7.3).
 */
import type { SandboxClient } from './types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseHttpUrl(s: string): URL | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `requested` is one of the client's redirect URIs. */
export function redirectUriRegistered(client: SandboxClient, requested: string): boolean {
  if (client.redirectUris.includes(requested)) return true;
  const r = parseHttpUrl(requested);
  if (!r || r.hash || r.username || r.password || !LOOPBACK_HOSTS.has(r.hostname)) return false;
  return client.redirectUris.some((registered) => {
    const g = parseHttpUrl(registered);
    return g !== undefined && LOOPBACK_HOSTS.has(g.hostname) && g.protocol === r.protocol && g.hostname === r.hostname && g.pathname === r.pathname && g.search === r.search;
  });
}

/** Problems with the clients given at start; [] when fine. */
export function clientProblems(clients: SandboxClient[]): string[] {
  const problems: string[] = [];
  if (clients.length === 0) problems.push('at least one client is needed');
  const seen = new Set<string>();
  for (const [i, c] of clients.entries()) {
    const where = `client ${i + 1}`;
    if (!c || typeof c.clientId !== 'string' || c.clientId === '') {
      problems.push(`${where} has no clientId`);
      continue;
    }
    if (seen.has(c.clientId)) problems.push(`client id "${c.clientId}" is registered twice`);
    seen.add(c.clientId);
    if (typeof c.clientSecret !== 'string' || c.clientSecret === '') problems.push(`client "${c.clientId}" has no clientSecret`);
    if (typeof c.name !== 'string' || c.name === '') problems.push(`client "${c.clientId}" has no name`);
    if (!Array.isArray(c.redirectUris) || c.redirectUris.length === 0) problems.push(`client "${c.clientId}" has no redirectUris`);
    else for (const u of c.redirectUris) if (typeof u !== 'string' || !parseHttpUrl(u) || u.includes('#')) problems.push(`client "${c.clientId}" has a redirect URI that is not an absolute http(s) URL without fragment`);
  }
  return problems;
}

/** A sandbox identity: letters, digits and . _ @ + - (1–100 characters). */
export const IDENTITY_PATTERN = /^[\p{L}\p{N}._@+-]{1,100}$/u;
