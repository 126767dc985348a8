/** The whole permit flow against the local TMT sandbox: its permit page, its token endpoint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/project-config.js';
import { createPseudonymizer } from '../../src/logging/pseudonym.js';
import { obtainPermitViaRedirects } from '../../src/permits/auto-approve.js';
import { startPermitServer } from '../../src/permits/permit-server.js';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import { decodeJwtClaims } from '../../src/permits/token-exchange.js';
import { SANDBOX_DEFAULTS, startSandbox } from '../../src/sandbox/sandbox-server.js';
import { tempDir } from '../helpers.js';

const pseudonymize = createPseudonymizer('pseudonym-secret');
const ENV = { TMT_SANDBOX_CLIENT_SECRET: SANDBOX_DEFAULTS.clientSecret, TMT_SANDBOX_SUBSCRIPTION_KEY: SANDBOX_DEFAULTS.subscriptionKey };

async function setup(autoApprove: boolean) {
  const { dir, cleanup } = tempDir();
  const sandbox = await startSandbox({ port: 0, autoApprove });
  const stateDir = join(dir, 'state');
  const config = resolveConfig({ stateDir, environments: { sandbox: { baseUrl: sandbox.url, tokenUrl: `${sandbox.url}/v1/request-token`, authorizeUrl: `${sandbox.url}/authorize` } } }, '/');
  const store = (await openSqliteState(stateDir)).permits;
  const server = await startPermitServer({ config, environment: 'sandbox', env: ENV, store, pseudonymize, port: 0 });
  return {
    sandbox,
    store,
    server,
    async close() {
      await server.close();
      await store.close();
      await sandbox.close();
      cleanup();
    },
  };
}

test('with the sandbox approving by itself, start → authorize → callback → token exchange stores a usable permit', async () => {
  const t = await setup(true);
  try {
    const r = await obtainPermitViaRedirects({ permitServerUrl: t.server.url, personKey: 'maija@example.org' });
    assert.deepEqual(r, { ok: true, status: 'active', httpStatus: 200 });
    const found = await t.store.findUsable(pseudonymize('maija@example.org'), 'sandbox', new Date());
    assert.ok(found);
    const claims = decodeJwtClaims(found.token);
    assert.ok(claims?.jti);
    assert.equal(found.record.jti, claims.jti);
    const lifetime = Date.parse(found.record.expiresAt ?? '') - Date.parse(found.record.obtainedAt);
    assert.ok(Math.abs(lifetime - 3600_000) < 5000, `about one hour, not ${lifetime} ms`);
    // A second approval gives a second, different permit; the newest is used first.
    assert.equal((await obtainPermitViaRedirects({ permitServerUrl: t.server.url, personKey: 'maija@example.org' })).status, 'active');
    const second = await t.store.findUsable(pseudonymize('maija@example.org'), 'sandbox', new Date());
    assert.notEqual(second?.record.jti, found.record.jti);
  } finally {
    await t.close();
  }
});

test("through the sandbox's permit page: a person who cancels is recorded denied; one who approves gets a permit", async () => {
  const t = await setup(false);
  try {
    /** Open the permit page from /permits/start and submit its form with the given choice. */
    const decide = async (personKey: string, action: 'approve' | 'cancel') => {
      const start = await fetch(`${t.server.url}/permits/start?person=${encodeURIComponent(personKey)}`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const page = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
      assert.equal(page.status, 200, 'the sandbox shows its permit page');
      assert.equal(page.headers.get('x-permit-status'), null);
      const html = await page.text();
      const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)].map((m) => [m[1], (m[2] ?? '').replace(/&amp;/g, '&')]));
      assert.ok(hidden.state && hidden.redirect_uri && hidden.client_id);
      const form = new URLSearchParams({ ...hidden, action, identity: pseudonymize(personKey) });
      const posted = await fetch(new URL('/authorize', t.sandbox.url), { method: 'POST', body: form, redirect: 'manual' });
      assert.equal(posted.status, 302);
      const back = posted.headers.get('location') ?? '';
      assert.ok(back.startsWith(t.server.redirectUri), back);
      return fetch(back, { redirect: 'manual' });
    };
    const cancelled = await decide('cancels@example.org', 'cancel');
    assert.equal(cancelled.status, 200);
    assert.match(await cancelled.text(), /Approval cancelled/);
    assert.equal(await t.store.explainUnusable(pseudonymize('cancels@example.org'), 'sandbox', new Date()), 'denied');

    const approved = await decide('approves@example.org', 'approve');
    assert.equal(approved.status, 200);
    assert.equal(approved.headers.get('x-permit-status'), 'active');
    assert.ok(await t.store.findUsable(pseudonymize('approves@example.org'), 'sandbox', new Date()));

    // Without a person at the page, following the redirects ends on the sandbox's page: no permit.
    assert.deepEqual(await obtainPermitViaRedirects({ permitServerUrl: t.server.url, personKey: 'nobody@example.org' }), { ok: false, status: 'failed', httpStatus: 200 });
  } finally {
    await t.close();
  }
});
