/** The receipt hash chain: its format, verification, tampering, and concurrent writers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH, normalizeReceiptInput } from '../../src/state/receipt-chain.js';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import type { Receipt, ReceiptInput } from '../../src/state/state-store.js';
import { fromRoot, tempDir } from '../helpers.js';
import { pseudonym, withRaw } from './state-test-helpers.js';

const input = (n: number, extra: Partial<ReceiptInput> = {}): ReceiptInput => ({
  runId: 'run-1',
  pipeline: 'people',
  pipelineHash: 'a'.repeat(64),
  environment: 'sandbox',
  person: pseudonym(n),
  jti: `jti-${n}`,
  sectionsSent: ['workExperience', 'skills'],
  withheld: [{ section: 'education', reason: 'not-permitted', rule: 'consent.sections.education.when' }, { section: 'workExperience', field: 'description', reason: 'field-withheld', rule: 'consent.sections.workExperience.withhold' }],
  httpStatus: 204,
  outcome: 'imported',
  at: new Date(Date.UTC(2030, 0, 1, 10, 0, n)).toISOString(),
  ...extra,
});

test('canonicalJson sorts keys at every level and leaves out undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  assert.equal(canonicalJson(['é', '"']), '["é","\\""]');
  assert.throws(() => canonicalJson({ n: Number.NaN }), /finite/);
});

test('receipts: hash = sha256(prevHash + canonical JSON of the fields); the first links to 64 zeros', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const r1 = await state.appendReceipt(input(1));
    const r2 = await state.appendReceipt(input(2, { httpStatus: undefined, outcome: 'unknown', jti: undefined }));
    assert.equal(r1.seq, 1);
    assert.equal(r1.prevHash, GENESIS_HASH);
    assert.equal(r2.seq, 2);
    assert.equal(r2.prevHash, r1.hash);
    const expected = (prev: string, r: typeof r1) => {
      const { prevHash: _p, hash: _h, ...fields } = r;
      return createHash('sha256').update(prev + canonicalJson(fields)).digest('hex');
    };
    assert.equal(r1.hash, expected(GENESIS_HASH, r1));
    assert.equal(r2.hash, expected(r1.hash, r2));
    assert.ok(!('httpStatus' in r2) && !('jti' in r2), 'absent fields stay absent');
    assert.deepEqual(await state.receiptsFor(pseudonym(2)), [r2]);
    assert.deepEqual(await state.verifyReceipts(), { ok: true, count: 2 });
    await state.close();
  } finally {
    cleanup();
  }
});

test('a receipt holds names, descriptors, pseudonyms and times only', () => {
  const withExtras = { ...input(1), profile: { name: 'Maija' } } as unknown as ReceiptInput;
  (withExtras.withheld[0] as unknown as Record<string, unknown>).value = 'a withheld value';
  const n = normalizeReceiptInput(withExtras);
  assert.ok(!('profile' in n));
  assert.deepEqual(n.withheld[0], { section: 'education', reason: 'not-permitted', rule: 'consent.sections.education.when' });
  assert.throws(() => normalizeReceiptInput({ ...input(1), person: 'maija@example.org' }), /pseudonym/);
  assert.throws(() => normalizeReceiptInput({ ...input(1), sectionsSent: [{ skills: [] }] as unknown as string[] }), /section name/);
  assert.throws(() => normalizeReceiptInput({ ...input(1), httpStatus: 42 }), /HTTP status/);
});

test('verifyReceipts reports the first changed, relinked or removed receipt', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state = await openSqliteState(dir);
    const receipts: Receipt[] = [];
    for (let i = 1; i <= 6; i++) receipts.push(await state.appendReceipt(input(i)));
    assert.deepEqual(await state.verifyReceipts(), { ok: true, count: 6 });
    // The table refuses changes through SQL: a tamperer has to drop the guards first.
    assert.throws(() => withRaw(dir, (db) => db.prepare(`UPDATE receipts SET outcome = 'rejected' WHERE seq = 3`).run()), /append-only/);
    assert.throws(() => withRaw(dir, (db) => db.prepare(`DELETE FROM receipts WHERE seq = 3`).run()), /append-only/);
    withRaw(dir, (db) => db.exec('DROP TRIGGER receipts_no_update; DROP TRIGGER receipts_no_delete'));

    // A changed field.
    withRaw(dir, (db) => db.prepare(`UPDATE receipts SET outcome = 'rejected' WHERE seq = 3`).run());
    let v = await state.verifyReceipts();
    assert.equal(v.ok, false);
    assert.equal(v.firstBad?.seq, 3);
    assert.equal(v.firstBad?.receiptId, receipts[2]?.receiptId);
    assert.match(v.firstBad?.reason ?? '', /hash does not match/);
    withRaw(dir, (db) => db.prepare(`UPDATE receipts SET outcome = 'imported' WHERE seq = 3`).run());
    assert.equal((await state.verifyReceipts()).ok, true, 'put back');

    // A changed withheld list, with its own hash recomputed: the next receipt's link breaks.
    withRaw(dir, (db) => {
      const r = receipts[2]!;
      const forged = { ...r, withheld: [] };
      const { prevHash: _p, hash: _h, ...fields } = forged;
      const hash = createHash('sha256').update(r.prevHash + canonicalJson(fields)).digest('hex');
      db.prepare(`UPDATE receipts SET withheld = '[]', hash = ? WHERE seq = 3`).run(hash);
    });
    v = await state.verifyReceipts();
    assert.equal(v.firstBad?.seq, 4);
    assert.match(v.firstBad?.reason ?? '', /prevHash does not match the hash of receipt 3/);
    withRaw(dir, (db) => db.prepare(`UPDATE receipts SET withheld = ?, hash = ? WHERE seq = 3`).run(JSON.stringify(receipts[2]!.withheld), receipts[2]!.hash));
    assert.equal((await state.verifyReceipts()).ok, true, 'put back');

    // A removed receipt in the middle.
    withRaw(dir, (db) => db.prepare(`DELETE FROM receipts WHERE seq = 2`).run());
    v = await state.verifyReceipts();
    assert.deepEqual(v.firstBad, { seq: 3, receiptId: receipts[2]?.receiptId, reason: 'receipt 2 is missing: the chain goes from 1 to 3' });

    // The last receipt removed (from an otherwise intact chain).
    const other = tempDir();
    try {
      const s2 = await openSqliteState(other.dir);
      const last: Receipt[] = [];
      for (let i = 1; i <= 3; i++) last.push(await s2.appendReceipt(input(i)));
      withRaw(other.dir, (db) => db.exec('DROP TRIGGER receipts_no_delete; DELETE FROM receipts WHERE seq = 3'));
      const v2 = await s2.verifyReceipts();
      assert.equal(v2.ok, false);
      assert.equal(v2.count, 2);
      assert.equal(v2.firstBad?.seq, 3);
      assert.equal(v2.firstBad?.receiptId, last[2]?.receiptId);
      assert.match(v2.firstBad?.reason ?? '', /missing: 3 receipts were written/);
      await s2.close();
    } finally {
      other.cleanup();
    }
    await state.close();
  } finally {
    cleanup();
  }
});

test('two connections on one folder, interleaved: the chain stays one chain', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await openSqliteState(dir);
    const b = await openSqliteState(dir);
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).appendReceipt(input(i))));
    assert.deepEqual(all.map((r) => r.seq).sort((x, y) => x - y), Array.from({ length: 60 }, (_, i) => i + 1));
    for (let i = 0; i < 20; i++) {
      const r1 = await a.appendReceipt(input(100 + i));
      const r2 = await b.appendReceipt(input(200 + i));
      assert.equal(r2.prevHash, r1.hash, 'b links to what a just wrote');
    }
    assert.deepEqual(await a.verifyReceipts(), { ok: true, count: 100 });
    assert.deepEqual(await b.verifyReceipts(), { ok: true, count: 100 });
    await a.close();
    await b.close();
  } finally {
    cleanup();
  }
});

test('two processes appending 1,000 receipts each at once: writers wait for each other and the chain never forks', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await (await openSqliteState(dir)).close();
    const module = fromRoot('dist/src/state/sqlite-state.js');
    const writer = (tag: number) => `
      const { openSqliteState } = await import(${JSON.stringify(module)});
      const state = await openSqliteState(${JSON.stringify(dir)});
      for (let i = 0; i < 1000; i++) {
        await state.appendReceipt({ runId: 'run-${tag}', pipeline: 'people', pipelineHash: 'x', environment: 'sandbox', person: 'p-${tag}' + String(i).padStart(15, '0'), sectionsSent: ['skills'], withheld: [], httpStatus: 204, outcome: 'imported', at: new Date().toISOString() });
      }
      await state.close();
    `;
    const runChild = (tag: number) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', writer(tag)], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([runChild(1), runChild(2)]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const state = await openSqliteState(dir);
    assert.deepEqual(await state.verifyReceipts(), { ok: true, count: 2000 });
    const runs = withRaw(dir, (db) => db.prepare(`SELECT run_id, count(*) AS n FROM receipts GROUP BY run_id ORDER BY run_id`).all());
    assert.deepEqual(runs, [
      { run_id: 'run-1', n: 1000 },
      { run_id: 'run-2', n: 1000 },
    ]);
    await state.close();
  } finally {
    cleanup();
  }
});
