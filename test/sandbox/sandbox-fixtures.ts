/** Shared helpers for the sandbox tests: start a sandbox on a free port and walk the permit flow over HTTP. */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SANDBOX_DEFAULTS, startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/sandbox-server.js';

export const KEY = SANDBOX_DEFAULTS.subscriptionKey;
export const CLIENT = SANDBOX_DEFAULTS.clientId;
export const SECRET = SANDBOX_DEFAULTS.clientSecret;
export const CALLBACK = 'http://127.0.0.1:47001/permits/callback';

/** A real ESCO 1.2 skill URI (from the reference ESCO files). */
export const SKILL_TEAMWORK = 'http://data.europa.eu/esco/skill/a5b0cd5c-e13a-4ab3-8d93-4d242adcfb01';

/** A sandbox on a free loopback port, closed when the test ends. */
export async function sandbox(t: TestContext, options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sb = await startSandbox({ port: 0, ...options });
  t.after(() => sb.close());
  return sb;
}

export function basic(id: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}

export function authorizeUrl(sb: RunningSandbox, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  const all = { response_type: 'code', client_id: CLIENT, redirect_uri: CALLBACK, state: 'st-1', ...params };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) q.set(k, v);
  return `${sb.url}/authorize?${q}`;
}

export async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers });
}

/** The person approves on the page; returns the redirect's query. */
export async function approve(sb: RunningSandbox, o: { identity?: string; state?: string; redirectUri?: string; scope?: 'import' | 'read'; clientId?: string } = {}): Promise<URLSearchParams> {
  const r = await postForm(`${sb.url}/authorize`, {
    client_id: o.clientId ?? CLIENT,
    redirect_uri: o.redirectUri ?? CALLBACK,
    state: o.state ?? 'st-1',
    scope: o.scope ?? 'import',
    identity: o.identity ?? 'person-a',
    action: 'approve',
  });
  assert.equal(r.status, 302);
  const loc = new URL(r.headers.get('location') ?? '');
  return loc.searchParams;
}

export async function requestToken(sb: RunningSandbox, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return postForm(`${sb.url}/v1/request-token`, fields, { 'KIPA-Subscription-Key': KEY, Authorization: basic(CLIENT, SECRET), ...headers });
}

/** Approve and exchange: a fresh access token for the person. */
export async function permit(sb: RunningSandbox, identity = 'person-a', scope: 'import' | 'read' = 'import'): Promise<string> {
  const q = await approve(sb, { identity, scope });
  const r = await requestToken(sb, { grant_type: 'authorization_code', code: q.get('code') ?? '', redirect_uri: CALLBACK });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { access_token: string };
  return body.access_token;
}

export async function putProfile(sb: RunningSandbox, token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sb.url}/v1/profile`, {
    method: 'PUT',
    headers: { 'KIPA-Subscription-Key': KEY, 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function getProfile(sb: RunningSandbox, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sb.url}/v1/profile`, { headers: { 'KIPA-Subscription-Key': KEY, Authorization: `Bearer ${token}`, ...headers } });
}

export const LANGUAGES = { languageSkills: [{ code: 'fi', level: 'C2' }, { code: 'en', level: 'B2' }] };
export const EMPLOYMENTS = {
  employments: [
    {
      employer: { fi: 'Esimerkki Oy' },
      title: { fi: 'Ohjelmistokehittäjä', en: 'Software developer' },
      interval: { startDate: '2019-03-01', endDate: '2022-08-31', ongoing: false },
      description: { description: { fi: 'Kehitystyötä.' }, skills: [{ uri: SKILL_TEAMWORK }] },
    },
  ],
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  issues?: Array<{ code: string; pointer: string; message: string }>;
}

export async function problem(r: Response, status: number): Promise<ProblemBody> {
  assert.equal(r.status, status);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const p = (await r.json()) as ProblemBody;
  assert.equal(p.status, status);
  assert.equal(typeof p.type, 'string');
  assert.equal(typeof p.title, 'string');
  assert.equal(typeof p.detail, 'string');
  return p;
}
