import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLookupTable, loadLookupTables, normalizeLookupKey } from '../../src/mapping/lookups.js';
import { TmtError } from '../../src/errors.js';
import { fromRoot, tempDir } from '../helpers.js';

function withFiles(files: Record<string, string>, fn: (dir: string) => void): void {
  const { dir, cleanup } = tempDir();
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    fn(dir);
  } finally {
    cleanup();
  }
}

function assertUnreadable(fn: () => unknown, expect: { line?: number; column?: number; message?: RegExp }): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TmtError, 'a TmtError');
    assert.equal(e.code, 'LOOKUP_UNREADABLE');
    const i = e.issues[0]!;
    assert.ok(i.file, 'names the file');
    if (expect.line !== undefined) assert.equal(i.line, expect.line);
    if (expect.column !== undefined) assert.equal(i.column, expect.column);
    if (expect.message) assert.match(e.message, expect.message);
    return true;
  });
}

test('normalizeLookupKey: case, whitespace and Unicode compatibility forms', () => {
  assert.equal(normalizeLookupKey('  Hello   World\t'), 'hello world');
  assert.equal(normalizeLookupKey('Ｊａｖａ'), 'java');
  assert.equal(normalizeLookupKey('ﬁnnish'), 'finnish'); // ligature
  assert.equal(normalizeLookupKey('Cafe\u0301'), normalizeLookupKey('Café')); // combining accent
  assert.equal(normalizeLookupKey('a\u00a0b'), 'a b');
  assert.equal(normalizeLookupKey('ÄÖÅ'), 'äöå');
});

test('CSV: first column is the key, second the value, others reachable by name', () => {
  withFiles({ 't.csv': 'name,code,note\nFinnish,fi,official\nSwedish,sv,official\nEnglish,en,\n' }, (dir) => {
    const t = loadLookupTable(join(dir, 't.csv'));
    assert.equal(t.size, 3);
    assert.deepEqual(t.columns, ['name', 'code', 'note']);
    assert.equal(t.get('finnish'), 'fi');
    assert.equal(t.get(' SWEDISH '), 'sv');
    assert.equal(t.get('Swedish', 'note'), 'official');
    assert.equal(t.get('English', 'note'), undefined, 'an empty cell is no value');
    assert.equal(t.get('Swedish', 'name'), 'Swedish');
    assert.equal(t.get('Swedish', 'nope'), undefined);
    assert.equal(t.get('German'), undefined);
    assert.equal(t.file, join(dir, 't.csv'));
  });
});

test('CSV: key and value options pick columns by name', () => {
  withFiles({ 't.csv': 'code,name,extra\nfi,Finnish,x\nsv,Swedish,y\n' }, (dir) => {
    const t = loadLookupTable(join(dir, 't.csv'), { key: 'name', value: 'code' });
    assert.equal(t.get('Finnish'), 'fi');
    assert.equal(t.get('swedish', 'extra'), 'y');
  });
});

test('CSV: BOM, quoted cells, semicolons, CRLF, blank lines; duplicates: first wins', () => {
  withFiles(
    {
      'bom.csv': '\ufefflabel,uri\r\n"Use query languages","http://data.europa.eu/esco/skill/75f839c2-fd9a-4ad3-8921-6e734608568d"\r\n\r\n"A, B",quoted\r\nuse QUERY languages,second\r\n',
      'semi.csv': 'nimi;koodi\nsuomi;fi\n"ruotsi; kieli";sv\n',
      'tab.tsv': 'name\tcode\nFinnish\tfi\n',
    },
    (dir) => {
      const t = loadLookupTable(join(dir, 'bom.csv'));
      assert.deepEqual(t.columns, ['label', 'uri']);
      assert.equal(t.get('use query languages'), 'http://data.europa.eu/esco/skill/75f839c2-fd9a-4ad3-8921-6e734608568d');
      assert.equal(t.get('a, b'), 'quoted');
      assert.equal(t.size, 2);
      const s = loadLookupTable(join(dir, 'semi.csv'));
      assert.equal(s.get('SUOMI'), 'fi');
      assert.equal(s.get('ruotsi; kieli'), 'sv');
      assert.equal(loadLookupTable(join(dir, 'tab.tsv')).get('finnish'), 'fi');
    },
  );
});

test('CSV: __proto__ and constructor keys are data', () => {
  withFiles({ 't.csv': 'k,v\n__proto__,p\nconstructor,c\n' }, (dir) => {
    const t = loadLookupTable(join(dir, 't.csv'));
    assert.equal(t.get('__proto__'), 'p');
    assert.equal(t.get('constructor'), 'c');
    assert.equal(t.get('toString'), undefined);
    assert.equal(({} as Record<string, unknown>)['p'], undefined);
  });
});

test('CSV errors: missing file, parse error with line, no header, unknown or missing columns', () => {
  withFiles(
    {
      'bad.csv': 'k,v\na,1\nb,"2\n',
      'ragged.csv': 'k,v\na,1\nb,2,3\n',
      'empty.csv': '',
      'one.csv': 'k\na\n',
      'ok.csv': 'k,v\na,1\n',
    },
    (dir) => {
      assertUnreadable(() => loadLookupTable(join(dir, 'missing.csv')), { message: /does not exist/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'bad.csv')), { line: 3 });
      assertUnreadable(() => loadLookupTable(join(dir, 'ragged.csv')), { line: 3 });
      assertUnreadable(() => loadLookupTable(join(dir, 'empty.csv')), { line: 1, message: /header/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'one.csv')), { line: 1, message: /two columns/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'ok.csv'), { key: 'name' }), { line: 1, message: /"name"/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'one.csv'), { value: 'code' }), { line: 1, message: /"code"/ });
    },
  );
});

test('YAML: key to string, key to object of columns', () => {
  const cefr = loadLookupTable(fromRoot('test/mapping/fixtures/cefr.yaml'));
  assert.equal(cefr.get('Native Speaker'), 'L1');
  assert.equal(cefr.get('fluent'), 'C1');
  assert.equal(cefr.size, 3);
  withFiles(
    {
      'cols.yaml': 'Finnish:\n  value: fi\n  native: suomi\nSwedish:\n  value: sv\n  native: svenska\n2020: year\nEnglish: ~\n',
      'code.yml': 'Finnish: { code: fi }\nSwedish: { code: sv }\n',
      'bom.yaml': '\ufeffa: b\n',
      'empty.yaml': '# nothing yet\n',
    },
    (dir) => {
      const t = loadLookupTable(join(dir, 'cols.yaml'));
      assert.equal(t.get('finnish'), 'fi');
      assert.equal(t.get('Swedish', 'native'), 'svenska');
      assert.equal(t.get('2020'), 'year');
      assert.equal(t.get('English'), undefined);
      assert.deepEqual(t.columns, ['value', 'native']);
      assert.equal(loadLookupTable(join(dir, 'code.yml'), { value: 'code' }).get('swedish'), 'sv');
      assert.equal(loadLookupTable(join(dir, 'bom.yaml')).get('A'), 'b');
      assert.equal(loadLookupTable(join(dir, 'empty.yaml')).size, 0);
    },
  );
});

test('YAML: duplicate keys (also after normalization): first wins; __proto__ is data', () => {
  withFiles({ 'd.yaml': 'Java: first\njava : second\nJava: third\n__proto__: p\nconstructor: c\n' }, (dir) => {
    const t = loadLookupTable(join(dir, 'd.yaml'));
    assert.equal(t.get('JAVA'), 'first');
    assert.equal(t.get('__proto__'), 'p');
    assert.equal(t.get('constructor'), 'c');
    assert.equal(t.get('hasOwnProperty'), undefined);
  });
});

test('YAML errors: syntax with line and column, wrong shapes, options', () => {
  withFiles(
    {
      'syntax.yaml': 'a: b\nc: @x\n',
      'list.yaml': '- a\n- b\n',
      'nested.yaml': 'a: b\nc:\n  - x\n',
      'deep.yaml': 'a:\n  value:\n    too: deep\n',
      'novalue.yaml': 'a: { code: x }\n',
    },
    (dir) => {
      assertUnreadable(() => loadLookupTable(join(dir, 'syntax.yaml')), { line: 2, column: 4, message: /reserved character/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'list.yaml')), { line: 1, column: 1, message: /mapping/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'nested.yaml')), { line: 3, column: 3 });
      assertUnreadable(() => loadLookupTable(join(dir, 'deep.yaml')), { line: 3 });
      assertUnreadable(() => loadLookupTable(join(dir, 'novalue.yaml')), { message: /"value"/ });
      assertUnreadable(() => loadLookupTable(join(dir, 'novalue.yaml'), { key: 'code' }), { message: /CSV/ });
    },
  );
});

test('other file types and folders are unreadable', () => {
  withFiles({ 't.txt': 'a,b\n' }, (dir) => {
    assertUnreadable(() => loadLookupTable(join(dir, 't.txt')), { message: /\.csv/ });
    mkdirSync(join(dir, 'folder.csv'));
    assertUnreadable(() => loadLookupTable(join(dir, 'folder.csv')), { message: /folder/ });
  });
});

test('loadLookupTables: declarations by path or with columns', () => {
  withFiles({ 'l.csv': 'code,name\nfi,Finnish\n' }, (dir) => {
    const tables = loadLookupTables({
      cefr: fromRoot('test/mapping/fixtures/cefr.yaml'),
      languages: { file: join(dir, 'l.csv'), key: 'name', value: 'code' },
    });
    assert.deepEqual([...tables.keys()], ['cefr', 'languages']);
    assert.equal(tables.get('languages')!.get('finnish'), 'fi');
    assert.equal(tables.get('cefr')!.get('fluent'), 'C1');
  });
});
