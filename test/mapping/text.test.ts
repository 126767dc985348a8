import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHelperBindings } from '../../src/mapping/helpers.js';

const h = createHelperBindings() as Record<string, (...args: unknown[]) => unknown>;
const trim = h['trim']!;
const truncate = h['truncate']!;

const codePoints = (s: unknown) => Array.from(s as string).length;

test('$trim: trims and collapses spaces and tabs', () => {
  assert.equal(trim('  hello   world \t again  '), 'hello world again');
  assert.equal(trim('a\u00a0\u00a0b'), 'a b');
  assert.equal(trim(42), '42');
});

test('$trim: keeps single and double line breaks, three or more become two', () => {
  assert.equal(trim('line one\nline two'), 'line one\nline two');
  assert.equal(trim('para one\n\npara two'), 'para one\n\npara two');
  assert.equal(trim('para one\n\n\n\n\npara two'), 'para one\n\npara two');
  assert.equal(trim('a  \n   b'), 'a\nb');
  assert.equal(trim('a\r\nb\r\n\r\n\r\nc'), 'a\nb\n\nc');
  assert.equal(trim('\n\n  text  \n\n'), 'text');
});

test('$trim: nothing for empty, blank and non-text values', () => {
  for (const v of [undefined, null, '', '   ', '\n\t\n', {}, [], true]) assert.equal(trim(v), undefined, JSON.stringify(v));
});

test('$truncate: short text is unchanged', () => {
  assert.equal(truncate('short', 10), 'short');
  assert.equal(truncate('exactly10!', 10), 'exactly10!');
  assert.equal(truncate(12345, 10), '12345');
});

test('$truncate: cuts to n code points ending with …', () => {
  const r = truncate('abcdefghijklmnopqrstuvwxyz', 10);
  assert.equal(r, 'abcdefghi…');
  assert.equal(codePoints(r), 10);
  assert.equal(truncate('abcdef', 1), '…');
});

test('$truncate: cuts at the last space when it lies within the last 20% of n', () => {
  // n = 20: a space at index >= 16 is used.
  assert.equal(truncate('aaaaaaaaaaaaaaaaa bbbbbbbbbb', 20), 'aaaaaaaaaaaaaaaaa…');
  // The last space lies at index 5, too early: cut hard.
  assert.equal(truncate('aaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbb', 20), 'aaaaa bbbbbbbbbbbbb…');
  // A space right after the kept part is a clean word boundary.
  assert.equal(truncate('aaaaaaaaaaaaaaaaaaa bbbb', 20), 'aaaaaaaaaaaaaaaaaaa…');
  for (const s of ['word '.repeat(50), 'x'.repeat(300), 'lorem ipsum dolor sit amet '.repeat(20)]) {
    for (const n of [5, 17, 100, 255]) assert.ok(codePoints(truncate(s, n)) <= n, `${n}`);
  }
});

test('$truncate: never splits a surrogate pair and counts it as one character', () => {
  const emoji = '😀'.repeat(10); // 10 code points, 20 UTF-16 units
  assert.equal(truncate(emoji, 10), emoji);
  const r = truncate(emoji, 5) as string;
  assert.equal(r, '😀😀😀😀…');
  assert.equal(codePoints(r), 5);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(r), 'no lone high surrogate');
  const mixed = truncate('ab😀cd😀ef', 4) as string;
  assert.equal(mixed, 'ab😀…');
});

test('$truncate: nothing for empty or non-text values; a bad n is a mapping bug', () => {
  assert.equal(truncate(undefined, 10), undefined);
  assert.equal(truncate('', 10), undefined);
  assert.equal(truncate({ a: 1 }, 10), undefined);
  assert.throws(() => truncate('text', 0), { code: 'MAPPING_RUNTIME' });
  assert.throws(() => truncate('text', 2.5), { code: 'MAPPING_RUNTIME' });
  assert.throws(() => truncate('text', '10'), { code: 'MAPPING_RUNTIME' });
  assert.throws(() => truncate('text'), { code: 'MAPPING_RUNTIME' });
});
