/**
 * The permit flow (OAuth2 authorization code, RFC 6749): the permit page `GET/POST /authorize` and
 * the token endpoint `POST /v1/request-token`.
 *
 * A request whose client or redirect URI cannot be trusted (unknown client, unregistered redirect
 * URI), or that is malformed (response_type other than `code`, repeated parameters, a bad
 * login_hint), gets an HTML error page and is never redirected. An unknown `scope` on an otherwise
 * sound request goes back to the client as `error=invalid_scope` (RFC 6749 §4.1.2.1). `state` is
 * optional, as in RFC 6749, and echoed when given.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderAuthorizePage, renderErrorPage, type ErrorPageInput } from './authorize-page.js';
import { IDENTITY_PATTERN, redirectUriRegistered } from './clients.js';
import { REALM, type SandboxContext } from './context.js';
import { formFields, mediaType, readBody, redirect, repeatedParam, sendHtml, sendJson, sendProblem, singleHeader, type RequestTarget } from './http-io.js';
import { SCOPES, type Scope } from './sandbox-state.js';
import type { SandboxClient } from './types.js';

const FORM = 'application/x-www-form-urlencoded';
const FORM_LIMIT = 16 * 1024;

export function freshIdentity(): string {
  return `sandbox-person-${randomBytes(4).toString('hex')}`;
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

type Checked = { ok: true; client: SandboxClient; redirectUri: string } | { ok: false; page: ErrorPageInput };

/** client_id and redirect_uri: the two things that must be right before anything is sent back. */
function checkClient(ctx: SandboxContext, clientId: string | undefined, redirectUri: string | undefined): Checked {
  if (!clientId) return { ok: false, page: { fi: 'Pyynnöstä puuttuu client_id.', en: 'The request has no client_id.' } };
  const client = ctx.state.client(clientId);
  if (!client) return { ok: false, page: { fi: 'Pyynnön lähettänyt palvelu (client_id) on tuntematon.', en: 'The requesting service (client_id) is unknown.' } };
  if (!redirectUri) return { ok: false, page: { fi: 'Pyynnöstä puuttuu redirect_uri.', en: 'The request has no redirect_uri.' } };
  if (!redirectUriRegistered(client, redirectUri)) {
    return { ok: false, page: { fi: 'Paluuosoitetta (redirect_uri) ei ole rekisteröity tälle palvelulle.', en: 'The return address (redirect_uri) is not registered for this service.' } };
  }
  return { ok: true, client, redirectUri };
}

function errorPage(res: ServerResponse, status: number, page: ErrorPageInput): void {
  sendHtml(res, status, renderErrorPage(page));
}

/** GET /authorize: the permit page (or, with auto-approve, straight back with a code). */
export function getAuthorize(_req: IncomingMessage, res: ServerResponse, target: RequestTarget, ctx: SandboxContext): void {
  const q = target.query;
  const repeated = repeatedParam(q);
  if (repeated) return errorPage(res, 400, { fi: `Parametri ${repeated} on annettu useammin kuin kerran.`, en: `The parameter ${repeated} is given more than once.` });
  const checked = checkClient(ctx, q.get('client_id') ?? undefined, q.get('redirect_uri') ?? undefined);
  if (!checked.ok) return errorPage(res, 400, checked.page);
  const responseType = q.get('response_type');
  if (responseType !== 'code') {
    return errorPage(res, 400, {
      fi: responseType === null ? 'Pyynnöstä puuttuu response_type (sen on oltava code).' : 'response_type ei ole tuettu: vain code on sallittu.',
      en: responseType === null ? 'The request has no response_type (it must be code).' : 'This response_type is not supported: only code is.',
    });
  }
  const state = q.get('state') ?? undefined;
  const scopeParam = q.get('scope');
  if (scopeParam !== null && !(SCOPES as readonly string[]).includes(scopeParam)) {
    return redirect(res, withParams(checked.redirectUri, { error: 'invalid_scope', error_description: 'scope must be import or read', state }));
  }
  const scope = (scopeParam ?? 'import') as Scope;
  const hint = q.get('login_hint');
  if (hint !== null && !IDENTITY_PATTERN.test(hint)) {
    return errorPage(res, 400, { fi: 'login_hint ei kelpaa tunnisteeksi (kirjaimet, numerot ja . _ @ + -, enintään 100 merkkiä).', en: 'login_hint is not a valid identity (letters, digits and . _ @ + -, at most 100 characters).' });
  }
  if (ctx.state.autoApprove) {
    const code = ctx.state.createCode(checked.client.clientId, checked.redirectUri, hint ?? freshIdentity(), scope);
    return redirect(res, withParams(checked.redirectUri, { code, state }));
  }
  sendHtml(res, 200, renderAuthorizePage({ organisation: checked.client.name, clientId: checked.client.clientId, redirectUri: checked.redirectUri, state, scope, identity: hint ?? freshIdentity() }));
}

/** POST /authorize: the person approved or cancelled. */
export async function postAuthorize(req: IncomingMessage, res: ServerResponse, _target: RequestTarget, ctx: SandboxContext): Promise<void> {
  if (mediaType(req) !== FORM) return errorPage(res, 415, { fi: 'Lomake on lähetettävä muodossa application/x-www-form-urlencoded.', en: 'The form must be sent as application/x-www-form-urlencoded.' });
  const read = await readBody(req, FORM_LIMIT);
  if (!read.ok) {
    if (read.status === 413) errorPage(res, 413, { fi: 'Lomake on liian suuri.', en: 'The form is too large.' });
    return;
  }
  const f = formFields(read.body.toString('utf8'));
  if (!f) return errorPage(res, 400, { fi: 'Lomakkeessa on sama kenttä useammin kuin kerran.', en: 'The form has a field more than once.' });
  const checked = checkClient(ctx, f.get('client_id'), f.get('redirect_uri'));
  if (!checked.ok) return errorPage(res, 400, checked.page);
  const state = f.get('state');
  const scope = f.get('scope') ?? 'import';
  if (!(SCOPES as readonly string[]).includes(scope)) return errorPage(res, 400, { fi: 'Lomakkeen scope ei kelpaa.', en: 'The form has an invalid scope.' });
  const action = f.get('action');
  if (action === 'cancel') return redirect(res, withParams(checked.redirectUri, { error: 'access_denied', state }));
  if (action !== 'approve') return errorPage(res, 400, { fi: 'Lomakkeesta puuttuu valinta (hyväksy tai peruuta).', en: 'The form has no choice (approve or cancel).' });
  const identity = (f.get('identity') ?? '').trim();
  if (!IDENTITY_PATTERN.test(identity)) {
    return sendHtml(
      res,
      400,
      renderAuthorizePage({
        organisation: checked.client.name,
        clientId: checked.client.clientId,
        redirectUri: checked.redirectUri,
        state,
        scope: scope as Scope,
        identity,
        error: { fi: 'Anna tunniste: kirjaimia, numeroita ja . _ @ + -, enintään 100 merkkiä.', en: 'Enter an identity: letters, digits and . _ @ + -, at most 100 characters.' },
      }),
    );
  }
  const code = ctx.state.createCode(checked.client.clientId, checked.redirectUri, identity, scope as Scope);
  redirect(res, withParams(checked.redirectUri, { code, state }));
}

const OAUTH_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function oauthError(res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error, error_description: description }, { ...OAUTH_HEADERS, ...headers });
}

/** Subscription key check shared by the token endpoint and the profile routes. */
export function subscriptionKeyProblem(req: IncomingMessage, ctx: SandboxContext): string | undefined {
  const key = singleHeader(req, 'kipa-subscription-key');
  if (key === undefined || key === '') return 'Access denied due to missing subscription key. Include the KIPA-Subscription-Key header.';
  if (!ctx.state.isSubscriptionKey(key)) return 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';
  return undefined;
}

export function sendKeyProblem(res: ServerResponse, detail: string): void {
  sendProblem(res, 401, { type: 'subscription-key', title: 'Access denied', detail });
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** POST /v1/request-token: authorization code → access token. */
export async function postToken(req: IncomingMessage, res: ServerResponse, _target: RequestTarget, ctx: SandboxContext): Promise<void> {
  const keyProblem = subscriptionKeyProblem(req, ctx);
  if (keyProblem) return sendKeyProblem(res, keyProblem);
  const challenge = { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` };
  const creds = basicCredentials(singleHeader(req, 'authorization'));
  if (!creds) return oauthError(res, 401, 'invalid_client', 'client authentication with HTTP Basic is required', challenge);
  const client = ctx.state.client(creds.id);
  if (!client || !ctx.state.clientSecretMatches(client, creds.secret)) return oauthError(res, 401, 'invalid_client', 'client authentication failed', challenge);
  if (mediaType(req) !== FORM) return oauthError(res, 400, 'invalid_request', `the body must be ${FORM}`);
  const read = await readBody(req, FORM_LIMIT);
  if (!read.ok) {
    if (read.status === 413) oauthError(res, 413, 'invalid_request', 'the body is too large');
    return;
  }
  const f = formFields(read.body.toString('utf8'));
  if (!f) return oauthError(res, 400, 'invalid_request', 'a parameter is given more than once');
  const bodyClient = f.get('client_id');
  if (bodyClient !== undefined && bodyClient !== client.clientId) return oauthError(res, 401, 'invalid_client', 'client_id does not match the authenticated client', challenge);
  const grant = f.get('grant_type');
  if (!grant) return oauthError(res, 400, 'invalid_request', 'grant_type is missing');
  if (grant !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type', 'only authorization_code is supported');
  const code = f.get('code');
  const redirectUri = f.get('redirect_uri');
  if (!code) return oauthError(res, 400, 'invalid_request', 'code is missing');
  if (!redirectUri) return oauthError(res, 400, 'invalid_request', 'redirect_uri is missing');
  const redeemed = ctx.state.redeemCode(code, client.clientId, redirectUri);
  if (!redeemed.ok) return oauthError(res, 400, 'invalid_grant', redeemed.description);
  const token = ctx.state.issueToken(redeemed.personId, redeemed.clientId, redeemed.scope);
  ctx.state.bindCodeToToken(code, token.jti, token.expires_in);
  ctx.logger.debug({ clientId: client.clientId, scope: redeemed.scope }, 'token issued');
  sendJson(res, 200, { access_token: token.access_token, token_type: 'Bearer', expires_in: token.expires_in, scope: redeemed.scope }, OAUTH_HEADERS);
}
