import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/project-config.js';
import { loadPipeline } from '../../src/pipeline/load-pipeline.js';
import type { PostgresSourceSpec } from '../../src/pipeline/types.js';
import { checkConnections } from '../../src/sources/check-connections.js';
import { readPostgresSource, scanSql } from '../../src/sources/postgres-source.js';
import type { SourceItem } from '../../src/sources/types.js';
import { SIMPLE_PIPELINE, simpleProject } from '../fixtures.js';
import { freePort, tempDir } from '../helpers.js';
import { pgUrl, withSchema } from './postgres-db.js';

async function collect(spec: PostgresSourceSpec, env: Record<string, string>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readPostgresSource(spec, { env, baseDir: '/' })) out.push(item);
  return out;
}

const pgSpec = (over: Partial<PostgresSourceSpec>): PostgresSourceSpec => ({ type: 'postgres', connection: '${PG_URL}', key: 'email', ...over });

test(':name placeholders become $n bind parameters; literals, identifiers, comments, dollar quotes and casts are left alone', () => {
  const s = scanSql(`SELECT id::text, ':no' AS a, E'\\':no', "col:no", $$ :no $$, $tag$ :no $tag$ -- :no
    /* :no /* nested :no */ */ FROM t WHERE a = :first AND b = ANY(:list) AND c >= :first AND d[1:2] = x`);
  assert.deepEqual(s.names, ['first', 'list']);
  assert.match(s.text, /WHERE a = \$1 AND b = ANY\(\$2\) AND c >= \$1 AND d\[1:2\]/);
  assert.match(s.text, /SELECT id::text, ':no' AS a, E'\\':no', "col:no", \$\$ :no \$\$, \$tag\$ :no \$tag\$ -- :no/);
  assert.equal(s.positional, false);
  assert.equal(scanSql('SELECT * FROM t WHERE id = $1').positional, true);
  assert.doesNotMatch(scanSql("SELECT 'order by' FROM t -- order by x").code, /order by/i);
});

test('rows stream through a cursor in query order, each a record with its row number; params are bind values', async (t) => {
  const base = pgUrl(t);
  if (!base) return;
  await withSchema(base, async ({ url, client }) => {
    await client.query(`CREATE TABLE person (id int PRIMARY KEY, email text, born date, joined timestamptz, big bigint, tags text[], doc jsonb)`);
    await client.query(`INSERT INTO person SELECT i, 'p' || i || '@example.org', DATE '1990-01-31' + i, TIMESTAMPTZ '2024-05-01 12:00:00+00', 9007199254740993, ARRAY['a','b'], jsonb_build_object('n', i) FROM generate_series(1, 1234) i`);
    const items = await collect(pgSpec({ query: "SELECT * FROM person WHERE id <= :max AND email LIKE :pattern -- not :this\nORDER BY id", params: { max: 1200, pattern: '%@example.org' }, fetchSize: 100 }), { PG_URL: url });
    assert.equal(items.length, 1200);
    assert.deepEqual(items.map((i) => (i.record as { id: number }).id), Array.from({ length: 1200 }, (_, i) => i + 1));
    assert.match(items[41]!.origin, /^postgres:\/\/127\.0\.0\.1:5432\/\w+ row 42$/);
    assert.doesNotMatch(items[0]!.origin, /:[^/]*@/, 'no credentials in origins');
    const r = items[0]!.record as Record<string, unknown>;
    assert.equal(r.born, '1990-02-01', 'dates stay as PostgreSQL prints them');
    assert.equal(typeof r.joined, 'string');
    assert.equal(r.big, '9007199254740993', 'a bigint beyond 2^53 stays exact, as a string');
    assert.deepEqual(r.tags, ['a', 'b']);
    assert.deepEqual(r.doc, { n: 1 });
  });
});

test('groupBy collects consecutive rows of one person into { ...first row, rows: [...] }', async (t) => {
  const base = pgUrl(t);
  if (!base) return;
  await withSchema(base, async ({ url, client }) => {
    await client.query(`CREATE TABLE skill (person_id int, email text, skill text)`);
    await client.query(`INSERT INTO skill VALUES (2,'b@example.org','sql'),(1,'a@example.org','python'),(2,'b@example.org','excel'),(3,'c@example.org','welding'),(1,'a@example.org','java'),(2,'b@example.org','word')`);
    const items = await collect(pgSpec({ query: 'SELECT person_id, email, skill FROM skill ORDER BY person_id, skill', groupBy: 'person_id', rowsKey: 'skills', fetchSize: 2 }), { PG_URL: url });
    assert.equal(items.length, 3);
    assert.deepEqual(items.map((i) => (i.record as { email: string }).email), ['a@example.org', 'b@example.org', 'c@example.org']);
    assert.deepEqual((items[1]!.record as { skills: Array<{ skill: string }> }).skills.map((s) => s.skill), ['excel', 'sql', 'word']);
    assert.match(items[1]!.origin, /rows 3-5$/);
    assert.match(items[2]!.origin, /row 6$/);

    const wrong = await collect(pgSpec({ query: 'SELECT email FROM skill ORDER BY email', groupBy: 'person_id' }), { PG_URL: url });
    assert.equal(wrong.length, 1);
    assert.equal(wrong[0]!.error?.code, 'SOURCE_ROW_INVALID');
    assert.match(wrong[0]!.error!.message, /row 1: the query returns no column "person_id"/);
  });
});

test('query errors are coded, name the source and row, and never quote row values; the query runs read-only', async (t) => {
  const base = pgUrl(t);
  if (!base) return;
  await withSchema(base, async ({ url, client }) => {
    await client.query(`CREATE TABLE t (id int, secret text)`);
    await client.query(`INSERT INTO t SELECT i, 'hetu-' || i FROM generate_series(1, 10) i`);
    const missing = await collect(pgSpec({ query: 'SELECT * FROM no_such_table' }), { PG_URL: url });
    assert.equal(missing[0]!.error?.code, 'SOURCE_QUERY_FAILED');
    assert.match(missing[0]!.error!.message, /SQLSTATE 42P01: relation "no_such_table" does not exist \(at character 15 of the query\)/);

    // Rows 1-4 arrive, then row 5 divides by zero: the persons already read are kept.
    const midway = await collect(pgSpec({ query: 'SELECT i AS id, 10 / (i - 5) AS x FROM generate_series(1, 10) i', fetchSize: 2 }), { PG_URL: url });
    assert.deepEqual(midway.filter((i) => i.record).map((i) => (i.record as { id: number }).id), [1, 2, 3, 4]);
    assert.equal(midway.at(-1)!.error?.code, 'SOURCE_QUERY_FAILED');
    assert.match(midway.at(-1)!.error!.message, /row 5: the query failed: SQLSTATE 22012/);

    const data = await collect(pgSpec({ query: 'SELECT secret::int FROM t' }), { PG_URL: url });
    assert.equal(data[0]!.error?.code, 'SOURCE_QUERY_FAILED');
    assert.doesNotMatch(data[0]!.error!.message, /hetu/);

    const write = await collect(pgSpec({ query: "INSERT INTO t VALUES (99, 'x') RETURNING id" }), { PG_URL: url });
    assert.equal(write[0]!.error?.code, 'SOURCE_QUERY_FAILED');
    assert.match(write[0]!.error!.message, /25006/);
    assert.equal((await client.query('SELECT count(*)::int AS n FROM t')).rows[0].n, 10);
  });
});

test('refused credentials and an unreachable server are coded without the password', async (t) => {
  const base = pgUrl(t);
  if (!base) return;
  const u = new URL(base);
  u.password = 'not-the-password';
  const refused = await collect(pgSpec({ query: 'SELECT 1' }), { PG_URL: u.toString() });
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.error?.code, 'SOURCE_AUTH_REFUSED');
  assert.doesNotMatch(refused[0]!.error!.message, /not-the-password/);
  const port = await freePort();
  const unreachable = await collect(pgSpec({ query: 'SELECT 1', connectTimeoutMs: 2000 }), { PG_URL: `postgres://someone:pw@127.0.0.1:${port}/db` });
  assert.equal(unreachable[0]!.error?.code, 'SOURCE_UNREACHABLE');
  assert.match(unreachable[0]!.error!.message, new RegExp(`postgres://127\\.0\\.0\\.1:${port}/db: cannot connect \\(ECONNREFUSED\\)`));
  const env = await collect(pgSpec({ query: 'SELECT 1' }), {});
  assert.equal(env[0]!.error?.code, 'SOURCE_ENV_MISSING');
});

function pgPipeline(source: string): string {
  return SIMPLE_PIPELINE.replace(/source:\n(?: {2}.*\n)+/, `source:\n${source.replace(/^/gm, '  ')}\n`);
}

test('validate: missing variables, passwords in the pipeline, unreadable SQL, params and ORDER BY are located errors', async () => {
  const t = tempDir();
  try {
    simpleProject(t.dir, {
      'a.pipeline.yaml': pgPipeline('type: postgres\nconnection: ${CV_DB_URL}\nqueryFile: missing.sql\nkey: email'),
      'b.pipeline.yaml': pgPipeline('type: postgres\nconnection: postgres://u:hunter2@db.example/cv\nquery: SELECT * FROM p WHERE a = :a AND b = :b\nparams: { a: 1, c: 2 }\nkey: email'),
      'c.pipeline.yaml': pgPipeline('type: postgres\nconnection: ${CV_DB_URL:-postgres://db.example/cv}\nqueryFile: q.sql\ngroupBy: person_id\nkey: email'),
      'd.pipeline.yaml': pgPipeline('type: postgres\nconnection: mysql://db.example/cv\nquery: SELECT 1\nkey: email'),
      'q.sql': 'SELECT * FROM person -- ORDER BY person_id\n',
    });
    const config = resolveConfig({}, t.dir);
    const load = async (f: string, env: Record<string, string> = {}) => (await loadPipeline(f, { config, cwd: t.dir, env })).issues.map((i) => `${i.line}:${i.column} ${i.severity} ${i.code}`);
    // Line 5: connection, 6: query or queryFile, 7: params or groupBy.
    assert.deepEqual(await load('a.pipeline.yaml'), ['5:15 error SOURCE_ENV_MISSING', '6:14 error SOURCE_SQL_UNREADABLE']);
    assert.deepEqual(await load('a.pipeline.yaml', { CV_DB_URL: 'postgres://x@db/cv' }), ['6:14 error SOURCE_SQL_UNREADABLE']);
    assert.deepEqual(await load('b.pipeline.yaml'), ['5:15 error SOURCE_SECRET_IN_PIPELINE', '7:11 error SOURCE_SQL_INVALID', '7:19 warning SOURCE_SQL_INVALID']);
    const b = await loadPipeline('b.pipeline.yaml', { config, cwd: t.dir, env: {} });
    assert.ok(b.issues.every((i) => !i.message.includes('hunter2')));
    assert.deepEqual(await load('c.pipeline.yaml'), ['7:12 error SOURCE_SQL_INVALID']);
    assert.deepEqual(await load('d.pipeline.yaml'), ['5:15 error SOURCE_URL_INVALID']);
  } finally {
    t.cleanup();
  }
});

test('check connections: SELECT 1 and EXPLAIN of the query reach the database without reading rows; failures are coded', async (t) => {
  const base = pgUrl(t);
  if (!base) return;
  await withSchema(base, async ({ url, client }) => {
    await client.query(`CREATE TABLE person (id int, email text)`);
    const ok = await checkConnections({ source: pgSpec({ query: 'SELECT * FROM person WHERE id > :min ORDER BY id', params: { min: 0 } }), baseDir: '/', env: { PG_URL: url } });
    assert.deepEqual(ok.map((c) => [c.what, c.ok]), [['source', true]]);
    assert.match(ok[0]!.message, /EXPLAIN/);
    const bad = await checkConnections({ source: pgSpec({ query: 'SELECT * FROM persn' }), baseDir: '/', env: { PG_URL: url } });
    assert.equal(bad[0]!.issue?.code, 'SOURCE_QUERY_FAILED');
    assert.match(bad[0]!.message, /persn/);
  });
});

