import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli-harness.js';
import { repoRoot, tempDir } from '../helpers.js';
import { person, writeFiles } from '../fixtures.js';
import { withRaw, dbFileOf } from '../state/state-test-helpers.js';
import { startHarness, CLIENT_SECRET, SUBSCRIPTION_KEY, PSEUDONYM_SECRET } from './run-harness.js';

test('receipts verify passes after the demo and fails after a receipt row is altered', async () => {
  const t = tempDir();
  try {
    const stateDir = join(t.dir, 'state');
    const demo = await runCli(['demo', '--state-dir', stateDir, '--json', '--log-level', 'silent'], { cwd: repoRoot, env: { TMT_IMPORT_PSEUDONYM_SECRET: 's' } });
    assert.equal(demo.code, 0, demo.stderr);
    const doc = JSON.parse(demo.stdout) as { report: { byOutcome: Record<string, number> } };
    assert.ok((doc.report.byOutcome.imported ?? 0) >= 20);
    const demoState = join(stateDir, 'demo');
    const ok = await runCli(['receipts', 'verify', '--state-dir', demoState, '--json'], { cwd: repoRoot });
    assert.equal(ok.code, 0);
    const v = JSON.parse(ok.stdout) as { ok: boolean; count: number };
    assert.equal(v.ok, true);
    assert.equal(v.count, doc.report.byOutcome.imported);

    // Someone edits a receipt behind the program's back (dropping the append-only trigger first).
    withRaw(demoState, (db) => {
      db.exec('DROP TRIGGER receipts_no_update');
      db.prepare('UPDATE receipts SET http_status = 400 WHERE seq = 5').run();
    });
    const bad = await runCli(['receipts', 'verify', '--state-dir', demoState], { cwd: repoRoot });
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /BROKEN receipt chain: receipt #5/);
  } finally {
    t.cleanup();
  }
});

const DISTINCT = ['Zebulon Quaxworth', 'zebulon.quaxworth@example.net', '+358 40 765 4321', 'Xylophonic Widgets Ltd', 'Chief Quux Officer', 'Yxskaftbud gillar kaffe'];

test('a run leaves no personal data and no secrets in logs, the report, receipts or error output', async () => {
  const h = await startHarness({
    files: {
      'persons/4.json': {
        basics: { name: DISTINCT[0], email: DISTINCT[1], phone: DISTINCT[2] },
        work: [{ name: DISTINCT[3], position: DISTINCT[4], startDate: '2020-01', summary: DISTINCT[5] }],
        languages: [{ language: 'Finnish', fluency: 'Native speaker' }],
        consent: { work: true, languages: true },
      },
    },
  });
  try {
    await h.grant(DISTINCT[1]!);
    await h.grant('aino@example.org');
    const tokens = [(await h.store.findUsable(h.pseudonymize(DISTINCT[1]!), 'sandbox', new Date()))!.token, (await h.store.findUsable(h.pseudonymize('aino@example.org'), 'sandbox', new Date()))!.token];
    h.sandbox.setFaults({ errorRate: 0.5 });
    const secrets = [...DISTINCT, ...tokens, SUBSCRIPTION_KEY, CLIENT_SECRET, PSEUDONYM_SECRET, 'aino@example.org'];
    const outputs: string[] = [];
    for (const args of [
      ['run', 'simple.pipeline.yaml', '--log-level', 'trace', '--json'],
      ['run', 'simple.pipeline.yaml', '--log-level', 'trace'],
      ['receipts', 'export', '--person', DISTINCT[1]!, '--log-level', 'trace'],
      ['receipts', 'verify', '--log-level', 'trace'],
      ['dead-letters', 'list', '--json', '--log-level', 'trace'],
      ['permits', 'list', '--json', '--log-level', 'trace'],
    ]) {
      const r = await runCli(args, { cwd: h.dir, env: h.env });
      outputs.push(r.stdout, r.stderr);
    }
    // A wrong key: the error output must not show it either.
    const wrong = await runCli(['run', 'simple.pipeline.yaml', '--log-level', 'trace'], { cwd: h.dir, env: { ...h.env, TMT_SANDBOX_SUBSCRIPTION_KEY: 'wrong-key-value-123' } });
    outputs.push(wrong.stdout, wrong.stderr);
    secrets.push('wrong-key-value-123');
    const all = outputs.join('\n');
    assert.ok(all.includes(h.pseudonymize(DISTINCT[1]!)), 'the person appears, as a pseudonym');
    for (const s of secrets) assert.ok(!all.includes(s), `output contains "${s.slice(0, 12)}…"`);
    // Receipts in the database hold no profile content either.
    const receiptsText = withRaw(join(h.dir, '.state'), (db) => JSON.stringify(db.prepare('SELECT * FROM receipts').all()));
    assert.ok(receiptsText.length > 10);
    for (const s of secrets) assert.ok(!receiptsText.includes(s), `receipts contain "${s.slice(0, 12)}…"`);
  } finally {
    await h.close();
  }
});

test('dead letters: listed with their reason; a retry needs a fresh permit, then imports; purge drops old profiles', async () => {
  const h = await startHarness();
  try {
    await h.grant('aino@example.org');
    h.sandbox.setFaults({ errorRate: 1 });
    const run = await runCli(['run', 'simple.pipeline.yaml', '--json'], { cwd: h.dir, env: h.env });
    assert.equal(run.code, 2);
    const list = await runCli(['dead-letters', 'list', '--json'], { cwd: h.dir, env: h.env });
    const letters = JSON.parse(list.stdout) as Array<{ id: string; person: string; reason: string; payloadKept: boolean }>;
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.reason, 'TARGET_UNAVAILABLE');
    assert.equal(letters[0]?.payloadKept, true);
    h.sandbox.setFaults({});
    const noPermit = await runCli(['dead-letters', 'retry'], { cwd: h.dir, env: h.env });
    assert.equal(noPermit.code, 2);
    assert.match(noPermit.stdout, /needs-permit .*fresh permit/);
    await h.grant('aino@example.org');
    const retried = await runCli(['dead-letters', 'retry', '--json'], { cwd: h.dir, env: h.env });
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.equal((JSON.parse(retried.stdout) as Array<{ result: string }>)[0]?.result, 'imported');
    assert.ok(h.sandbox.profile(h.pseudonymize('aino@example.org')), 'the sandbox holds the profile now');
    const open = await runCli(['dead-letters', 'list', '--json'], { cwd: h.dir, env: h.env });
    assert.deepEqual(JSON.parse(open.stdout), []);

    // Retention: with 0 days, a purge deletes the kept profiles of dead letters.
    await h.grant('bertil@example.org');
    h.sandbox.setFaults({ errorRate: 1 });
    await runCli(['run', 'simple.pipeline.yaml'], { cwd: h.dir, env: h.env });
    writeFiles(h.dir, { 'tmt-import.config.yaml': `${(await import('node:fs')).readFileSync(join(h.dir, 'tmt-import.config.yaml'), 'utf8')}retention:\n  deadLetterPayloadDays: 0\n` });
    const purged = await runCli(['purge', '--json'], { cwd: h.dir, env: h.env });
    assert.equal(purged.code, 0, purged.stderr);
    assert.ok((JSON.parse(purged.stdout) as { deadLetterPayloadsDeleted: number }).deadLetterPayloadsDeleted >= 1);
    const after = JSON.parse((await runCli(['dead-letters', 'list', '--json'], { cwd: h.dir, env: h.env })).stdout) as Array<{ payloadKept: boolean }>;
    assert.ok(after.every((d) => !d.payloadKept));
  } finally {
    await h.close();
  }
});

test('a corrupted or missing state database is a clear error, never a silent fresh start', async () => {
  const h = await startHarness();
  try {
    await h.grant('aino@example.org');
    await h.state.close();
    const stateDir = join(h.dir, '.state');
    const db = dbFileOf(stateDir);
    writeFileSync(db, 'this is not a database '.repeat(200));
    for (const f of ['-wal', '-shm']) rmSync(db + f, { force: true });
    const corrupt = await runCli(['run', 'simple.pipeline.yaml'], { cwd: h.dir, env: h.env });
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /STATE_CORRUPT/);
    assert.equal(h.sandbox.imports().length, 0);
    rmSync(db);
    const missing = await runCli(['run', 'simple.pipeline.yaml'], { cwd: h.dir, env: h.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /STATE_MISSING/);
    assert.equal(h.sandbox.imports().length, 0);
  } finally {
    await h.permitServer.close();
    await h.sandbox.close();
  }
});

test('--resume without an interrupted run is a coded error; --max-failures aborts cleanly with exit 3', async () => {
  const many: Record<string, object> = {};
  for (let i = 10; i < 40; i++) many[`persons/${i}.json`] = person(`p${i}@example.org`, { work: true });
  const h = await startHarness({ files: many });
  try {
    const r = await runCli(['run', 'simple.pipeline.yaml', '--resume'], { cwd: h.dir, env: h.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RUN_NOTHING_TO_RESUME/);
    for (let i = 10; i < 40; i++) await h.grant(`p${i}@example.org`);
    h.sandbox.setFaults({ errorRate: 1 });
    const aborted = await runCli(['run', 'simple.pipeline.yaml', '--max-failures', '3', '--concurrency', '1', '--json'], { cwd: h.dir, env: h.env });
    assert.equal(aborted.code, 3, aborted.stderr);
    const doc = JSON.parse(aborted.stdout) as { report: { aborted?: { code: string }; byOutcome: Record<string, number> } };
    assert.equal(doc.report.aborted?.code, 'RUN_TOO_MANY_FAILURES');
    assert.equal(doc.report.byOutcome.failed, 4);
    assert.ok((await h.store.list({ status: 'active' })).length >= 20, 'persons not reached keep their permits');
  } finally {
    await h.close();
  }
});
