/**
 * Memory of the postgres source: streams 100,000 rows (a person with a few hundred bytes of data
 * each) through readPostgresSource and reports the peak RSS. The rows come through a cursor, so
 * memory must stay flat however large the table.
 *
 *   TMT_TEST_PG_URL=postgres://user:pass@127.0.0.1:5432/db node dist/bench/pg-memory.js [--rows N] [--budget-mb N]
 *
 * Creates a throwaway schema with a random name, fills it with generate_series, streams it, drops it.
 * Prints one JSON line: { rows, seconds, rate, maxRssMB, budgetMB, ok }. Exit code 1 above the
 * budget (default 300 MB) or on a failure; 0 with a message when TMT_TEST_PG_URL is not set.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readPostgresSource } from '../src/sources/postgres-source.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const v = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

async function main(): Promise<number> {
  const base = process.env.TMT_TEST_PG_URL;
  if (!base) {
    process.stdout.write('pg-memory: skipped (PostgreSQL not available: set TMT_TEST_PG_URL, see .ci/run)\n');
    return 0;
  }
  const rows = arg('rows', 100_000);
  const budgetMB = arg('budget-mb', 300);
  const schema = `tmt_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.person (person_id int PRIMARY KEY, email text, headline text, jobs jsonb, share_work boolean)`);
    await admin.query(
      `INSERT INTO ${schema}.person
       SELECT i, 'person' || i || '@example.org', 'Software developer number ' || i,
              jsonb_build_array(jsonb_build_object('employer', 'Employer ' || i, 'title', 'Developer', 'start', '2019-03-01', 'description', repeat('x', 200)),
                                jsonb_build_object('employer', 'Other ' || i, 'title', 'Trainee', 'start', '2016-01-01', 'end', '2018-12-31')),
              i % 2 = 0
       FROM generate_series(1, $1) i`,
      [rows],
    );
    const u = new URL(base);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const started = performance.now();
    let n = 0;
    let errors = 0;
    for await (const item of readPostgresSource({ type: 'postgres', connection: '${BENCH_PG_URL}', key: 'email', query: 'SELECT * FROM person ORDER BY person_id', fetchSize: 500 }, { env: { BENCH_PG_URL: u.toString() }, baseDir: process.cwd() })) {
      if (item.error) errors++;
      else n++;
      if (n % 20_000 === 0 && n > 0) process.stderr.write(`  ${n} rows, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`);
    }
    const seconds = (performance.now() - started) / 1000;
    const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    const ok = errors === 0 && n === rows && maxRssMB <= budgetMB;
    process.stdout.write(JSON.stringify({ rows: n, errors, seconds: Math.round(seconds * 10) / 10, rate: Math.round(n / seconds), maxRssMB, budgetMB, ok }) + '\n');
    if (!ok) process.stderr.write(errors || n !== rows ? `pg-memory: read ${n} of ${rows} rows with ${errors} errors\n` : `pg-memory: OVER BUDGET: peak RSS ${maxRssMB} MB > ${budgetMB} MB\n`);
    return ok ? 0 : 1;
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pg-memory: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
