import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { readFileSource } from '../../src/sources/file-source.js';
import type { FileSourceSpec, SourceItem } from '../../src/sources/types.js';

async function collect(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of it) out.push(item);
  return out;
}

const spec = (path: string | string[]): FileSourceSpec => ({ type: 'file', format: 'ndjson', path });

test('ndjson: one person per non-blank line, origin file:line; a bad line in the middle is reported with its line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lines = ['{"n":1}', '', '{"n":2}', '{"n": oops, "name": "Jane Secret"}', '   ', '[1,2]', '{"n":3}'];
    writeFileSync(join(dir, 'people.ndjson'), lines.join('\n') + '\n');
    const items = await collect(readFileSource(spec('people.ndjson'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items.map((i) => i.origin), ['people.ndjson:1', 'people.ndjson:3', 'people.ndjson:4', 'people.ndjson:6', 'people.ndjson:7']);
    assert.deepEqual(items.map((i) => (i.record as { n?: number } | undefined)?.n), [1, 2, undefined, undefined, 3]);
    const bad = items[2]?.error;
    assert.equal(bad?.code, 'SOURCE_JSON_INVALID');
    assert.equal(bad?.file, 'people.ndjson');
    assert.equal(bad?.line, 4);
    assert.equal(bad?.column, 7);
    assert.ok(!/oops|Jane|Secret/.test(bad?.message ?? ''));
    const notObject = items[3]?.error;
    assert.equal(notObject?.code, 'SOURCE_RECORD_NOT_OBJECT');
    assert.equal(notObject?.line, 6);
  } finally {
    cleanup();
  }
});

test('ndjson: CRLF line ends, a BOM on the first line, no newline at the end, .jsonl files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.jsonl'), '\uFEFF{"n":1}\r\n\r\n{"s":"x\\r\\ny"}\r\n{"n":3}');
    const items = await collect(readFileSource(spec('a.jsonl'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items, [
      { origin: 'a.jsonl:1', record: { n: 1 } },
      { origin: 'a.jsonl:3', record: { s: 'x\r\ny' } },
      { origin: 'a.jsonl:4', record: { n: 3 } },
    ]);
  } finally {
    cleanup();
  }
});

test('ndjson: lines longer than the read chunk and multi-byte characters across chunk borders', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const long = 'äö€𝄞'.repeat(200_000); // > 1 MB of UTF-8 in one line
    writeFileSync(join(dir, 'long.ndjson'), `{"t":"${long}"}\n{"n":2}\n`);
    const items = await collect(readFileSource(spec('long.ndjson'), { baseDir: dir, displayBase: dir }));
    assert.equal(items.length, 2);
    assert.equal((items[0]?.record as { t: string }).t, long);
    assert.deepEqual(items[1], { origin: 'long.ndjson:2', record: { n: 2 } });
  } finally {
    cleanup();
  }
});

test('ndjson: a folder gives its *.ndjson and *.jsonl files in sorted order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'b.ndjson'), '{"f":"b"}\n');
    writeFileSync(join(dir, 'a.JSONL'), '{"f":"a"}\n');
    writeFileSync(join(dir, 'c.json'), '{"f":"c"}\n');
    writeFileSync(join(dir, 'notes.txt'), 'x\n');
    const items = await collect(readFileSource(spec('.'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items.map((i) => i.origin), ['a.JSONL:1', 'b.ndjson:1']);
  } finally {
    cleanup();
  }
});

test('ndjson: __proto__ keys stay plain data', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'p.ndjson'), '{"__proto__":{"polluted":true},"a":1}\n');
    const [item] = await collect(readFileSource(spec('p.ndjson'), { baseDir: dir, displayBase: dir }));
    const rec = item?.record as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(rec), Object.prototype);
    assert.ok(Object.hasOwn(rec, '__proto__'));
    assert.equal((rec as { polluted?: unknown }).polluted, undefined);
  } finally {
    cleanup();
  }
});

test('ndjson: stops when the signal is aborted, and when the consumer stops early', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'many.ndjson'), Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const ac = new AbortController();
    let seen = 0;
    for await (const _ of readFileSource(spec('many.ndjson'), { baseDir: dir, displayBase: dir, signal: ac.signal })) {
      seen++;
      if (seen === 10) ac.abort();
    }
    assert.equal(seen, 10);

    let taken = 0;
    for await (const _ of readFileSource(spec('many.ndjson'), { baseDir: dir, displayBase: dir })) {
      if (++taken === 3) break;
    }
    assert.equal(taken, 3);

    const aborted = AbortSignal.abort();
    const none = await collect(readFileSource(spec('many.ndjson'), { baseDir: dir, displayBase: dir, signal: aborted }));
    assert.deepEqual(none, []);
  } finally {
    cleanup();
  }
});

test('ndjson: 200,000 lines are streamed with bounded heap', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'big.ndjson');
    const LINES = 200_000;
    const filler = 'x'.repeat(700);
    const out = createWriteStream(file);
    for (let i = 0; i < LINES; i++) {
      const line = `{"id":${i},"basics":{"name":"Person ${i}","email":"p${i}@example.org"},"work":[{"name":"Co","position":"Dev","startDate":"2020-01"}],"note":"${filler}"}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    // The file is ~160 MB: reading it whole would need well over the bound below.

    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let lastId = -1;
    let inOrder = true;
    for await (const item of readFileSource({ type: 'file', format: 'ndjson', path: 'big.ndjson' }, { baseDir: dir, displayBase: dir })) {
      const id = (item.record as { id: number }).id;
      if (id !== lastId + 1) inOrder = false;
      lastId = id;
      count++;
      if ((count & 1023) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }
    assert.equal(count, LINES);
    assert.ok(inOrder);
    assert.ok(peak < 150 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB`);
  } finally {
    cleanup();
  }
});
