import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHelperBindings } from '../../src/mapping/helpers.js';
import { loadLookupTable, type LookupTable } from '../../src/mapping/lookups.js';
import { jsonataEngine } from '../../src/mapping/jsonata-engine.js';
import { fromRoot, tempDir } from '../helpers.js';

type Fn = (...args: unknown[]) => unknown;
const helpers = (options: Parameters<typeof createHelperBindings>[0] = {}) => createHelperBindings(options) as Record<string, Fn>;

test('createHelperBindings: exactly the documented helper names', () => {
  assert.deepEqual(Object.keys(createHelperBindings()).sort(), ['clean', 'date', 'interval', 'l10n', 'lookup', 'ongoing', 'sortByDateDesc', 'take', 'trim', 'truncate']);
  for (const fn of Object.values(createHelperBindings())) assert.equal(typeof fn, 'function');
});

test('$l10n: a string goes under fi and the pipeline language', () => {
  assert.deepEqual(helpers().l10n!('Developer'), { fi: 'Developer', en: 'Developer' });
  assert.deepEqual(helpers({ language: 'sv' }).l10n!('Utvecklare'), { fi: 'Utvecklare', sv: 'Utvecklare' });
  assert.deepEqual(helpers({ language: 'fi' }).l10n!('Kehittäjä'), { fi: 'Kehittäjä' });
  assert.deepEqual(helpers({ language: 'fi' }).l10n!('Developer', 'en'), { fi: 'Developer', en: 'Developer' });
  assert.deepEqual(helpers().l10n!('Kehittäjä', 'fi'), { fi: 'Kehittäjä' });
  assert.deepEqual(helpers().l10n!('Utvecklare', 'SV'), { fi: 'Utvecklare', sv: 'Utvecklare' });
  assert.deepEqual(helpers().l10n!('Developer', 'en-GB'), { fi: 'Developer', en: 'Developer' });
  assert.deepEqual(helpers().l10n!('  padded  '), { fi: 'padded', en: 'padded' });
  assert.deepEqual(helpers().l10n!(2020), { fi: '2020', en: '2020' });
});

test('$l10n: nothing for empty, blank, null and non-text values', () => {
  const l10n = helpers().l10n!;
  for (const v of [undefined, null, '', '   ', true, ['a'], {}, { de: 'Entwickler' }, { fi: '  ', sv: '' }]) {
    assert.equal(l10n(v), undefined, JSON.stringify(v));
  }
});

test('$l10n: an unknown language is a mapping bug', () => {
  assert.throws(() => helpers().l10n!('Entwickler', 'de'), { code: 'MAPPING_RUNTIME' });
});

test('$l10n: an object keeps fi, sv and en and fills fi from sv, then en', () => {
  const l10n = helpers().l10n!;
  assert.deepEqual(l10n({ fi: 'Kehittäjä', sv: 'Utvecklare', en: 'Developer' }), { fi: 'Kehittäjä', sv: 'Utvecklare', en: 'Developer' });
  assert.deepEqual(l10n({ sv: 'Utvecklare', en: 'Developer' }), { fi: 'Utvecklare', sv: 'Utvecklare', en: 'Developer' });
  assert.deepEqual(l10n({ en: 'Developer' }), { fi: 'Developer', en: 'Developer' });
  assert.deepEqual(l10n({ fi: '', sv: ' ', en: ' Developer ' }), { fi: 'Developer', en: 'Developer' });
  assert.deepEqual(l10n({ fi: 'Kehittäjä', de: 'Entwickler', en: null }), { fi: 'Kehittäjä' });
  assert.deepEqual(Object.keys(l10n({ en: 'x', sv: 'y' }) as object), ['fi', 'sv', 'en']);
});

test('$l10n: keys like __proto__ in the object are ignored as data', () => {
  const input = JSON.parse('{"__proto__": {"fi": "polluted"}, "en": "Developer"}');
  assert.deepEqual(helpers().l10n!(input), { fi: 'Developer', en: 'Developer' });
  assert.equal(({} as Record<string, unknown>)['fi'], undefined);
});

test('$clean: drops empty values recursively', () => {
  const clean = helpers().clean!;
  assert.deepEqual(
    clean({ a: null, b: undefined, c: '', d: '  ', e: [], f: {}, g: { h: [null, '', {}], i: 'x' }, j: 0, k: false, l: [1, null, 'y'] }),
    { g: { i: 'x' }, j: 0, k: false, l: [1, 'y'] },
  );
  assert.equal(clean({ a: { b: { c: [[], {}] } } }), undefined);
  assert.equal(clean([]), undefined);
  assert.equal(clean(null), undefined);
  assert.equal(clean('  '), undefined);
  assert.equal(clean('text'), 'text');
  assert.equal(clean(false), false);
});

test('$clean: a __proto__ key stays data and pollutes nothing', () => {
  const input = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"x": 1}}, "ok": 1}');
  const out = helpers().clean!(input) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__', 'constructor', 'ok']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: 'yes' });
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal((out as { polluted?: unknown }).polluted, undefined);
});

test('$take: the first n items', () => {
  const take = helpers().take!;
  assert.deepEqual(take([1, 2, 3, 4], 2), [1, 2]);
  assert.deepEqual(take([1, 2], 5), [1, 2]);
  assert.deepEqual(take('single', 3), ['single']);
  assert.equal(take(undefined, 3), undefined);
  assert.equal(take([1, 2], 0), undefined);
  assert.equal(take([], 3), undefined);
  assert.throws(() => take([1], -1), { code: 'MAPPING_RUNTIME' });
  assert.throws(() => take([1], 'two'), { code: 'MAPPING_RUNTIME' });
});

test('$sortByDateDesc: newest first, "still going on" first, undated last, stable', () => {
  const sort = helpers().sortByDateDesc!;
  const items = [
    { id: 'a', start: '2015' },
    { id: 'b', start: 'Mar 2019' },
    { id: 'c' },
    { id: 'd', start: '2019-03-01' },
    { id: 'e', start: 'present' },
    { id: 'f', start: '2020-01' },
  ];
  assert.deepEqual((sort(items, 'start') as Array<{ id: string }>).map((i) => i.id), ['e', 'f', 'b', 'd', 'a', 'c']);
  assert.equal(items[0]!.id, 'a', 'input not changed');
  assert.deepEqual(sort({ id: 'x' }, 'start'), [{ id: 'x' }]);
  assert.equal(sort(undefined, 'start'), undefined);
  assert.throws(() => sort(items), { code: 'MAPPING_RUNTIME' });
});

function tables(dir: string): Map<string, LookupTable> {
  const skills = join(dir, 'skills.csv');
  writeFileSync(skills, 'label,uri,group\nUse query languages,http://data.europa.eu/esco/skill/75f839c2-fd9a-4ad3-8921-6e734608568d,digital\nShow initiative,http://data.europa.eu/esco/skill/001115fb-569f-4ee6-8381-c6807ef2527f,transversal\n__proto__,proto-value,odd\nconstructor,constructor-value,odd\n');
  return new Map([
    ['esco', loadLookupTable(skills)],
    ['cefr', loadLookupTable(fromRoot('test/mapping/fixtures/cefr.yaml'))],
  ]);
}

test('$lookup: finds values ignoring case, whitespace and Unicode form', () => {
  const { dir, cleanup } = tempDir();
  try {
    const lookup = helpers({ lookups: tables(dir) }).lookup!;
    const uri = 'http://data.europa.eu/esco/skill/75f839c2-fd9a-4ad3-8921-6e734608568d';
    assert.equal(lookup('esco', 'Use query languages'), uri);
    assert.equal(lookup('esco', '  USE   query\tlanguages '), uri);
    assert.equal(lookup('esco', 'Ｕｓｅ query languages'), uri); // full-width letters (NFKC)
    assert.equal(lookup('esco', 'use\u00a0query languages'), uri); // no-break space
    assert.equal(lookup('esco', 'Show initiative', 'group'), 'transversal');
    assert.equal(lookup('esco', 'Knitting'), undefined);
    assert.equal(lookup('esco', undefined), undefined);
    assert.equal(lookup('esco', { a: 1 }), undefined);
    assert.equal(lookup('cefr', 'Native Speaker'), 'L1');
  } finally {
    cleanup();
  }
});

test('$lookup: an array of keys gives the values found', () => {
  const { dir, cleanup } = tempDir();
  try {
    const lookup = helpers({ lookups: tables(dir) }).lookup!;
    assert.deepEqual(lookup('esco', ['show initiative', 'knitting', 'use query languages'], 'group'), ['transversal', 'digital']);
    assert.equal(lookup('esco', ['knitting']), undefined);
  } finally {
    cleanup();
  }
});

test('$lookup: __proto__ and constructor are ordinary keys; absent ones find nothing', () => {
  const { dir, cleanup } = tempDir();
  try {
    const lookup = helpers({ lookups: tables(dir) }).lookup!;
    assert.equal(lookup('esco', '__proto__'), 'proto-value');
    assert.equal(lookup('esco', 'constructor'), 'constructor-value');
    assert.equal(lookup('cefr', '__proto__'), undefined);
    assert.equal(lookup('cefr', 'constructor'), undefined);
    assert.equal(lookup('cefr', 'toString'), undefined);
    assert.equal(lookup('cefr', 'hasOwnProperty'), undefined);
  } finally {
    cleanup();
  }
});

test('$lookup: an undeclared table is LOOKUP_UNKNOWN, an unknown column a mapping bug', () => {
  const { dir, cleanup } = tempDir();
  try {
    const lookup = helpers({ lookups: tables(dir) }).lookup!;
    assert.throws(() => lookup('nope', 'x'), (e: unknown) => {
      const err = e as { code: string; message: string };
      return err.code === 'LOOKUP_UNKNOWN' && err.message.includes('"nope"') && err.message.includes('esco');
    });
    assert.throws(() => helpers().lookup!('esco', 'x'), { code: 'LOOKUP_UNKNOWN' });
    assert.throws(() => lookup('esco', 'x', 'nope'), { code: 'MAPPING_RUNTIME' });
    assert.throws(() => lookup(42, 'x'), { code: 'MAPPING_RUNTIME' });
  } finally {
    cleanup();
  }
});

test("$lookup: with an object first keeps JSONata's own $lookup(object, key)", async () => {
  const expr = jsonataEngine.compile('{"a": $lookup(person, "name"), "b": $lookup(missing, "name"), "c": $lookup(list, "k")}');
  const out = await expr.evaluate({ person: { name: 'N' }, list: [{ k: 1 }, { k: 2 }, { j: 3 }] }, createHelperBindings());
  assert.deepEqual(out, { a: 'N', c: [1, 2] });
});

test('helpers called from JSONata: undefined removes keys, language reaches $l10n', async () => {
  const expr = jsonataEngine.compile(`{
    "title": $l10n(title),
    "none": $l10n(missing),
    "interval": $interval(start, end),
    "skills": $lookup("cefr", levels),
    "two": $take(items, 2),
    "text": $truncate($trim(text), 12)
  }`);
  const b = createHelperBindings({ language: 'sv', lookups: new Map([['cefr', loadLookupTable(fromRoot('test/mapping/fixtures/cefr.yaml'))]]) });
  const out = await expr.evaluate({ title: 'Titel', start: '2020-02', end: 'nu', levels: ['fluent', 'beginner'], items: [1, 2, 3], text: '  lots   of words here  ' }, b);
  assert.deepEqual(out, {
    title: { fi: 'Titel', sv: 'Titel' },
    interval: { startDate: '2020-02-01', ongoing: true },
    skills: ['C1', 'A1'],
    two: [1, 2],
    text: 'lots of wor…',
  });
});
