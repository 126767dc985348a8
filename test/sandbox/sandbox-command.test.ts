import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseCommandArgs, renderHelp } from '../../src/cli/command.js';
import { runSandboxCommand, sandboxCommand } from '../../src/cli/commands/sandbox.js';
import type { RunningSandbox } from '../../src/sandbox/sandbox-server.js';
import { fromRoot, tempDir } from '../helpers.js';
import { basic, CALLBACK } from './sandbox-fixtures.js';

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { s, text: () => text };
}

async function runInProcess(args: string[], env: Record<string, string>, cwd: string, whileRunning: (sb: RunningSandbox, stdout: () => string) => Promise<void>) {
  const out = capture();
  const err = capture();
  const { _: positionals, ...values } = parseCommandArgs(sandboxCommand, args);
  let release: () => void = () => {};
  const stop = new Promise<void>((r) => (release = r));
  let started: RunningSandbox | undefined;
  const running = runSandboxCommand({ io: { env, cwd, stdout: out.s, stderr: err.s }, values, positionals }, stop, (sb) => (started = sb));
  while (!started || !out.text().includes('Stop with')) await new Promise((r) => setTimeout(r, 10));
  try {
    await whileRunning(started, out.text);
  } finally {
    release();
  }
  const code = await running;
  return { code, stdout: out.text(), stderr: err.text() };
}

test('sandbox --help has usage and examples', () => {
  const help = renderHelp(sandboxCommand);
  assert.match(help, /^Usage: tmt-import sandbox/);
  assert.match(help, /Examples:\n  tmt-import sandbox/);
  assert.match(help, /--auto-approve/);
  assert.match(help, /--rate-limit N\/S/);
});

test('with no environment variables it uses and prints the sandbox defaults; exit 0 after stop', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runInProcess(['--port', '0', '--rate-limit', '7/2', '--token-ttl', '120', '--log-level', 'silent'], {}, dir, async (sb, stdout) => {
      const text = stdout();
      assert.ok(text.includes(sb.url));
      assert.match(text, /export TMT_SANDBOX_CLIENT_SECRET=sandbox-client-secret/);
      assert.match(text, /export TMT_SANDBOX_SUBSCRIPTION_KEY=sandbox-subscription-key/);
      assert.match(text, /sandbox default \(TMT_SANDBOX_CLIENT_SECRET is not set\)/);
      assert.match(text, /7 requests per 2 s/);
      assert.match(text, /PUT {2}\/v1\/profile/);
      assert.match(text, /Example:\n {2}open "http:\/\/127\.0\.0\.1:\d+\/authorize\?response_type=code/);
      assert.match(text, /warning: the project config's sandbox environment does not point here/);
      const h = await fetch(`${sb.url}/_sandbox/health`);
      assert.equal(h.status, 200);
      await h.arrayBuffer();
      const token = sb.issueToken('p');
      const put = await fetch(`${sb.url}/v1/profile`, { method: 'PUT', headers: { 'KIPA-Subscription-Key': 'sandbox-subscription-key', Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' }, body: '{"languageSkills":[{"code":"fi","level":"C2"}]}' });
      assert.equal(put.headers.get('ratelimit-limit'), '7');
      assert.equal(token.expires_in, 120);
    });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /sandbox stopped\n$/);
  } finally {
    cleanup();
  }
});

test('credentials come from the environment variables the project config names; --config-file adds clients and persons', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(
      join(dir, 'tmt-import.config.yaml'),
      ['environments:', '  sandbox:', '    clientId: my-cv-service', '    clientSecretEnv: MY_SECRET', '    subscriptionKeyEnv: MY_KEY', '    redirectUri: https://cv.example.test/tmt/callback', 'logLevel: silent', ''].join('\n'),
    );
    writeFileSync(
      join(dir, 'sandbox.yaml'),
      ['clients:', '  - clientId: second', '    clientSecret: second-secret', '    name: Toinen Oy', '    redirectUris: [http://127.0.0.1/cb]', 'subscriptionKeys: [extra-key]', 'persons:', '  seeded-1:', '    languageSkills: [{code: fi, level: C2}]', ''].join('\n'),
    );
    const env = { MY_SECRET: 'from-env-secret', MY_KEY: 'from-env-key' };
    const r = await runInProcess(['--port', '0', '--config-file', 'sandbox.yaml', '--auto-approve'], env, dir, async (sb, stdout) => {
      const text = stdout();
      assert.match(text, /client secret {5}from MY_SECRET/);
      assert.match(text, /subscription key {2}from MY_KEY/);
      assert.ok(!text.includes('export '), 'nothing to export');
      assert.ok(!text.includes('from-env-secret'), 'a secret from the environment is not printed');
      // The configured client, secret, key and redirect URI work.
      const loc = await fetch(`${sb.url}/authorize?response_type=code&client_id=my-cv-service&redirect_uri=${encodeURIComponent('https://cv.example.test/tmt/callback')}&state=s`, { redirect: 'manual' });
      assert.equal(loc.status, 302);
      const code = new URL(loc.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const tok = await fetch(`${sb.url}/v1/request-token`, {
        method: 'POST',
        headers: { 'KIPA-Subscription-Key': 'from-env-key', Authorization: basic('my-cv-service', 'from-env-secret') },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://cv.example.test/tmt/callback' }),
      });
      assert.equal(tok.status, 200);
      await tok.arrayBuffer();
      const second = await fetch(`${sb.url}/authorize?response_type=code&client_id=second&redirect_uri=${encodeURIComponent('http://127.0.0.1:5/cb')}`, { redirect: 'manual' });
      assert.equal(second.status, 302);
      assert.deepEqual(sb.profile('seeded-1'), { languageSkills: [{ code: 'fi', level: 'C2' }] });
      const key = await fetch(`${sb.url}/v1/profile`, { headers: { 'KIPA-Subscription-Key': 'extra-key' } });
      assert.equal(key.status, 401, 'key accepted, token missing');
      assert.match(key.headers.get('www-authenticate') ?? '', /Bearer/);
    });
    assert.equal(r.code, 0);
  } finally {
    cleanup();
  }
});

test('bad flags and a bad config file are usage/config errors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'bad.yaml'), 'clients: 3\n');
    const never = new Promise<void>(() => {});
    const run = (args: string[]) => {
      const { _: positionals, ...values } = parseCommandArgs(sandboxCommand, args);
      return runSandboxCommand({ io: { env: {}, cwd: dir, stdout: new PassThrough(), stderr: new PassThrough() }, values, positionals }, never);
    };
    await assert.rejects(run(['--rate-limit', 'fast']), /--rate-limit must be N\/S/);
    await assert.rejects(run(['--port=-1']), /--port/);
    await assert.rejects(run(['--port', '70000']), /--port/);
    await assert.rejects(run(['extra']), /unexpected argument/);
    await assert.rejects(run(['--port', '0', '--config-file', 'bad.yaml', '--log-level', 'silent']), (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID');
  } finally {
    cleanup();
  }
});

test('as a process it serves until SIGTERM, then closes cleanly with exit code 0', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cmd = pathToFileURL(fromRoot('dist/src/cli/commands/sandbox.js')).href;
    const command = pathToFileURL(fromRoot('dist/src/cli/command.js')).href;
    const script = `
      const { sandboxCommand } = await import(${JSON.stringify(cmd)});
      const { parseCommandArgs } = await import(${JSON.stringify(command)});
      const { _: positionals, ...values } = parseCommandArgs(sandboxCommand, ['--port', '0', '--log-level', 'silent']);
      process.exitCode = await sandboxCommand.run({ io: { env: {}, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }, values, positionals });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 15_000;
    while (!/Stop with/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(url, stdout);
    const page = await fetch(`${url}/authorize?response_type=code&client_id=tmt-import-sandbox&redirect_uri=${encodeURIComponent(CALLBACK)}&state=x`);
    assert.equal(page.status, 200);
    await page.arrayBuffer();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /sandbox stopped/);
    await assert.rejects(fetch(`${url}/_sandbox/health`));
  } finally {
    cleanup();
  }
});
