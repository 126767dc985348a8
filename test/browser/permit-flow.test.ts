import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startHarness } from '../runner/run-harness.js';

// The permit flow as a person meets it, in a real headless Chromium (Debian's `chromium`, which
// .ci/run installs). On a machine without Chromium this test says so and is skipped, except in CI
// (CI=true), where a missing browser is a failure.
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => Boolean(p));
const executablePath = CANDIDATES.find((p) => existsSync(p));

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: executablePath!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

test('permit flow in Chromium: start → sandbox authorize page → approve → callback → stored permit; and the cancel path', async (t) => {
  if (!executablePath) {
    if (process.env.CI) assert.fail(`no Chromium found (looked at ${CANDIDATES.join(', ')}); CI must install it (apt-get install chromium)`);
    t.skip('Chromium is not installed here (apt-get install chromium, or set CHROMIUM_PATH)');
    return;
  }
  const h = await startHarness({ sandbox: { autoApprove: false } });
  const browser = await launch();
  try {
    const page = await browser.newPage();

    // Approve.
    await page.goto(`${h.permitServer.url}/permits/start?person=${encodeURIComponent('aino@example.org')}`);
    assert.ok(page.url().startsWith(`${h.sandbox.url}/authorize?`), `on the sandbox authorize page: ${page.url()}`);
    const authorizeText = await page.textContent('body');
    assert.match(authorizeText ?? '', /Test Organisation Oy/);
    assert.equal(await page.inputValue('#identity'), h.pseudonymize('aino@example.org'), 'the sandbox identity is prefilled from login_hint');
    if (process.env.TMT_IMPORT_SCREENSHOTS) writeFileSync(`${process.env.TMT_IMPORT_SCREENSHOTS}/authorize.png`, await page.screenshot({ fullPage: true }));
    await Promise.all([page.waitForURL(`${h.permitServer.url}/permits/callback**`), page.click('#approve')]);
    const approved = await page.textContent('body');
    assert.match(approved ?? '', /received|vastaanotettu/i);
    assert.doesNotMatch(approved ?? '', /eyJ/, 'no token on the page');
    const active = await h.store.list({ status: 'active' });
    assert.deepEqual(active.map((p) => p.person), [h.pseudonymize('aino@example.org')]);
    assert.ok(active[0]?.jti, 'the permit records the token id');
    const usable = await h.store.findUsable(h.pseudonymize('aino@example.org'), 'sandbox', new Date());
    assert.ok(usable?.token.startsWith('eyJ'), 'the token is stored');

    // Cancel.
    await page.goto(`${h.permitServer.url}/permits/start?person=${encodeURIComponent('bertil@example.org')}`);
    await Promise.all([page.waitForURL(`${h.permitServer.url}/permits/callback**`), page.click('#cancel')]);
    assert.match((await page.textContent('body')) ?? '', /cancel|peru/i);
    const denied = await h.store.list({ status: 'denied' });
    assert.deepEqual(denied.map((p) => p.person), [h.pseudonymize('bertil@example.org')]);
    assert.equal(await h.store.explainUnusable(h.pseudonymize('bertil@example.org'), 'sandbox', new Date()), 'denied');
  } finally {
    await browser.close();
    await h.close();
  }
});
