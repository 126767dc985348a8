import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTmtError } from '../../src/errors.js';
import { createStateSigner, resolveStateSecret, STATE_KEY_FILE, STATE_SECRET_ENV } from '../../src/permits/state-token.js';
import { tempDir } from '../helpers.js';

const PERSON = 'p-0123456789abcdef';

test('a signed state verifies once, carrying the pseudonym and environment', () => {
  const signer = createStateSigner({ secret: 'k'.repeat(32) });
  const state = signer.sign({ person: PERSON, environment: 'sandbox' });
  assert.match(state, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, 'base64url payload . base64url HMAC-SHA256');
  const check = signer.verify(state);
  assert.equal(check.ok, true);
  assert.ok(check.ok);
  assert.equal(check.person, PERSON);
  assert.equal(check.environment, 'sandbox');
  // Each state is different (nonce), and each is single-use.
  assert.notEqual(signer.sign({ person: PERSON, environment: 'sandbox' }), state);
  assert.deepEqual(signer.verify(state), { ok: false, reason: 'reused' });
});

test('tampered, forged and malformed states are refused', () => {
  const signer = createStateSigner({ secret: 'k'.repeat(32) });
  const state = signer.sign({ person: PERSON, environment: 'sandbox' });
  const [body, sig] = state.split('.') as [string, string];
  // Change the person inside the payload, keeping the old signature.
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forgedBody = Buffer.from(JSON.stringify({ ...payload, p: 'p-ffffffffffffffff' })).toString('base64url');
  assert.deepEqual(signer.verify(`${forgedBody}.${sig}`), { ok: false, reason: 'signature' });
  // Flip one character of the signature.
  const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
  assert.deepEqual(signer.verify(`${body}.${flipped}`), { ok: false, reason: 'signature' });
  // Signed with another secret.
  const other = createStateSigner({ secret: 'x'.repeat(32) });
  assert.deepEqual(signer.verify(other.sign({ person: PERSON, environment: 'sandbox' })), { ok: false, reason: 'signature' });
  for (const bad of ['', 'no-dot', '.x', 'a.b.c', `${body}.`, 'x'.repeat(5000)]) assert.equal(signer.verify(bad).ok, false, bad.slice(0, 20));
  // The untouched state still works (refusals do not use it up).
  assert.equal(signer.verify(state).ok, true);
});

test('a state expires after its time to live (15 minutes by default)', () => {
  let now = new Date('2030-01-01T10:00:00Z');
  const signer = createStateSigner({ secret: 'k'.repeat(32), now: () => now });
  const a = signer.sign({ person: PERSON, environment: 'sandbox' });
  const b = signer.sign({ person: PERSON, environment: 'sandbox' });
  now = new Date('2030-01-01T10:14:59Z');
  assert.equal(signer.verify(a).ok, true);
  now = new Date('2030-01-01T10:15:00Z');
  assert.deepEqual(signer.verify(b), { ok: false, reason: 'expired' });
  const short = createStateSigner({ secret: 'k'.repeat(32), now: () => now, ttlMs: 1000 });
  const c = short.sign({ person: PERSON, environment: 'sandbox' });
  now = new Date(now.getTime() + 1000);
  assert.deepEqual(short.verify(c), { ok: false, reason: 'expired' });
});

test('the state secret: from the environment, else a 0600 key file created once and reused', () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.deepEqual(resolveStateSecret({ env: { [STATE_SECRET_ENV]: 's3cret-from-env' }, stateDir: dir }), { secret: 's3cret-from-env', source: 'env' });
    const stateDir = join(dir, 'state');
    const first = resolveStateSecret({ env: {}, stateDir });
    assert.equal(first.source, 'state-file');
    const file = join(stateDir, STATE_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    assert.equal(readFileSync(file).length, 32);
    const second = resolveStateSecret({ env: {}, stateDir });
    assert.deepEqual(Buffer.from(second.secret), Buffer.from(first.secret));
    // A state signed by one server process verifies in the next (same key file).
    const state = createStateSigner({ secret: first.secret }).sign({ person: PERSON, environment: 'sandbox' });
    assert.equal(createStateSigner({ secret: second.secret }).verify(state).ok, true);
    // A damaged key file is a coded error, not a silent new key.
    writeFileSync(file, 'short');
    assert.throws(() => resolveStateSecret({ env: {}, stateDir }), (e: unknown) => isTmtError(e) && e.code === 'PERMIT_STORE_UNREADABLE' && e.message.includes(file));
  } finally {
    cleanup();
  }
});
