/** A real PostgreSQL for tests: TMT_TEST_PG_URL (see .ci/run), one throwaway schema per test. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';

/** The server's URL; skips the test when it is not set (fails it in CI). */
export function pgUrl(t: TestContext): string | undefined {
  const url = process.env.TMT_TEST_PG_URL;
  if (url) return url;
  if (process.env.CI) assert.fail('TMT_TEST_PG_URL is not set: CI must start PostgreSQL (see .ci/run)');
  t.skip('PostgreSQL not available: set TMT_TEST_PG_URL (see .ci/run)');
  return undefined;
}

export interface TestSchema {
  schema: string;
  /** A connection string whose search_path is the schema. */
  url: string;
  client: pg.Client;
}

/** Creates a schema with a random name, runs `fn`, drops the schema. */
export async function withSchema<T>(base: string, fn: (s: TestSchema) => Promise<T>): Promise<T> {
  const schema = `tmt_t_${randomBytes(5).toString('hex')}`;
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    return await fn({ schema, url: u.toString(), client });
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  }
}
