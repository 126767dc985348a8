import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { resolveConfig, type ProjectConfig } from '../../src/config/project-config.js';
import { isTmtError } from '../../src/errors.js';
import { createLogger } from '../../src/logging/logger.js';
import { createPseudonymizer } from '../../src/logging/pseudonym.js';
import { obtainPermitViaRedirects } from '../../src/permits/auto-approve.js';
import { startPermitServer, type PermitServerOptions } from '../../src/permits/permit-server.js';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import { createStateSigner, STATE_SECRET_ENV } from '../../src/permits/state-token.js';
import { tempDir } from '../helpers.js';
import { startFakeTmt, type FakeTmt } from './fake-tmt.js';

const CLIENT = { clientId: 'org-client-1', clientSecret: 'client-secret-Qw3rty', subscriptionKey: 'sub-key-Zx9876' };
const STATE_SECRET = 'state-secret-for-tests-0123456789';
const ENV = { TMT_SANDBOX_CLIENT_SECRET: CLIENT.clientSecret, TMT_SANDBOX_SUBSCRIPTION_KEY: CLIENT.subscriptionKey, [STATE_SECRET_ENV]: STATE_SECRET };
const KEY = 'maija.meikalainen@example.org';
const pseudonymize = createPseudonymizer('pseudonym-secret');
const NOW = new Date('2030-05-01T12:00:00.000Z');

function configFor(tmt: FakeTmt, stateDir: string, authorizeUrl = tmt.authorizeUrl): ProjectConfig {
  return resolveConfig({ stateDir, environments: { sandbox: { tokenUrl: tmt.tokenUrl, authorizeUrl, clientId: CLIENT.clientId } } }, '/');
}

function logCapture() {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), text: () => text };
}

async function get(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function setup(extra: Partial<PermitServerOptions> = {}) {
  const { dir, cleanup } = tempDir();
  const tmt = await startFakeTmt({ ...CLIENT });
  const store = (await openSqliteState(join(dir, 'state'))).permits;
  const logs = logCapture();
  const server = await startPermitServer({ config: configFor(tmt, join(dir, 'state')), environment: 'sandbox', env: ENV, store, pseudonymize, logger: logs.logger, now: () => NOW, ...extra });
  return {
    dir,
    tmt,
    store,
    logs,
    server,
    /** A fresh state, as /permits/start would send to TMT. */
    async startState(key = KEY): Promise<string> {
      const r = await get(`${server.url}/permits/start?person=${encodeURIComponent(key)}`);
      assert.equal(r.status, 302);
      const state = new URL(r.headers.get('location') ?? '').searchParams.get('state');
      assert.ok(state);
      return state;
    },
    async close() {
      await server.close();
      await store.close();
      await tmt.close();
      cleanup();
    },
  };
}

test('GET /permits/start redirects to the permit page with exact parameters and a verifiable state', async () => {
  const t = await setup();
  try {
    const r = await get(`${t.server.url}/permits/start?person=${encodeURIComponent(KEY)}`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const loc = new URL(r.headers.get('location') ?? '');
    assert.equal(`${loc.origin}${loc.pathname}`, t.tmt.authorizeUrl);
    assert.deepEqual([...loc.searchParams.keys()].sort(), ['client_id', 'login_hint', 'redirect_uri', 'response_type', 'state']);
    assert.equal(loc.searchParams.get('response_type'), 'code');
    assert.equal(loc.searchParams.get('client_id'), CLIENT.clientId);
    assert.equal(loc.searchParams.get('redirect_uri'), `${t.server.url}/permits/callback`);
    assert.equal(t.server.redirectUri, `${t.server.url}/permits/callback`);
    assert.equal(loc.searchParams.get('login_hint'), pseudonymize(KEY), 'loopback permit page (the sandbox): login_hint is the pseudonym');
    const check = createStateSigner({ secret: STATE_SECRET, now: () => NOW }).verify(loc.searchParams.get('state') ?? '');
    assert.ok(check.ok);
    assert.equal(check.person, pseudonymize(KEY));
    assert.equal(check.environment, 'sandbox');
    assert.ok(!loc.toString().includes(encodeURIComponent(KEY)) && !loc.toString().includes(KEY), 'the key never leaves for TMT');

    assert.equal((await get(`${t.server.url}/permits/start`)).status, 400);
    assert.equal((await get(`${t.server.url}/permits/start?person=`)).status, 400);
    const health = await get(`${t.server.url}/permits/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', environment: 'sandbox' });
    assert.equal((await get(`${t.server.url}/elsewhere`)).status, 404);
    assert.equal((await fetch(`${t.server.url}/permits/start?person=x`, { method: 'POST' })).status, 405);
  } finally {
    await t.close();
  }
});

test('no login_hint for a permit page off loopback (TMT itself), unless asked; a configured redirect URI is used and served', async () => {
  const { dir, cleanup } = tempDir();
  const tmt = await startFakeTmt({ ...CLIENT });
  const store = (await openSqliteState(join(dir, 'state'))).permits;
  try {
    const config = configFor(tmt, join(dir, 'state'), 'https://tyomarkkinatori.example/en/permission-to-import-profile-data?lang=en');
    const redirectUri = 'https://cv.example.org/tmt/permits/return';
    const s1 = await startPermitServer({ config, environment: 'sandbox', env: ENV, store, pseudonymize, redirectUri, now: () => NOW });
    const s2 = await startPermitServer({ config, environment: 'sandbox', env: ENV, store, pseudonymize, loginHint: true });
    try {
      const loc = new URL((await get(`${s1.url}/permits/start?person=${encodeURIComponent(KEY)}`)).headers.get('location') ?? '');
      assert.equal(`${loc.origin}${loc.pathname}`, 'https://tyomarkkinatori.example/en/permission-to-import-profile-data');
      assert.equal(loc.searchParams.get('lang'), 'en', 'query of the configured page is kept');
      assert.equal(loc.searchParams.has('login_hint'), false);
      assert.equal(loc.searchParams.get('redirect_uri'), redirectUri);
      assert.equal(s1.redirectUri, redirectUri);
      // A reverse proxy forwards https://cv.example.org/tmt/permits/return to this server's same path.
      const code = tmt.issueCode(redirectUri);
      const cb = await get(`${s1.url}/tmt/permits/return?code=${code}&state=${encodeURIComponent(loc.searchParams.get('state') ?? '')}`);
      assert.equal(cb.status, 200);
      assert.equal((await store.list({ status: 'active' })).length, 1);
      const loc2 = new URL((await get(`${s2.url}/permits/start?person=x`)).headers.get('location') ?? '');
      assert.equal(loc2.searchParams.get('login_hint'), pseudonymize('x'));
    } finally {
      await s1.close();
      await s2.close();
    }
  } finally {
    await store.close();
    await tmt.close();
    cleanup();
  }
});

test('callback: success stores a permit with jti and expiry; cancel records denied; bad or reused state is 400 and stores nothing; exchange failure is recorded', async () => {
  const t = await setup();
  const seen: string[] = [CLIENT.clientSecret, CLIENT.subscriptionKey, KEY, encodeURIComponent(KEY)];
  try {
    // Success.
    const state = await t.startState();
    const code = t.tmt.issueCode(t.server.redirectUri);
    seen.push(state, code);
    const ok = await get(`${t.server.url}/permits/callback?code=${code}&state=${encodeURIComponent(state)}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-permit-status'), 'active');
    assert.equal(ok.headers.get('referrer-policy'), 'no-referrer');
    assert.match(ok.body, /Thank you, the import permit was received/);
    assert.match(ok.body, /Kiitos, tuontilupa vastaanotettiin/);
    const issued = t.tmt.issued[0];
    assert.ok(issued);
    seen.push(issued.token);
    const found = await t.store.findUsable(pseudonymize(KEY), 'sandbox', NOW);
    assert.ok(found);
    assert.equal(found.token, issued.token);
    assert.equal(found.record.jti, issued.jti);
    assert.equal(found.record.person, pseudonymize(KEY));
    assert.equal(found.record.expiresAt, new Date(NOW.getTime() + 3600_000).toISOString());
    assert.deepEqual(t.tmt.tokenRequests[0]?.form, { grant_type: 'authorization_code', code, redirect_uri: t.server.redirectUri });

    // The same state again (a reload of the callback page): refused, nothing new.
    const count = async () => (await t.store.list()).length;
    assert.equal(await count(), 1);
    const again = await get(`${t.server.url}/permits/callback?code=${code}&state=${encodeURIComponent(state)}`);
    assert.equal(again.status, 400);
    assert.equal(again.headers.get('x-permit-status'), 'invalid');
    assert.match(again.body, /expired or was already used/);

    // Forged, missing and foreign states: 400, nothing stored, no exchange attempted.
    const exchanges = t.tmt.tokenRequests.length;
    const fresh = await t.startState();
    seen.push(fresh);
    const [body, sig] = fresh.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), p: 'p-ffffffffffffffff' })).toString('base64url')}.${sig}`;
    const foreign = createStateSigner({ secret: 'another-secret-another-secret' }).sign({ person: pseudonymize(KEY), environment: 'sandbox' });
    for (const bad of [`?code=${code}&state=${encodeURIComponent(forged)}`, `?code=${code}`, `?code=${code}&state=${encodeURIComponent(foreign)}`, `?error=access_denied&state=garbage`]) {
      const r = await get(`${t.server.url}/permits/callback${bad}`);
      assert.equal(r.status, 400, bad);
    }
    assert.equal(await count(), 1);
    assert.equal(t.tmt.tokenRequests.length, exchanges);

    // Cancel: denied is recorded, with a 200 page in both languages.
    const cancelled = await get(`${t.server.url}/permits/callback?error=access_denied&error_description=User+cancelled&state=${encodeURIComponent(fresh)}`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.headers.get('x-permit-status'), 'denied');
    assert.match(cancelled.body, /Approval cancelled/);
    assert.match(cancelled.body, /Hyväksyntä peruttiin/);
    const denied = await t.store.list({ status: 'denied' });
    assert.equal(denied.length, 1);
    assert.equal(denied[0]?.person, pseudonymize(KEY));
    assert.match(denied[0]?.reason ?? '', /^PERMIT_DENIED: /);

    // Another error from the permit page: recorded as denied, 502.
    const s3 = await t.startState('other.person@example.org');
    seen.push(s3, 'other.person@example.org');
    const refused = await get(`${t.server.url}/permits/callback?error=server_error&state=${encodeURIComponent(s3)}`);
    assert.equal(refused.status, 502);
    assert.match((await t.store.list({ status: 'denied' }))[1]?.reason ?? '', /^PERMIT_DENIED: .*error=server_error/);

    // Exchange failure: a code TMT does not know → failed with the code PERMIT_EXCHANGE_FAILED, 502.
    const s4 = await t.startState();
    const badCode = 'bogus-code-Pq7Lm2';
    seen.push(s4, badCode);
    const failed = await get(`${t.server.url}/permits/callback?code=${badCode}&state=${encodeURIComponent(s4)}`);
    assert.equal(failed.status, 502);
    assert.equal(failed.headers.get('x-permit-status'), 'failed');
    assert.match(failed.body, /could not be obtained/);
    const failures = await t.store.list({ status: 'failed' });
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.reason, `PERMIT_EXCHANGE_FAILED: token exchange at ${t.tmt.tokenUrl} failed: HTTP 400 invalid_grant`);
    assert.equal(await t.store.explainUnusable(pseudonymize('other.person@example.org'), 'sandbox', NOW), 'denied');

    // Pages and logs carry none of key, code, state, token or secrets; logs do carry pseudonym and codes.
    for (const page of [ok.body, again.body, cancelled.body, refused.body, failed.body]) for (const s of seen) assert.ok(!page.includes(s), `a page shows ${s.slice(0, 12)}…`);
    const logText = t.logs.text();
    for (const s of seen) assert.ok(!logText.includes(s), `the log holds ${s.slice(0, 12)}…`);
    assert.ok(!logText.includes(issued.jti), 'not even the jti');
    assert.ok(logText.includes(pseudonymize(KEY)));
    for (const c of ['PERMIT_STATE_INVALID', 'PERMIT_DENIED', 'PERMIT_EXCHANGE_FAILED', '"environment":"sandbox"', 'permit received']) assert.ok(logText.includes(c), c);
  } finally {
    await t.close();
  }
});

test('obtainPermitViaRedirects follows start → authorize → callback: active when approved, denied when cancelled', async () => {
  const t = await setup({ now: () => new Date() });
  try {
    const r = await obtainPermitViaRedirects({ permitServerUrl: t.server.url, personKey: KEY });
    assert.deepEqual(r, { ok: true, status: 'active', httpStatus: 200 });
    const found = await t.store.findUsable(pseudonymize(KEY), 'sandbox', new Date());
    assert.equal(found?.token, t.tmt.issued[0]?.token);

    t.tmt.options.authorize = 'deny';
    const d = await obtainPermitViaRedirects({ permitServerUrl: t.server.url, personKey: 'someone.else@example.org' });
    assert.deepEqual(d, { ok: false, status: 'denied', httpStatus: 200 });
    assert.equal(await t.store.explainUnusable(pseudonymize('someone.else@example.org'), 'sandbox', new Date()), 'denied');

    // Nothing listening: failed, not thrown.
    const closedUrl = t.server.url;
    await t.server.close();
    assert.deepEqual(await obtainPermitViaRedirects({ permitServerUrl: closedUrl, personKey: KEY, timeoutMs: 2000 }), { ok: false, status: 'failed', httpStatus: 0 });
  } finally {
    await t.close();
  }
});

test('startPermitServer refuses to start without secrets or with an unknown environment', async () => {
  const { dir, cleanup } = tempDir();
  const tmt = await startFakeTmt({ ...CLIENT });
  const store = (await openSqliteState(join(dir, 'state'))).permits;
  try {
    const config = configFor(tmt, join(dir, 'state'));
    await assert.rejects(
      startPermitServer({ config, environment: 'sandbox', env: { TMT_SANDBOX_SUBSCRIPTION_KEY: 'k' }, store, pseudonymize }),
      (e: unknown) => isTmtError(e) && e.code === 'CONFIG_SECRET_MISSING' && e.message.includes('TMT_SANDBOX_CLIENT_SECRET'),
    );
    await assert.rejects(
      startPermitServer({ config, environment: 'sandbox', env: { TMT_SANDBOX_CLIENT_SECRET: 's' }, store, pseudonymize }),
      (e: unknown) => isTmtError(e) && e.code === 'CONFIG_SECRET_MISSING' && e.message.includes('TMT_SANDBOX_SUBSCRIPTION_KEY'),
    );
    await assert.rejects(startPermitServer({ config, environment: 'staging', env: ENV, store, pseudonymize }), (e: unknown) => isTmtError(e) && e.code === 'CONFIG_ENV_UNDEFINED');
    const noClient = resolveConfig({ stateDir: join(dir, 'state') }, '/');
    await assert.rejects(startPermitServer({ config: noClient, environment: 'test', env: { TMT_TEST_CLIENT_SECRET: 's', TMT_TEST_SUBSCRIPTION_KEY: 'k' }, store, pseudonymize }), (e: unknown) => isTmtError(e) && e.code === 'CONFIG_INVALID');
  } finally {
    await store.close();
    await tmt.close();
    cleanup();
  }
});
