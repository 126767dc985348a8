import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { readFileSource } from '../../src/sources/file-source.js';
import { lineColumnAt, locateJsonError, jsonSyntaxIssue } from '../../src/sources/json-source.js';
import type { FileSourceSpec, SourceItem } from '../../src/sources/types.js';

async function collect(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of it) out.push(item);
  return out;
}

const spec = (path: string | string[]): FileSourceSpec => ({ type: 'file', format: 'json', path });

test('json: a file with one object is one person, origin is the relative path', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'jane.json'), JSON.stringify({ basics: { name: 'Jane' } }));
    const items = await collect(readFileSource(spec('jane.json'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items, [{ origin: 'jane.json', record: { basics: { name: 'Jane' } } }]);
  } finally {
    cleanup();
  }
});

test('json: an array gives one person per element; non-objects become SOURCE_RECORD_NOT_OBJECT', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'people.json'), JSON.stringify([{ a: 1 }, 'secret text', null, [1], { b: 2 }]));
    const items = await collect(readFileSource(spec('people.json'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items.map((i) => i.origin), ['people.json#0', 'people.json#1', 'people.json#2', 'people.json#3', 'people.json#4']);
    assert.deepEqual(items[0]?.record, { a: 1 });
    assert.deepEqual(items[4]?.record, { b: 2 });
    for (const k of [1, 2, 3]) {
      const err = items[k]?.error;
      assert.equal(err?.code, 'SOURCE_RECORD_NOT_OBJECT');
      assert.equal(err?.pointer, `/${k}`);
      assert.equal(items[k]?.record, undefined);
      assert.ok(!err?.message.includes('secret'), 'message must not quote the value');
    }
    assert.match(items[1]?.error?.message ?? '', /a string/);
  } finally {
    cleanup();
  }
});

test('json: a top-level scalar is SOURCE_RECORD_NOT_OBJECT; an empty array yields nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.json'), '42');
    writeFileSync(join(dir, 'b.json'), '[]');
    const items = await collect(readFileSource(spec(['a.json', 'b.json']), { baseDir: dir, displayBase: dir }));
    assert.equal(items.length, 1);
    assert.equal(items[0]?.origin, 'a.json');
    assert.equal(items[0]?.error?.code, 'SOURCE_RECORD_NOT_OBJECT');
  } finally {
    cleanup();
  }
});

test('json: a BOM is stripped', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'bom.json'), '\uFEFF{"x":"y"}');
    const items = await collect(readFileSource(spec('bom.json'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items, [{ origin: 'bom.json', record: { x: 'y' } }]);
  } finally {
    cleanup();
  }
});

test('json: a bad file among good ones gives one SOURCE_JSON_INVALID with line and column, without quoting text', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.json'), '{"n":1}');
    writeFileSync(join(dir, 'b.json'), '{\n  "name": "Jane Secret",\n  "email": jane@example.org\n}\n');
    writeFileSync(join(dir, 'c.json'), '[{"n":3}]');
    const items = await collect(readFileSource(spec('*.json'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items.map((i) => i.origin), ['a.json', 'b.json', 'c.json#0']);
    assert.deepEqual(items[0]?.record, { n: 1 });
    assert.deepEqual(items[2]?.record, { n: 3 });
    const err = items[1]?.error;
    assert.equal(err?.code, 'SOURCE_JSON_INVALID');
    assert.equal(err?.file, 'b.json');
    assert.equal(err?.line, 3);
    assert.equal(err?.column, 12);
    assert.ok(!/Jane|Secret|jane|example/.test(err?.message ?? ''), `message leaks data: ${err?.message}`);
  } finally {
    cleanup();
  }
});

test('json: a missing file named next to an existing one is SOURCE_UNREADABLE, the other is read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.json'), '{"n":1}');
    const items = await collect(readFileSource(spec(['a.json', 'gone.json']), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items[0], { origin: 'a.json', record: { n: 1 } });
    assert.equal(items[1]?.origin, 'gone.json');
    assert.equal(items[1]?.error?.code, 'SOURCE_UNREADABLE');
    assert.match(items[1]?.error?.message ?? '', /does not exist/);
  } finally {
    cleanup();
  }
});

test('json: __proto__ and constructor keys stay plain data', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'p.json'), '[{"__proto__": {"polluted": true}, "constructor": {"prototype": {"bad": 1}}, "ok": 1}]');
    const items = await collect(readFileSource(spec('p.json'), { baseDir: dir, displayBase: dir }));
    const rec = items[0]?.record as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(rec), Object.prototype);
    assert.ok(Object.hasOwn(rec, '__proto__'));
    assert.deepEqual(Object.keys(rec), ['__proto__', 'constructor', 'ok']);
    assert.equal((rec as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  } finally {
    cleanup();
  }
});

test('json error location agrees with JSON.parse on many broken texts', () => {
  const valid = [
    '{"a":[1,2.5,-3e4,{"b":null,"c":true,"d":false}],"e":"x\\n\\u00e9\\"y"}',
    '[[],{},[{}],"",0,-0.1]',
    ' {"k" : { "l" : [ "m" ] } } ',
  ];
  for (const v of valid) assert.equal(locateJsonError(v), undefined, v);
  // Every truncation and every single-character change of the valid texts.
  let checked = 0;
  for (const v of valid) {
    for (let cut = 0; cut < v.length; cut++) {
      const variants = [v.slice(0, cut), v.slice(0, cut) + v.slice(cut + 1), v.slice(0, cut) + '}' + v.slice(cut), v.slice(0, cut) + 'x' + v.slice(cut)];
      for (const t of variants) {
        let ok = true;
        try {
          JSON.parse(t);
        } catch {
          ok = false;
        }
        const found = locateJsonError(t);
        assert.equal(found === undefined, ok, `disagrees on ${JSON.stringify(t)}`);
        if (found) assert.ok(found.pos >= 0 && found.pos <= t.length);
        checked++;
      }
    }
  }
  assert.ok(checked > 300);
});

test('jsonSyntaxIssue uses the position, never the text', () => {
  const text = '{"secret": value}';
  let error: unknown;
  try {
    JSON.parse(text);
  } catch (e) {
    error = e;
  }
  const i = jsonSyntaxIssue(text, error, 'x.json', 7);
  assert.equal(i.code, 'SOURCE_JSON_INVALID');
  assert.equal(i.line, 7);
  assert.equal(i.column, 12);
  assert.ok(!i.message.includes('secret') && !i.message.includes('value'));
  assert.deepEqual(lineColumnAt('ab\r\ncd\nef', 5), { line: 2, column: 2 });
});
