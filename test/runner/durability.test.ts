import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromRoot } from '../helpers.js';
import { person } from '../fixtures.js';
import { startHarness, type Harness } from './run-harness.js';

const BIN = fromRoot('bin/tmt-import.js');

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI in a child process; optionally SIGKILL it once `killWhen` says so. */
function runChild(h: Harness, args: string[], killWhen?: () => boolean): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: h.dir, env: { ...h.env, PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    let timer: NodeJS.Timeout | undefined;
    if (killWhen) {
      timer = setInterval(() => {
        if (killWhen()) {
          child.kill('SIGKILL');
          clearInterval(timer);
        }
      }, 2);
    }
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Persons with permits granted directly from the sandbox (the same token path as an approval). */
async function prepare(n: number, sandbox: { latencyMs?: number } = {}): Promise<{ h: Harness; keys: string[] }> {
  const files: Record<string, object> = {};
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `person${i}@example.org`;
    keys.push(key);
    files[`persons/${String(i).padStart(4, '0')}.json`] = person(key, { work: true, languages: true });
  }
  const h = await startHarness({ files: { 'persons/1.json': '[]', 'persons/2.json': '[]', 'persons/3.json': '[]', ...files } });
  for (const key of keys) {
    const p = h.pseudonymize(key);
    const t = h.sandbox.issueToken(p);
    await h.state.permits.add({ person: p, environment: 'sandbox', token: t.access_token, jti: t.jti, expiresAt: new Date(Date.now() + t.expires_in * 1000).toISOString() });
  }
  if (sandbox.latencyMs) h.sandbox.setFaults({ latencyMs: sandbox.latencyMs });
  return { h, keys };
}

function applied(h: Harness): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of h.sandbox.imports()) if (i.status === 204 || i.fault === 'dropped-after') m.set(i.personId, (m.get(i.personId) ?? 0) + 1);
  return m;
}

for (const killAt of [1, 7, 18]) {
  test(`SIGKILL after ${killAt} imports, then run again: nobody imported twice, nobody silently missing`, async () => {
    const { h, keys } = await prepare(30, { latencyMs: 40 });
    try {
      const first = await runChild(h, ['run', 'simple.pipeline.yaml', '--concurrency', '4', '--json'], () => h.sandbox.imports().length >= killAt);
      assert.equal(first.signal, 'SIGKILL');
      const importsAtKill = h.sandbox.imports().length;
      assert.ok(importsAtKill < 30, 'killed part-way');
      await sleep(100); // requests the dead process had in flight reach the sandbox
      h.sandbox.setFaults({});

      const second = await runChild(h, ['run', 'simple.pipeline.yaml', '--concurrency', '4', '--json']);
      assert.ok(second.code === 0 || second.code === 2, `second run exit ${second.code}: ${second.stderr.slice(-500)}`);
      const report = JSON.parse(second.stdout) as { report: { settledFromEarlierRun?: Array<{ person: string; outcome: string }>; byOutcome: Record<string, number> }; notImported: Array<{ person: string; outcome: string; reason?: string }> };
      const counts = applied(h);
      // Nobody imported twice.
      for (const [p, n] of counts) assert.equal(n, 1, `${p} imported ${n} times`);
      // Everybody accounted for: imported in the sandbox, or reported with a reason.
      const unknown = new Set((report.report.settledFromEarlierRun ?? []).map((s) => s.person));
      const reported = new Set(report.notImported.map((r) => r.person));
      for (const key of keys) {
        const p = h.pseudonymize(key);
        assert.ok(counts.has(p) || unknown.has(p) || reported.has(p), `${p} is neither imported nor reported`);
      }
      // Persons in flight at the kill are reported as unknown, never sent again.
      for (const s of report.report.settledFromEarlierRun ?? []) assert.equal(s.outcome, 'unknown');
      assert.ok(!second.stdout.includes('example.org'), 'no person keys in the report');
    } finally {
      await h.close();
    }
  });
}

test('two runs of one pipeline started together: one runs, the other exits with the locked code 4', async () => {
  const { h } = await prepare(20, { latencyMs: 30 });
  try {
    const [a, b] = await Promise.all([runChild(h, ['run', 'simple.pipeline.yaml', '--json']), runChild(h, ['run', 'simple.pipeline.yaml', '--json'])]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 4], `exit codes ${a.code} ${b.code}: ${a.stderr.slice(-300)} ${b.stderr.slice(-300)}`);
    const locked = a.code === 4 ? a : b;
    assert.match(locked.stderr, /STATE_LOCKED/);
    for (const [, n] of applied(h)) assert.equal(n, 1);
  } finally {
    await h.close();
  }
});

test('1,000 persons against 5xx, 429, dropped connections and latency: each imported exactly once or reported, and the sandbox agrees', async () => {
  const { h, keys } = await prepare(1000);
  try {
    h.sandbox.setFaults({ errorRate: 0.2, dropRate: 0.03, latencyMs: 2, latencyJitterMs: 4, rateLimit: { limit: 150, windowSeconds: 1 } });
    const r = await runChild(h, ['run', 'simple.pipeline.yaml', '--concurrency', '8', '--json']);
    assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr.slice(-500)}`);
    const doc = JSON.parse(r.stdout) as { report: { byOutcome: Record<string, number>; persons: number }; notImported: Array<{ person: string; outcome: string; reason?: string }> };
    const counts = applied(h);
    for (const [p, n] of counts) assert.equal(n, 1, `${p} imported ${n} times`);
    const notImported = new Map(doc.notImported.map((x) => [x.person, x]));
    let imported = 0;
    for (const key of keys) {
      const p = h.pseudonymize(key);
      const reportedNot = notImported.get(p);
      if (reportedNot) {
        assert.ok(reportedNot.reason, `${p} has a reason`);
        // A person reported as failed (not unknown) was not applied by the sandbox.
        if (reportedNot.outcome === 'failed') assert.equal(counts.has(p), false, `${p} failed but the sandbox applied it`);
      } else {
        assert.equal(counts.get(p), 1, `${p} reported imported but not in the sandbox`);
        imported++;
      }
    }
    assert.equal(imported, doc.report.byOutcome.imported);
    assert.ok(imported > 500, `most persons got through the faults (${imported})`);
    const log = h.sandbox.imports();
    assert.ok(log.some((i) => i.status >= 500), 'gateway errors happened');
    assert.ok(log.some((i) => i.fault === 'dropped-before' || i.fault === 'dropped-after'), 'dropped connections happened');
  } finally {
    await h.close();
  }
});
