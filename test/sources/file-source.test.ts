import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { readFileSource, readSourcePaths, resolveSourcePaths } from '../../src/sources/file-source.js';
import type { FileSourceSpec, SourceItem } from '../../src/sources/types.js';
import { isTmtError } from '../../src/errors.js';

async function collect(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of it) out.push(item);
  return out;
}

/** project/pipelines (the pipeline folder), project/examples/jsonresume/*.json, project/data/... */
function layout(root: string): { pipelines: string } {
  const pipelines = join(root, 'pipelines');
  mkdirSync(pipelines, { recursive: true });
  mkdirSync(join(root, 'examples', 'jsonresume', 'nested'), { recursive: true });
  writeFileSync(join(root, 'examples', 'jsonresume', 'b.json'), '{"n":"b"}');
  writeFileSync(join(root, 'examples', 'jsonresume', 'a.json'), '{"n":"a"}');
  writeFileSync(join(root, 'examples', 'jsonresume', 'C.JSON'), '{"n":"C"}');
  writeFileSync(join(root, 'examples', 'jsonresume', '.hidden.json'), '{"n":"hidden"}');
  writeFileSync(join(root, 'examples', 'jsonresume', 'readme.md'), '# not json');
  writeFileSync(join(root, 'examples', 'jsonresume', 'nested', 'd.json'), '{"n":"d"}');
  return { pipelines };
}

const json = (path: string | string[]): FileSourceSpec => ({ type: 'file', format: 'json', path });

test('file source: a glob relative to the pipeline folder (with ../), sorted, origins relative to displayBase', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pipelines } = layout(dir);
    const paths = await resolveSourcePaths(json('../examples/jsonresume/*.json'), { baseDir: pipelines, displayBase: dir });
    assert.deepEqual(paths, [join(dir, 'examples/jsonresume/a.json'), join(dir, 'examples/jsonresume/b.json')]);
    const items = await collect(readFileSource(json('../examples/jsonresume/*.json'), { baseDir: pipelines, displayBase: dir }));
    assert.deepEqual(items, [
      { origin: 'examples/jsonresume/a.json', record: { n: 'a' } },
      { origin: 'examples/jsonresume/b.json', record: { n: 'b' } },
    ]);
    const deep = await resolveSourcePaths(json('../examples/**/*.json'), { baseDir: pipelines, displayBase: dir });
    assert.deepEqual(deep, ['a.json', 'b.json', 'nested/d.json'].map((p) => join(dir, 'examples/jsonresume', p)));
  } finally {
    cleanup();
  }
});

test('file source: a folder gives its *.json files (any case, no dot-files, not nested); lists are merged and deduplicated', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pipelines } = layout(dir);
    const folder = await resolveSourcePaths(json('../examples/jsonresume'), { baseDir: pipelines, displayBase: dir });
    assert.deepEqual(folder, ['C.JSON', 'a.json', 'b.json'].map((p) => join(dir, 'examples/jsonresume', p)));
    const list = await resolveSourcePaths(json(['../examples/jsonresume/b.json', '../examples/jsonresume/', '../examples/jsonresume/nested/*.json']), {
      baseDir: pipelines,
      displayBase: dir,
    });
    assert.deepEqual(list, ['C.JSON', 'a.json', 'b.json', 'nested/d.json'].map((p) => join(dir, 'examples/jsonresume', p)));
  } finally {
    cleanup();
  }
});

test('file source: order is deterministic whatever the order of creation or of the list', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const n of ['z', 'm', 'a', 'k', 'b']) writeFileSync(join(dir, `${n}.json`), `{"n":"${n}"}`);
    const one = await collect(readFileSource(json(['k.json', '*.json', 'a.json']), { baseDir: dir, displayBase: dir }));
    const two = await collect(readFileSource(json(['a.json', 'z.json', '.']), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(one.map((i) => i.origin), ['a.json', 'b.json', 'k.json', 'm.json', 'z.json']);
    assert.deepEqual(two, one);
  } finally {
    cleanup();
  }
});

test('file source: no match gives [] and no items; a missing path next to matches is reported when read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pipelines } = layout(dir);
    const opts = { baseDir: pipelines, displayBase: dir };
    assert.deepEqual(await resolveSourcePaths(json('../nothing/*.json'), opts), []);
    assert.deepEqual(await resolveSourcePaths(json('../examples/jsonresume/*.yaml'), opts), []);
    assert.deepEqual(await resolveSourcePaths(json(['missing.json', '../no-such-folder/**/*.json']), opts), []);
    assert.deepEqual(await collect(readFileSource(json('missing.json'), opts)), []);
    const mixed = await collect(readFileSource(json(['missing.json', '../examples/jsonresume/a.json']), opts));
    assert.deepEqual(mixed.map((i) => [i.origin, i.error?.code]), [
      ['examples/jsonresume/a.json', undefined],
      ['pipelines/missing.json', 'SOURCE_UNREADABLE'],
    ]);
  } finally {
    cleanup();
  }
});

test('file source: --input replaces the spec path and is resolved against inputBase', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pipelines } = layout(dir);
    mkdirSync(join(dir, 'work'));
    writeFileSync(join(dir, 'work', 'people.ndjson'), '{"n":1}\n{"n":2}\n');
    const spec: FileSourceSpec = { type: 'file', format: 'ndjson', path: '../examples/none/*.ndjson' };
    const items = await collect(readFileSource(spec, { baseDir: pipelines, input: 'people.ndjson', inputBase: join(dir, 'work'), displayBase: join(dir, 'work') }));
    assert.deepEqual(items, [
      { origin: 'people.ndjson:1', record: { n: 1 } },
      { origin: 'people.ndjson:2', record: { n: 2 } },
    ]);
    // An --input glob works the same way; without inputBase it is resolved against baseDir.
    const viaGlob = await resolveSourcePaths(json('unused.json'), { baseDir: pipelines, input: '../examples/jsonresume/[ab].json', displayBase: dir });
    assert.deepEqual(viaGlob, [join(dir, 'examples/jsonresume/a.json'), join(dir, 'examples/jsonresume/b.json')]);
  } finally {
    cleanup();
  }
});

test('file source: a literal path with glob characters is read as is', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'cv (2024)'));
    writeFileSync(join(dir, 'cv (2024)', 'cv[1].json'), '{"n":1}');
    writeFileSync(join(dir, 'cv (2024)', 'other.json'), '{"n":2}');
    const items = await collect(readFileSource(json('cv (2024)/cv[1].json'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items, [{ origin: 'cv (2024)/cv[1].json', record: { n: 1 } }]);
    const globbed = await resolveSourcePaths(json('cv (2024)/*.json'), { baseDir: dir, displayBase: dir });
    assert.deepEqual(globbed, [join(dir, 'cv (2024)', 'cv[1].json'), join(dir, 'cv (2024)', 'other.json')]);
  } finally {
    cleanup();
  }
});

test('file source: linkedin globs give one export per folder; files are not matched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const name of ['b', 'a']) {
      mkdirSync(join(dir, 'exports', name), { recursive: true });
      writeFileSync(join(dir, 'exports', name, 'Skills.csv'), `Name\nskill-${name}\n`);
    }
    writeFileSync(join(dir, 'exports', 'notes.txt'), 'x');
    const spec: FileSourceSpec = { type: 'file', format: 'linkedin', path: 'exports/*' };
    const paths = await resolveSourcePaths(spec, { baseDir: dir, displayBase: dir });
    assert.deepEqual(paths, [join(dir, 'exports/a'), join(dir, 'exports/b')]);
    const items = await collect(readFileSource({ ...spec, path: 'exports/*/' }, { baseDir: dir, displayBase: join(dir, 'exports') }));
    assert.deepEqual(items.map((i) => [i.origin, (i.record as { skills: unknown[] }).skills]), [
      ['a', [{ Name: 'skill-a' }]],
      ['b', [{ Name: 'skill-b' }]],
    ]);
  } finally {
    cleanup();
  }
});

test('file source: readSourcePaths reads pre-resolved paths; abort stops between files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, `${n}.json`), `[{"n":"${n}1"},{"n":"${n}2"}]`);
    const opts = { baseDir: dir, displayBase: dir };
    const paths = await resolveSourcePaths(json('*.json'), opts);
    const all = await collect(readSourcePaths('json', paths, opts));
    assert.equal(all.length, 6);
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const item of readFileSource(json('*.json'), { ...opts, signal: ac.signal })) {
      seen.push(item.origin);
      if (seen.length === 3) ac.abort();
    }
    assert.deepEqual(seen, ['a.json#0', 'a.json#1', 'b.json#0']);
  } finally {
    cleanup();
  }
});

test('file source: an unknown format is a coded error', async () => {
  const bad = { type: 'file', format: 'xml', path: 'x' } as unknown as FileSourceSpec;
  await assert.rejects(resolveSourcePaths(bad, { baseDir: '/', displayBase: '/' }), (e: unknown) => isTmtError(e) && e.code === 'PIPELINE_BAD_VALUE');
});
