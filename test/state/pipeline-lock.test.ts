import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isTmtError } from '../../src/errors.js';
import { acquirePipelineLock, currentBootId, LOCKS_DIR, lockFileName } from '../../src/state/pipeline-lock.js';
import { fromRoot, tempDir } from '../helpers.js';

const isLocked = (...inMessage: string[]) => (e: unknown) => {
  assert.ok(isTmtError(e), String(e));
  assert.equal(e.code, 'STATE_LOCKED', e.message);
  for (const m of inMessage) assert.ok(e.message.includes(m), `"${e.message}" should name ${m}`);
  return true;
};

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(child.pid);
  return child.pid;
}

function writeLock(stateDir: string, pipeline: string, holder: object): string {
  mkdirSync(join(stateDir, LOCKS_DIR), { recursive: true });
  const file = join(stateDir, LOCKS_DIR, lockFileName(pipeline));
  writeFileSync(file, JSON.stringify(holder));
  return file;
}

test('one holder at a time: a second acquisition fails with STATE_LOCKED naming the holder; release frees it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lock = await acquirePipelineLock(dir, 'people');
    assert.equal(lock.stale, false);
    assert.equal(lock.file, join(dir, LOCKS_DIR, 'people.lock'));
    const holder = JSON.parse(readFileSync(lock.file, 'utf8')) as { pid: number; host: string; startedAt: string; pipeline: string };
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.equal(holder.pipeline, 'people');
    await assert.rejects(acquirePipelineLock(dir, 'people'), (e: unknown) => {
      isLocked('"people"', String(process.pid), holder.startedAt, lock.file)(e);
      assert.match((e as { issues: Array<{ hint?: string }> }).issues[0]?.hint ?? '', /Wait for that run to finish.*remove/);
      return true;
    });
    // Another pipeline has its own lock.
    const other = await acquirePipelineLock(dir, 'others');
    await lock.release();
    assert.equal(existsSync(lock.file), false);
    await lock.release(); // idempotent
    const again = await acquirePipelineLock(dir, 'people');
    assert.equal(again.stale, false);
    await again.release();
    await other.release();
  } finally {
    cleanup();
  }
});

test('a lock left by a dead process is taken over and reported as stale', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pid = await deadPid();
    const file = writeLock(dir, 'people', { pid, host: hostname(), startedAt: '2030-01-01T00:00:00.000Z', pipeline: 'people' });
    const lock = await acquirePipelineLock(dir, 'people');
    assert.equal(lock.stale, true);
    assert.deepEqual(lock.previous, { pid, host: hostname(), startedAt: '2030-01-01T00:00:00.000Z', pipeline: 'people' });
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
    await assert.rejects(acquirePipelineLock(dir, 'people'), isLocked());
    await lock.release();
  } finally {
    cleanup();
  }
});

test('a lock held by a live process, or by a process on another host, is respected (unless taken in an earlier boot)', async () => {
  const { dir, cleanup } = tempDir();
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    assert.ok(child.pid);
    const file = writeLock(dir, 'people', { pid: child.pid, host: hostname(), startedAt: '2030-01-01T00:00:00.000Z', pipeline: 'people' });
    await assert.rejects(acquirePipelineLock(dir, 'people'), isLocked(`process ${child.pid}`, '2030-01-01T00:00:00.000Z'));
    assert.ok(existsSync(file), 'left in place');
    // The same pid in a lock taken in an earlier boot of the machine belongs to another process: stale.
    writeLock(dir, 'people', { pid: child.pid, host: hostname(), startedAt: '2030-01-01T00:00:00.000Z', pipeline: 'people', bootId: 'an-earlier-boot' });
    if (currentBootId()) {
      const lock = await acquirePipelineLock(dir, 'people');
      assert.equal(lock.stale, true);
      assert.equal((JSON.parse(readFileSync(lock.file, 'utf8')) as { bootId?: string }).bootId, currentBootId());
      await lock.release();
    } else {
      await assert.rejects(acquirePipelineLock(dir, 'people'), isLocked(), 'without boot ids a live pid holds the lock');
    }

    writeLock(dir, 'people', { pid: await deadPid(), host: 'some-other-host.example', startedAt: '2030-01-01T00:00:00.000Z', pipeline: 'people' });
    await assert.rejects(acquirePipelineLock(dir, 'people'), isLocked('some-other-host.example'));
  } finally {
    child?.kill();
    cleanup();
  }
});

test('an unreadable lock file is respected while fresh and taken over once old', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, LOCKS_DIR), { recursive: true });
    const file = join(dir, LOCKS_DIR, 'people.lock');
    writeFileSync(file, '{"pid":');
    await assert.rejects(acquirePipelineLock(dir, 'people'), isLocked('being written or is damaged'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const lock = await acquirePipelineLock(dir, 'people');
    assert.equal(lock.stale, true);
    assert.equal(lock.previous, undefined);
    await lock.release();
  } finally {
    cleanup();
  }
});

test('the lock is removed when its process exits without releasing it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const module = fromRoot('dist/src/state/pipeline-lock.js');
    const script = `
      const { acquirePipelineLock } = await import(${JSON.stringify(module)});
      const lock = await acquirePipelineLock(${JSON.stringify(dir)}, 'people');
      console.log(lock.file);
    `;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    assert.equal(out.code, 0);
    assert.equal(out.stdout.trim(), join(dir, LOCKS_DIR, 'people.lock'));
    assert.equal(existsSync(out.stdout.trim()), false);
  } finally {
    cleanup();
  }
});

test('two processes racing for one lock: exactly one wins', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const module = fromRoot('dist/src/state/pipeline-lock.js');
    const script = `
      const { acquirePipelineLock } = await import(${JSON.stringify(module)});
      try {
        await acquirePipelineLock(${JSON.stringify(dir)}, 'people');
        console.log('won');
        await new Promise((r) => setTimeout(r, 500));
      } catch (e) {
        console.log(e.code);
      }
    `;
    const runOne = () =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c));
        child.on('close', () => resolve(stdout.trim()));
      });
    const results = await Promise.all([runOne(), runOne(), runOne()]);
    assert.deepEqual(results.sort(), ['STATE_LOCKED', 'STATE_LOCKED', 'won']);
  } finally {
    cleanup();
  }
});

test('lock file names are safe for any pipeline name', () => {
  assert.equal(lockFileName('jsonresume-files'), 'jsonresume-files.lock');
  const odd = lockFileName('../etc/passwd');
  assert.match(odd, /^etc_passwd-[0-9a-f]{12}\.lock$/);
  assert.notEqual(lockFileName('a b'), lockFileName('a_b'));
  assert.ok(!lockFileName('x/y').includes('/'));
});
