import { test } from 'node:test';
import { fixtureBindings } from './fixture-bindings.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { jsonataEngine } from '../../src/mapping/jsonata-engine.js';
import { fromRoot } from '../helpers.js';

/** `EXPR /* → RESULT *\/` lines inside ```jsonata blocks of docs/mapping-helpers.md. */
function examples(): Array<{ line: number; source: string; expected: unknown }> {
  const lines = readFileSync(fromRoot('docs/mapping-helpers.md'), 'utf8').split('\n');
  const out: Array<{ line: number; source: string; expected: unknown }> = [];
  let inBlock = false;
  lines.forEach((text, i) => {
    if (text.startsWith('```')) {
      inBlock = text === '```jsonata';
      return;
    }
    const m = inBlock ? /^(.*?)\s*\/\*\s*→\s*(.*?)\s*\*\/\s*$/.exec(text) : null;
    if (m) out.push({ line: i + 1, source: m[1]!, expected: m[2] === 'nothing' ? undefined : JSON.parse(m[2]!) });
  });
  return out;
}

test('every example in docs/mapping-helpers.md gives the documented result', async () => {
  const bindings = fixtureBindings();
  const list = examples();
  assert.ok(list.length >= 50, `found ${list.length} examples`);
  for (const { line, source, expected } of list) {
    const actual = await jsonataEngine.compile(source).evaluate({}, bindings);
    assert.deepEqual(actual, expected, `docs/mapping-helpers.md:${line}: ${source}`);
  }
});
