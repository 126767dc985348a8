/**
 * A small real HTTP server on loopback that behaves like TMT's side of the permit flow, for the
 * permit tests: GET /authorize (approves or cancels at once) and POST /token (checks Basic client
 * authentication, the KIPA-Subscription-Key header and the form, issues JWT-shaped tokens once per code).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface FakeTmtOptions {
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  /** What /authorize does: approve (redirect with a code) or deny (redirect with error=access_denied). */
  authorize?: 'approve' | 'deny';
  expiresIn?: number;
}

export interface TokenRequest {
  authorization: string | undefined;
  subscriptionKey: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

export interface FakeTmt {
  url: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Every request the token endpoint received. */
  tokenRequests: TokenRequest[];
  /** Every token issued. */
  issued: Array<{ token: string; jti: string; code: string }>;
  /** Make a code the token endpoint will accept once. */
  issueCode(redirectUri: string): string;
  options: FakeTmtOptions;
  close(): Promise<void>;
}

export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.${randomBytes(32).toString('base64url')}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeTmt(options: FakeTmtOptions): Promise<FakeTmt> {
  const codes = new Map<string, { redirectUri: string; used: boolean }>();
  const tokenRequests: TokenRequest[] = [];
  const issued: FakeTmt['issued'] = [];
  const issueCode = (redirectUri: string) => {
    const code = `code-${randomBytes(12).toString('hex')}`;
    codes.set(code, { redirectUri, used: false });
    return code;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && u.pathname === '/authorize') {
        const q = u.searchParams;
        const redirectUri = q.get('redirect_uri');
        if (q.get('response_type') !== 'code' || q.get('client_id') !== options.clientId || !redirectUri) {
          res.writeHead(400, { 'content-type': 'text/html' });
          return res.end('<p>bad authorize request</p>');
        }
        const back = new URL(redirectUri);
        if ((options.authorize ?? 'approve') === 'approve') back.searchParams.set('code', issueCode(redirectUri));
        else back.searchParams.set('error', 'access_denied');
        const state = q.get('state');
        if (state !== null) back.searchParams.set('state', state);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (u.pathname === '/token') {
        const text = await readBody(req);
        const form = Object.fromEntries(new URLSearchParams(text));
        const header = (n: string) => {
          const v = req.headers[n];
          return Array.isArray(v) ? v[0] : v;
        };
        tokenRequests.push({ authorization: header('authorization'), subscriptionKey: header('kipa-subscription-key'), contentType: header('content-type'), form });
        if (req.method !== 'POST') return json(405, { error: 'invalid_request' });
        if (header('kipa-subscription-key') !== options.subscriptionKey) return json(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
        const expected = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
        if (header('authorization') !== expected) return json(401, { error: 'invalid_client', error_description: 'client authentication failed' });
        if (!String(header('content-type')).startsWith('application/x-www-form-urlencoded')) return json(400, { error: 'invalid_request' });
        if (form.grant_type !== 'authorization_code') return json(400, { error: 'unsupported_grant_type' });
        const c = form.code ? codes.get(form.code) : undefined;
        if (!c || c.used || c.redirectUri !== form.redirect_uri) return json(400, { error: 'invalid_grant', error_description: `code ${form.code ?? ''} is not valid` });
        c.used = true;
        const jti = randomBytes(16).toString('hex');
        const token = fakeJwt({ jti, sub: 'person-1', exp: Math.floor(Date.now() / 1000) + (options.expiresIn ?? 3600), scope: 'import' });
        issued.push({ token, jti, code: form.code ?? '' });
        return json(200, { access_token: token, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600 });
      }
      json(404, { error: 'not found' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    authorizeUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    tokenRequests,
    issued,
    issueCode,
    options,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
