import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { permitsCommand } from '../../src/cli/commands/permits.js';
import { parseCommandArgs, renderHelp } from '../../src/cli/command.js';
import { makeStyle } from '../../src/cli/io.js';
import { renderIssues } from '../../src/cli/render.js';
import { isTmtError } from '../../src/errors.js';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import { tempDir } from '../helpers.js';
import { writeFiles } from '../fixtures.js';
import { startFakeTmt } from './fake-tmt.js';

/** Drive `tmt-import permits …` in-process the way the CLI's main does. */
function startCli(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const capture = () => {
    const s = new PassThrough();
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('utf8')));
    return { s, text: () => text };
  };
  const out = capture();
  const err = capture();
  const io = { cwd, env, stdout: out.s, stderr: err.s };
  const done = (async () => {
    try {
      const { _: positionals, ...values } = parseCommandArgs(permitsCommand, args);
      if (values.help === true) {
        io.stdout.write(renderHelp(permitsCommand));
        return 0;
      }
      return await permitsCommand.run({ io, values, positionals });
    } catch (e) {
      if (!isTmtError(e)) throw e;
      io.stderr.write(renderIssues(e.issues, makeStyle(io, 'stderr', true)));
      return 1;
    }
  })();
  return {
    stdout: out.text,
    stderr: err.text,
    async result() {
      const code = await done;
      await new Promise((r) => setImmediate(r));
      return { code, stdout: out.text(), stderr: err.text() };
    },
  };
}

const runCli = (args: string[], cwd: string, env?: Record<string, string | undefined>) => startCli(args, cwd, env).result();

const DAY = 86_400_000;

async function preparedProject() {
  const t = tempDir();
  writeFiles(t.dir, { 'tmt-import.config.yaml': 'stateDir: .state\nlogLevel: warn\n' });
  const now = Date.now();
  const at = (ms: number) => () => new Date(now + ms);
  const stateDir = join(t.dir, '.state');
  // Permits at different times, as a permit server would have stored them.
  const old = (await openSqliteState(stateDir, { now: at(-40 * DAY) })).permits;
  const oldSpent = await old.add({ person: 'p-aaaaaaaaaaaaaaa1', environment: 'sandbox', token: 'TOKEN-old-spent', jti: 'jti-old-0001', expiresAt: new Date(now - 40 * DAY + 3600_000).toISOString() });
  await old.markSpent(oldSpent.id, 'imported');
  await old.recordFailure({ person: 'p-aaaaaaaaaaaaaaa2', environment: 'test', status: 'denied', reason: 'PERMIT_DENIED: the person cancelled the approval' });
  await old.close();
  const recent = (await openSqliteState(stateDir, { now: at(-2 * 3600_000) })).permits;
  await recent.add({ person: 'p-aaaaaaaaaaaaaaa3', environment: 'sandbox', token: 'TOKEN-expired', jti: 'jti-expired-0002', expiresAt: new Date(now - 3600_000).toISOString() });
  await recent.close();
  const store = (await openSqliteState(stateDir, { now: at(0) })).permits;
  await store.add({ person: 'p-aaaaaaaaaaaaaaa4', environment: 'sandbox', token: 'TOKEN-active', jti: '0123456789abcdef0123', expiresAt: new Date(now + 3600_000).toISOString() });
  await store.recordFailure({ person: 'p-aaaaaaaaaaaaaaa5', environment: 'sandbox', status: 'failed', reason: 'PERMIT_EXCHANGE_FAILED: token exchange at http://x/token failed: HTTP 400 invalid_grant' });
  await store.close();
  return { ...t, stateDir };
}

test('permits --help shows all three subcommands with examples', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(['--help'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: tmt-import permits serve /);
    for (const sub of ['serve', 'list', 'purge']) {
      assert.match(r.stdout, new RegExp(`tmt-import permits ${sub} \\[`), sub);
      assert.match(r.stdout, new RegExp(`Examples:[\\s\\S]*\\n  tmt-import permits ${sub}`), `example of ${sub}`);
    }
    assert.match(r.stdout, /behind your service's own login/);
  } finally {
    cleanup();
  }
});

test('permits list --json: every record with pseudonym, status (expiry applied), jti prefix; never a token', async () => {
  const { dir, cleanup } = await preparedProject();
  try {
    const r = await runCli(['list', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { permits: Array<Record<string, string>>; counts: Record<string, number> };
    assert.equal(doc.permits.length, 5);
    assert.deepEqual(doc.permits.map((p) => [p.person, p.environment, p.status]), [
      ['p-aaaaaaaaaaaaaaa1', 'sandbox', 'spent'],
      ['p-aaaaaaaaaaaaaaa2', 'test', 'denied'],
      ['p-aaaaaaaaaaaaaaa3', 'sandbox', 'expired'],
      ['p-aaaaaaaaaaaaaaa4', 'sandbox', 'active'],
      ['p-aaaaaaaaaaaaaaa5', 'sandbox', 'failed'],
    ]);
    assert.deepEqual(doc.counts, { spent: 1, denied: 1, expired: 1, active: 1, failed: 1 });
    const active = doc.permits[3];
    assert.equal(active?.jtiPrefix, '01234567…');
    assert.ok(active?.expiresAt && active.obtainedAt);
    assert.equal(doc.permits[0]?.outcome, 'imported');
    assert.match(doc.permits[4]?.reason ?? '', /^PERMIT_EXCHANGE_FAILED/);
    assert.ok(!/TOKEN-/.test(r.stdout), 'no token in the listing');
    assert.ok(!r.stdout.includes('0123456789abcdef0123'), 'only a prefix of the jti');

    const filtered = await runCli(['list', '--status', 'active', '--env', 'sandbox', '--json'], dir);
    assert.deepEqual((JSON.parse(filtered.stdout) as { permits: Array<{ person: string }> }).permits.map((p) => p.person), ['p-aaaaaaaaaaaaaaa4']);
    const expired = await runCli(['list', '--status', 'expired', '--json'], dir);
    assert.deepEqual((JSON.parse(expired.stdout) as { permits: Array<{ person: string }> }).permits.map((p) => p.person), ['p-aaaaaaaaaaaaaaa3']);

    const table = await runCli(['list'], dir);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^PERSON +ENVIRONMENT +STATUS +OBTAINED +EXPIRES +JTI +NOTE/);
    assert.match(table.stdout, /p-aaaaaaaaaaaaaaa4 +sandbox +active +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +\d{4}-.*01234567…/);
    assert.match(table.stdout, /5 permits: /);
    assert.ok(!/TOKEN-/.test(table.stdout));

    const bad = await runCli(['list', '--status', 'activ'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /CLI_USAGE.*did you mean "active"/);
  } finally {
    cleanup();
  }
});

test('permits purge: deletes tokens of expired and spent permits and old records, with counts', async () => {
  const { dir, stateDir, cleanup } = await preparedProject();
  try {
    const r = await runCli(['purge', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    // The expired permit's token goes; the 40-day-old spent and denied records go.
    assert.deepEqual(JSON.parse(r.stdout), { tokensDeleted: 1, recordsDeleted: 2, keepDays: 30 });
    const store = (await openSqliteState(stateDir)).permits;
    assert.deepEqual((await store.list()).map((p) => p.status), ['expired', 'active', 'failed']);
    await store.close();
    const again = await runCli(['purge', '--keep-days', '0'], dir);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'Deleted 0 tokens of expired or spent permits and 2 records of permits finished more than 0 days ago.\n');
    const bad = await runCli(['purge', '--keep-days', '-1'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /CLI_USAGE/);
  } finally {
    cleanup();
  }
});

test('permits: usage errors name the problem', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [args, pattern] of [
      [[], /name a subcommand: serve, list or purge/],
      [['lsit'], /unknown subcommand "lsit" \(did you mean "list"\?\)/],
      [['list', '--port', '1'], /permits list does not take --port/],
      [['purge', 'now'], /unexpected argument "now"/],
      [['serve', '--port', 'x'], /--port must be a whole number/],
    ] as const) {
      const r = await runCli([...args], dir);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /CLI_USAGE/);
      assert.match(r.stderr, pattern);
    }
  } finally {
    cleanup();
  }
});

test('permits serve: refuses without secrets; otherwise serves until SIGINT, printing the start URL pattern', async () => {
  const { dir, cleanup } = tempDir();
  const tmt = await startFakeTmt({ clientId: 'tmt-import-sandbox', clientSecret: 'cs-1', subscriptionKey: 'sk-1' });
  try {
    writeFiles(dir, {
      'tmt-import.config.yaml': `stateDir: .state\nlogLevel: warn\nenvironments:\n  sandbox:\n    tokenUrl: ${tmt.tokenUrl}\n    authorizeUrl: ${tmt.authorizeUrl}\n`,
    });
    const missing = await runCli(['serve', '--port', '0'], dir, {});
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /CONFIG_SECRET_MISSING.*TMT_SANDBOX_CLIENT_SECRET/);
    const undefinedEnv = await runCli(['serve', '--env', 'staging', '--port', '0'], dir, {});
    assert.equal(undefinedEnv.code, 1);
    assert.match(undefinedEnv.stderr, /CONFIG_ENV_UNDEFINED/);

    const env = { TMT_SANDBOX_CLIENT_SECRET: 'cs-1', TMT_SANDBOX_SUBSCRIPTION_KEY: 'sk-1' };
    const text = startCli(['serve', '--port', '0'], dir, env);
    const deadline = Date.now() + 5000;
    while (!/Press Ctrl-C/.test(text.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(text.stdout(), /Permit server for environment "sandbox" listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(text.stdout(), /start an approval: +http:\/\/127\.0\.0\.1:\d+\/permits\/start\?person=<person key>/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text.stdout())?.[1] ?? '';
    const res = await fetch(`${url}/permits/start?person=someone`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.ok(res.headers.get('location')?.startsWith(tmt.authorizeUrl));
    process.emit('SIGINT');
    const done = await text.result();
    assert.equal(done.code, 0);
    await assert.rejects(fetch(`${url}/permits/health`), 'closed after SIGINT');

    const json = startCli(['serve', '--port', '0', '--json'], dir, env);
    while (!json.stdout().includes('\n') && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 10));
    const info = JSON.parse(json.stdout()) as { url: string; start: string; redirectUri: string; environment: string };
    assert.equal(info.environment, 'sandbox');
    assert.equal(info.redirectUri, `${info.url}/permits/callback`);
    assert.equal(info.start, `${info.url}/permits/start?person=<person key>`);
    assert.equal((await fetch(`${info.url}/permits/health`)).status, 200);
    process.emit('SIGTERM');
    assert.equal((await json.result()).code, 0);
  } finally {
    await tmt.close();
    cleanup();
  }
});
