import { test } from 'node:test';
import { FIXTURES, fixtureBindings } from './fixture-bindings.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createJsonataEngine, jsonataEngine, locate } from '../../src/mapping/jsonata-engine.js';
import { createHelperBindings } from '../../src/mapping/helpers.js';
import { TmtError, type ErrorCode, type Issue } from '../../src/errors.js';

function caught(fn: () => unknown): TmtError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TmtError, `a TmtError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

async function rejected(p: Promise<unknown>): Promise<TmtError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TmtError, `a TmtError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

function only(e: TmtError, code: ErrorCode): Issue {
  assert.equal(e.code, code);
  assert.equal(e.issues.length, 1);
  return e.issues[0]!;
}

// ---------------------------------------------------------------------------------------------
// Compile

test('compile: a syntax error is MAPPING_SYNTAX with the JSONata code and location', () => {
  const e = caught(() => jsonataEngine.compile('foo bar', { file: 'm.jsonata' }));
  const i = only(e, 'MAPPING_SYNTAX');
  assert.match(i.message, /^JSONata S0201: /);
  assert.deepEqual([i.file, i.line, i.column], ['m.jsonata', 1, 5]);
});

test('compile: multi-line source gives the line and column of the offending token', () => {
  const source = '{\n  "a": 1,\n  "b": 2\n  "c": 3\n}';
  const i = only(caught(() => jsonataEngine.compile(source, { file: 'm.jsonata' })), 'MAPPING_SYNTAX');
  assert.match(i.message, /^JSONata S0202: Expected "}", got "c"/);
  assert.deepEqual([i.line, i.column], [4, 3]);
});

test('compile: an origin shifts the location into the YAML file', () => {
  const single = only(caught(() => jsonataEngine.compile('consent.work and )', { file: 'p.yaml', origin: { line: 12, column: 15 } })), 'MAPPING_SYNTAX');
  assert.equal(single.file, 'p.yaml');
  assert.equal(single.line, 12);
  assert.equal(single.column, 15 + 'consent.work and '.length);
  // A block scalar: every line shares the indentation given by the origin column.
  const block = only(caught(() => jsonataEngine.compile('consent.a\nand consent.b\nor (', { file: 'p.yaml', origin: { line: 7, column: 7 } })), 'MAPPING_SYNTAX');
  assert.equal(block.line, 9);
  assert.equal(block.column, 7 + 'or ('.length);
});

test('compile: unterminated input points after the last character', () => {
  const i = only(caught(() => jsonataEngine.compile('(\n  $x := 1;\n  $foo(1')), 'MAPPING_SYNTAX');
  assert.match(i.message, /S0203/);
  assert.deepEqual([i.line, i.column], [3, 9]);
  assert.equal(i.file, undefined);
});

test('locate: offsets, function calls and quoted tokens', () => {
  assert.deepEqual(locate('a\nbc\ndef', 9, undefined), { line: 3, column: 3 });
  assert.deepEqual(locate('x + $number(y)', 12, 'number'), { line: 1, column: 5 });
  assert.deepEqual(locate('{"a": 1 "b": 2}', 11, 'b'), { line: 1, column: 9 });
  assert.equal(locate('abc', undefined), undefined);
});

// ---------------------------------------------------------------------------------------------
// Evaluate

test('evaluate: bindings reach the expression; output is plain JSON data', async () => {
  const expr = jsonataEngine.compile('{"greeting": $hello(name), "n": $n, "list": items.($ * 2)}');
  const out = await expr.evaluate({ name: 'World', items: [1, 2, 3] }, { hello: (s: string) => `Hello ${s}`, n: 42 });
  assert.deepEqual(out, { greeting: 'Hello World', n: 42, list: [2, 4, 6] });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys((out as { list: unknown[] }).list), ['0', '1', '2'], 'no sequence markers');
  assert.equal(await jsonataEngine.compile('nothing').evaluate({}), undefined);
  assert.equal(await jsonataEngine.compile('function($x) { $x }').evaluate({}), undefined);
});

test('evaluate: a runtime error is MAPPING_RUNTIME with code and location, without values', async () => {
  const expr = jsonataEngine.compile('{\n  "n": $number(basics.name)\n}', { file: 'cv.jsonata' });
  const e = await rejected(expr.evaluate({ basics: { name: 'Matti Meikäläinen' } }));
  const i = only(e, 'MAPPING_RUNTIME');
  assert.match(i.message, /^JSONata D3030: /);
  assert.doesNotMatch(JSON.stringify(e.issues) + e.message + String(e.stack), /Matti|Meikäläinen/);
  assert.equal(e.cause, undefined);
  assert.deepEqual([i.file, i.line, i.column], ['cv.jsonata', 2, 8]);
});

test('evaluate: messages never quote values, whatever the JSONata code', async () => {
  const secret = 'Matti Meikäläinen 010190-123A';
  const cases: Array<[string, string]> = [
    ['name + 1', 'T2001'],
    ['-name', 'D1002'],
    ['{name: 1, name: 2}', 'D1009'],
    ['{(nested): 1}', 'T1003'],
    ['name > 5', 'T2009'],
    ['$substring(name, name)', 'T0410'],
    ['$sum(name)', 'T0412'],
    ['$toMillis(name)', 'D3110'],
    ['$eval(name)', 'D3120'],
    ['items^(value)', 'T2007'],
    ['name.foo()', 'T1006'],
  ];
  for (const [source, code] of cases) {
    const e = await rejected(jsonataEngine.compile(source).evaluate({ name: secret, nested: { x: secret }, items: [{ value: secret }, { value: 1 }] }));
    assert.equal(e.code, 'MAPPING_RUNTIME', source);
    assert.match(e.message, new RegExp(`^JSONata ${code}: `), source);
    assert.doesNotMatch(JSON.stringify(e.issues) + e.message, /Matti|010190/, source);
  }
});

test('evaluate: $error messages are kept when literal, withheld when they may quote data', async () => {
  const literal = await rejected(jsonataEngine.compile('name ? $error("employer missing")').evaluate({ name: 'Matti' }));
  assert.equal(literal.message, 'JSONata D3137: employer missing');
  for (const source of ['$error("bad name " & name)', 'name ~> $error()', '$assert(false, name)', '($e := $error; $e(name))']) {
    const e = await rejected(jsonataEngine.compile(source).evaluate({ name: 'Matti' }));
    assert.equal(e.code, 'MAPPING_RUNTIME', source);
    assert.doesNotMatch(e.message, /Matti/, source);
    assert.match(e.message, /withheld|D3137|D3141|T1006/, source);
  }
});

test('evaluate: errors thrown by a bound JS function are MAPPING_RUNTIME without their message', async () => {
  const e = await rejected(jsonataEngine.compile('$boom(name)').evaluate({ name: 'Matti' }, {
    boom: (v: string) => {
      throw new TypeError(`cannot handle ${v}`);
    },
  }));
  const i = only(e, 'MAPPING_RUNTIME');
  assert.match(i.message, /TypeError/);
  assert.doesNotMatch(i.message, /Matti/);
  assert.deepEqual([i.line, i.column], [1, 1]);
});

test('evaluate: helper errors keep their code (LOOKUP_UNKNOWN) and gain the call location', async () => {
  const helpers = createHelperBindings({ lookups: new Map() });
  const expr = jsonataEngine.compile('{\n  "skills": skills.$lookup("esco", name)\n}', { file: 'cv.jsonata' });
  const e = await rejected(expr.evaluate({ skills: [{ name: 'SQL' }] }, helpers));
  const i = only(e, 'LOOKUP_UNKNOWN');
  assert.match(i.message, /"esco"/);
  assert.deepEqual([i.file, i.line, i.column], ['cv.jsonata', 2, 20]);
  const bad = await rejected(jsonataEngine.compile('$date("2020", "middle")').evaluate({}, helpers));
  assert.equal(bad.code, 'MAPPING_RUNTIME');
  assert.match(bad.message, /\$date/);
});

test('evaluate: an endless (tail-recursive) loop stops at the time limit', async () => {
  const expr = jsonataEngine.compile('(\n  $loop := function($n) { $loop($n + 1) };\n  $loop(0)\n)', { file: 'loop.jsonata', limits: { timeoutMs: 50 } });
  const started = Date.now();
  const e = await rejected(expr.evaluate({}));
  const elapsed = Date.now() - started;
  const i = only(e, 'MAPPING_TIMEOUT');
  assert.match(i.message, /50 ms/);
  assert.equal(i.file, 'loop.jsonata');
  assert.ok(elapsed >= 50 && elapsed < 2000, `stopped after ${elapsed} ms`);
});

test('evaluate: the time limit also covers higher-order loops ($map, $reduce)', async () => {
  const expr = jsonataEngine.compile('$reduce([1..5000000], function($a, $v) { $a + $v }, 0)', { limits: { timeoutMs: 30 } });
  const e = await rejected(expr.evaluate({}));
  assert.equal(e.code, 'MAPPING_TIMEOUT');
});

test('evaluate: deep recursion stops at the depth limit', async () => {
  const source = '(\n  $f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) };\n  $f(depth)\n)';
  const expr = jsonataEngine.compile(source, { file: 'deep.jsonata' });
  assert.equal(await expr.evaluate({ depth: 50 }), 50);
  const e = await rejected(expr.evaluate({ depth: 5000 }));
  const i = only(e, 'MAPPING_DEPTH');
  assert.match(i.message, /depth limit of 300/);
  assert.equal(i.file, 'deep.jsonata');
  assert.equal(i.line, 2);
  // A per-compile limit.
  const shallow = jsonataEngine.compile(source, { limits: { maxDepth: 40 } });
  assert.equal((await rejected(shallow.evaluate({ depth: 50 }))).code, 'MAPPING_DEPTH');
  // Engine-wide defaults.
  const generous = createJsonataEngine({ maxDepth: 20000 }).compile(source);
  assert.equal(await generous.evaluate({ depth: 5000 }), 5000);
});

test('evaluate: concurrent evaluations of one expression keep their own depth and deadline', async () => {
  const source = '(\n  $f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) };\n  $f(depth)\n)';
  const expr = jsonataEngine.compile(source, { limits: { maxDepth: 200, timeoutMs: 1000 } });
  // Each alone stays under 200 levels (about 3 per call); shared counting would exceed it.
  const inputs = Array.from({ length: 20 }, (_, k) => ({ depth: 30 + k }));
  const results = await Promise.all(inputs.map((input) => expr.evaluate(input)));
  assert.deepEqual(results, inputs.map((i) => i.depth));
});

test('evaluate: an evaluation started later has its own deadline', async () => {
  // $pause busy-waits, so time passes inside the evaluations; JSONata interleaves concurrent ones.
  const busy = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };
  const limit = 400;
  const loop = jsonataEngine.compile('(\n  $loop := function($n) { $n >= stop ? $n : ($pause(); $loop($n + 1)) };\n  $loop(0)\n)', {
    limits: { timeoutMs: limit },
  });
  // The first evaluation never ends. Half-way to its deadline it starts a second one that needs about
  // half a limit of its own (more while both run): it outlives the first one's deadline, well inside its own.
  let later: Promise<number> | undefined;
  let laterDone = 0;
  const firstStart = Date.now();
  const first = loop.evaluate({ stop: Number.MAX_SAFE_INTEGER }, {
    pause: () => {
      busy(5);
      if (later === undefined && Date.now() - firstStart >= limit / 2) {
        later = loop.evaluate({ stop: limit / 2 / 5 }, { pause: () => busy(5) }).then((v) => {
          laterDone = Date.now();
          return v as number;
        });
      }
    },
  });
  const firstError = await rejected(first);
  const firstDone = Date.now();
  assert.equal(firstError.code, 'MAPPING_TIMEOUT');
  assert.ok(later, 'the second evaluation was started');
  assert.equal(await later, limit / 2 / 5);
  assert.ok(laterDone > firstDone, 'the second evaluation ran past the first one\'s deadline');
});

test('evaluate: __proto__ and constructor in the input are plain data; nothing is polluted', async () => {
  const input = JSON.parse('{"__proto__": {"polluted": "yes", "fi": "x"}, "constructor": {"prototype": {"polluted": "yes"}}, "name": "N"}');
  const expr = jsonataEngine.compile(`{
    "proto": __proto__,
    "ctor": constructor,
    "__proto__": {"polluted": "yes"},
    "merged": $merge([{}, $]),
    "cleaned": $clean($),
    "title": $l10n(__proto__),
    "missing": toString
  }`);
  const out = (await expr.evaluate(input, createHelperBindings())) as Record<string, unknown>;
  assert.deepEqual(out['proto'], { polluted: 'yes', fi: 'x' });
  assert.deepEqual(out['ctor'], { prototype: { polluted: 'yes' } });
  assert.equal(out['missing'], undefined);
  assert.deepEqual(out['title'], { fi: 'x' });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(out, '__proto__'));
  assert.deepEqual(Object.keys(out['merged'] as object), ['__proto__', 'constructor', 'name']);
  assert.deepEqual(Object.keys(out['cleaned'] as object), ['__proto__', 'constructor', 'name']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal((Object.prototype as unknown as Record<string, unknown>)['polluted'], undefined);
  // An input without own __proto__: the name finds nothing (no prototype leaks in).
  assert.equal(await jsonataEngine.compile('__proto__').evaluate({ a: 1 }), undefined);
  assert.equal(await jsonataEngine.compile('constructor').evaluate({ a: 1 }), undefined);
});

test('evaluate: the CV mapping fixture produces the expected profile', async () => {
  const dir = FIXTURES;
  const expr = jsonataEngine.compile(readFileSync(`${dir}/cv-mapping.jsonata`, 'utf8'), { file: 'cv-mapping.jsonata' });
  const helpers = fixtureBindings();
  const out = (await expr.evaluate(JSON.parse(readFileSync(`${dir}/cv.json`, 'utf8')), helpers)) as Record<string, any>;
  assert.deepEqual(Object.keys(out), ['generalInfo', 'employments', 'projects', 'educations', 'languageSkills', 'experienceDescription', 'certifications', 'externalLinks']);
  assert.deepEqual(out['generalInfo'].description, { fi: 'Developer with ten years of experience.\n\nLikes data pipelines.', en: 'Developer with ten years of experience.\n\nLikes data pipelines.' });
  assert.deepEqual(out['employments'].map((e: any) => e.interval), [
    { startDate: '2020-01-01', ongoing: true },
    { startDate: '2016-03-01', endDate: '2019-12-31', ongoing: false },
    { startDate: '2015-01-01', endDate: '2015-12-31', ongoing: false },
  ]);
  assert.deepEqual(out['educations'][0].interval, { startDate: '2010-09-01', endDate: '2015-06-30', statusCode: 2 });
  assert.deepEqual(out['languageSkills'], [{ code: 'fi', level: 'L1' }, { code: 'en', level: 'C1' }]);
  assert.deepEqual(out['experienceDescription'].skills, [
    { uri: 'http://data.europa.eu/esco/skill/75f839c2-fd9a-4ad3-8921-6e734608568d' },
    { uri: 'http://data.europa.eu/esco/skill/001115fb-569f-4ee6-8381-c6807ef2527f' },
  ]);
  assert.deepEqual(out['certifications'].cardCodes, ['T01', 'T02']);
  assert.deepEqual(out['externalLinks'], [{ label: { fi: 'GitHub', en: 'GitHub' }, url: 'https://github.com/example' }]);
  assert.equal(out['projects'].length, 2);
});

test('compile: bad limits are a programming error', () => {
  assert.throws(() => jsonataEngine.compile('1', { limits: { timeoutMs: 0 } }), { code: 'INTERNAL' });
  assert.throws(() => jsonataEngine.compile('1', { limits: { maxDepth: 1.5 } }), { code: 'INTERNAL' });
  assert.throws(() => createJsonataEngine({ timeoutMs: -1 }), { code: 'INTERNAL' });
});
