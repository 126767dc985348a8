/**
 * The PostgreSQL source: one SQL query, its rows streamed through a cursor (constant memory),
 * each row a person record, or with `groupBy` each run of consecutive rows with the same value of
 * that column one person: `{ ...first row's columns, rows: [every row of the group] }` (the query
 * must ORDER BY the column). A query can also return one row per person with the person's lists
 * aggregated by PostgreSQL (json_agg / jsonb_agg); json and jsonb columns arrive parsed.
 *
 * - `connection` is a connection string, normally `${NAME}`: an environment variable. A password
 *   written in the pipeline is refused.
 * - `:name` placeholders in the query become `$1`, `$2`, … bind parameters with values from
 *   `params` (never spliced into the SQL text). Placeholders inside string literals, quoted
 *   identifiers, dollar-quoted strings and comments are left alone, and so are `::type` casts.
 * - The query runs in a READ ONLY transaction, with `statementTimeoutMs` as statement_timeout.
 * - Values: date and time types arrive as PostgreSQL prints them (`2021-03-01`,
 *   `2021-03-01 12:00:00+00`), bigint as a number when it fits exactly (else a string), numeric as
 *   a string, json/jsonb parsed, arrays as lists.
 * - A failed connection or query ends the source with one error item (SOURCE_UNREACHABLE,
 *   SOURCE_AUTH_REFUSED, SOURCE_QUERY_FAILED) naming the database and the row; records read before
 *   it are kept. Messages never quote row values.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { TmtError, issue, isTmtError, type Issue } from '../errors.js';
import type { PostgresSourceSpec, SqlParamValue } from '../pipeline/types.js';
import { hasLiteralPassword, interpolate, showConnection, type Env } from './live-common.js';
import type { SourceItem } from './types.js';

export interface PostgresSourceOptions {
  env: Env;
  /** The pipeline file's folder: queryFile is relative to it. */
  baseDir: string;
  signal?: AbortSignal;
}

export interface PreparedPostgresSource {
  connectionString: string;
  /** For messages and origins: host, port and database only. */
  shown: string;
  /** The query with $n placeholders. */
  text: string;
  values: unknown[];
  groupBy?: string;
  rowsKey: string;
  fetchSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

// ---------------------------------------------------------------------------------------------
// SQL text: named placeholders, and the text outside literals and comments

interface ScannedSql {
  /** The query with :name placeholders replaced by $n. */
  text: string;
  /** Placeholder names, in $n order (each name once). */
  names: string[];
  /** The query with comments and literals blanked, for simple checks (ORDER BY). */
  code: string;
  /** True when the query uses $n placeholders of its own. */
  positional: boolean;
}

/** Replaces `:name` placeholders by `$n`, skipping literals, quoted identifiers, comments and casts. */
export function scanSql(sql: string): ScannedSql {
  let text = '';
  let code = '';
  const names: string[] = [];
  let positional = false;
  let i = 0;
  const n = sql.length;
  const copy = (end: number, blank: boolean) => {
    const part = sql.slice(i, end);
    text += part;
    code += blank ? part.replace(/[^\n]/g, ' ') : part;
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const d = sql[i + 1];
    if (c === '-' && d === '-') {
      const end = sql.indexOf('\n', i);
      copy(end < 0 ? n : end, true);
    } else if (c === '/' && d === '*') {
      let depth = 0;
      let j = i;
      while (j < n) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      copy(j, true);
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[A-Za-z0-9_]/.test(sql[i - 2]!));
      let j = i + 1;
      while (j < n) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") {
          j++;
          break;
        } else j++;
      }
      copy(Math.min(j, n), true);
    } else if (c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') {
          j++;
          break;
        } else j++;
      }
      copy(Math.min(j, n), true);
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag && !(i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1]!))) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        copy(close < 0 ? n : close + tag[0].length, true);
      } else {
        if (d !== undefined && /[0-9]/.test(d) && !(i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1]!))) positional = true;
        copy(i + 1, false);
      }
    } else if (c === ':' && d === ':') {
      copy(i + 2, false);
    } else if (c === ':' && d !== undefined && /[A-Za-z_]/.test(d) && !(i > 0 && sql[i - 1] === ':')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let k = names.indexOf(name);
      if (k < 0) {
        names.push(name);
        k = names.length - 1;
      }
      const ph = `$${k + 1}`;
      text += ph;
      code += ph.padEnd(name.length + 1, ' ');
      i += name.length + 1;
    } else {
      copy(i + 1, false);
    }
  }
  return { text, names, code, positional };
}

/** True when the query (outside comments and literals) has an ORDER BY. */
export function hasOrderBy(scanned: ScannedSql): boolean {
  return /\border\s+by\b/i.test(scanned.code);
}

/** The query text: inline, or read from queryFile. Throws TmtError SOURCE_SQL_UNREADABLE / SOURCE_SQL_INVALID. */
export function readQuery(spec: PostgresSourceSpec, baseDir: string): string {
  if (spec.query !== undefined && spec.queryFile !== undefined) throw new TmtError('SOURCE_SQL_INVALID', 'give either source.query or source.queryFile, not both', { pointer: '/source/queryFile' });
  if (spec.query !== undefined) return spec.query;
  if (spec.queryFile === undefined) throw new TmtError('SOURCE_SQL_INVALID', 'a postgres source needs source.query or source.queryFile', { pointer: '/source' });
  try {
    return readFileSync(resolve(baseDir, spec.queryFile), 'utf8');
  } catch (e) {
    const c = (e as { code?: string }).code;
    throw new TmtError('SOURCE_SQL_UNREADABLE', `cannot read the SQL file ${spec.queryFile} (${c === 'ENOENT' ? 'no such file' : c === 'EISDIR' ? 'it is a folder' : c === 'EACCES' ? 'permission denied' : (c ?? 'error')})`, { pointer: '/source/queryFile' });
  }
}

/** Checks the spec and reads its environment variables and query. Throws coded TmtErrors. */
export function preparePostgresSource(spec: PostgresSourceSpec, env: Env, baseDir: string): PreparedPostgresSource {
  if (hasLiteralPassword(spec.connection)) throw new TmtError('SOURCE_SECRET_IN_PIPELINE', 'source.connection holds a password: put the connection string in an environment variable and write connection: ${NAME}', { pointer: '/source/connection' });
  const { value: connectionString, missing } = interpolate(spec.connection, env);
  if (missing.length > 0) {
    throw new TmtError('SOURCE_ENV_MISSING', `the postgres source needs the environment variable${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set`, { pointer: '/source/connection' });
  }
  if (!/^postgres(ql)?:\/\//i.test(connectionString.trim())) {
    throw new TmtError('SOURCE_URL_INVALID', 'source.connection is not a postgres:// or postgresql:// connection string (after reading its environment variables)', { pointer: '/source/connection' });
  }
  try {
    new URL(connectionString.trim());
  } catch {
    throw new TmtError('SOURCE_URL_INVALID', 'source.connection is not a well-formed connection string (special characters in the password must be percent-encoded)', { pointer: '/source/connection' });
  }
  const sql = readQuery(spec, baseDir);
  const scanned = scanSql(sql);
  const params = spec.params ?? {};
  if (scanned.positional) throw new TmtError('SOURCE_SQL_INVALID', 'the query uses $1-style placeholders: write :name placeholders and give their values under source.params', { pointer: spec.queryFile ? '/source/queryFile' : '/source/query' });
  const undefinedNames = scanned.names.filter((nm) => !Object.prototype.hasOwnProperty.call(params, nm));
  if (undefinedNames.length > 0) {
    throw new TmtError('SOURCE_SQL_INVALID', `the query uses ${undefinedNames.map((x) => `:${x}`).join(', ')} but source.params gives no value for ${undefinedNames.length === 1 ? 'it' : 'them'}`, { pointer: spec.params ? '/source/params' : '/source' });
  }
  if (spec.groupBy !== undefined && !hasOrderBy(scanned)) {
    throw new TmtError('SOURCE_SQL_INVALID', `with groupBy: ${spec.groupBy} the query must ORDER BY ${spec.groupBy}, so that each person's rows come together`, { pointer: '/source/groupBy' });
  }
  return {
    connectionString: connectionString.trim(),
    shown: showConnection(connectionString.trim()),
    text: scanned.text,
    values: scanned.names.map((nm) => params[nm] as SqlParamValue),
    ...(spec.groupBy !== undefined ? { groupBy: spec.groupBy } : {}),
    rowsKey: spec.rowsKey ?? 'rows',
    fetchSize: spec.fetchSize ?? 500,
    connectTimeoutMs: spec.connectTimeoutMs ?? 10_000,
    statementTimeoutMs: spec.statementTimeoutMs ?? 0,
  };
}

/** Params named in `params` that the query never uses (for a validation warning). */
export function unusedParams(spec: PostgresSourceSpec, sql: string): string[] {
  const used = new Set(scanSql(sql).names);
  return Object.keys(spec.params ?? {}).filter((k) => !used.has(k));
}

// ---------------------------------------------------------------------------------------------
// Values

const TEXT_ARRAY = 1009;
const parserFor = pg.types.getTypeParser as unknown as (oid: number, format: 'text' | 'binary') => (value: string) => unknown;
const AS_TEXT = new Set([1082, 1083, 1114, 1184, 1266, 1186]); // date, time, timestamp, timestamptz, timetz, interval
const TEXT_ARRAYS = new Set([1182, 1183, 1115, 1185, 1270, 1187]);
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (AS_TEXT.has(oid)) return (v: string) => v;
    if (TEXT_ARRAYS.has(oid)) return parserFor(TEXT_ARRAY, 'text');
    if (oid === 20) {
      return (v: string) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      };
    }
    return parserFor(oid, format ?? 'text');
  },
};

// ---------------------------------------------------------------------------------------------
// Errors

interface PgError {
  code?: string;
  message?: string;
  position?: string;
  severity?: string;
}

/** A PostgreSQL error as one line without data: SQLSTATE, the message (quoted values masked unless it names SQL objects), the position. */
function describePgError(e: unknown, positionShift = 0): string {
  const err = (e ?? {}) as PgError;
  const raw = (err.message ?? (e instanceof Error ? e.message : 'error')).split('\n')[0] ?? '';
  const sqlstate = typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
  // Class 42 (syntax error or access rule violation) quotes SQL text and object names; other
  // classes (data exceptions, constraint violations) may quote values from rows.
  const message = sqlstate?.startsWith('42') ? raw : raw.replace(/"[^"]*"/g, '"…"').replace(/\([^()]*\)=\([^()]*\)/g, '(…)=(…)');
  const position = err.position && /^\d+$/.test(err.position) ? Number(err.position) - positionShift : undefined;
  const at = position !== undefined && position > 0 ? ` (at character ${position} of the query)` : '';
  return `${sqlstate ? `SQLSTATE ${sqlstate}: ` : ''}${message.slice(0, 300)}${at}`;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** The issue for a failed connection attempt. */
export function connectIssue(e: unknown, shown: string, timeoutMs: number): Issue {
  const err = (e ?? {}) as PgError;
  const code = err.code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code === '28P01' || code === '28000') return issue('SOURCE_AUTH_REFUSED', `${shown}: the database refused the login (${describePgError(e)}); check the user and password in the connection string's environment variable`);
  if (/SASL|password must be a string|password authentication/i.test(msg)) return issue('SOURCE_AUTH_REFUSED', `${shown}: the database asked for a password the connection string does not give`);
  if (code === '3D000') return issue('SOURCE_UNREACHABLE', `${shown}: the database does not exist (SQLSTATE 3D000)`);
  if (NETWORK_CODES.has(code)) return issue('SOURCE_UNREACHABLE', `${shown}: cannot connect (${code === 'ENOTFOUND' ? 'the host name is not known' : code})`);
  if (/timeout/i.test(msg)) return issue('SOURCE_UNREACHABLE', `${shown}: no connection within ${timeoutMs} ms`);
  if (/terminated|closed|ECONNRESET/i.test(msg)) return issue('SOURCE_UNREACHABLE', `${shown}: the server closed the connection`);
  return issue('SOURCE_UNREACHABLE', `${shown}: cannot connect (${describePgError(e)})`);
}

function queryIssue(e: unknown, where: string, positionShift = 0): Issue {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as PgError | undefined)?.code;
  if (!code && /terminated|closed|ECONNRESET/i.test(msg)) return issue('SOURCE_QUERY_FAILED', `${where}: the connection was lost during the query`);
  if (code === '57014') return issue('SOURCE_QUERY_FAILED', `${where}: the query was cancelled (statement timeout, SQLSTATE 57014)`);
  return issue('SOURCE_QUERY_FAILED', `${where}: the query failed: ${describePgError(e, positionShift)}`);
}

export function newClient(prep: PreparedPostgresSource): pg.Client {
  const client = new pg.Client({ connectionString: prep.connectionString, connectionTimeoutMillis: prep.connectTimeoutMs, application_name: 'tmt-import', types: typeParsers });
  // Errors after connecting surface through the pending query; this keeps them from being unhandled.
  client.on('error', () => undefined);
  return client;
}

async function beginReadOnly(client: pg.Client, prep: PreparedPostgresSource): Promise<void> {
  await client.query('BEGIN TRANSACTION READ ONLY');
  if (prep.statementTimeoutMs > 0) await client.query(`SET LOCAL statement_timeout = ${Math.trunc(prep.statementTimeoutMs)}`);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads every record of a PostgreSQL source through a cursor. */
export async function* readPostgresSource(spec: PostgresSourceSpec, o: PostgresSourceOptions): AsyncGenerator<SourceItem, void, undefined> {
  let prep: PreparedPostgresSource;
  try {
    prep = preparePostgresSource(spec, o.env, o.baseDir);
  } catch (e) {
    yield { origin: 'source', error: isTmtError(e) ? (e.issues[0] ?? issue(e.code, e.message)) : issue('INTERNAL', 'the postgres source could not start') };
    return;
  }
  const client = newClient(prep);
  try {
    try {
      await client.connect();
    } catch (e) {
      yield { origin: prep.shown, error: connectIssue(e, prep.shown, prep.connectTimeoutMs) };
      return;
    }
    let cursor: Cursor;
    try {
      await beginReadOnly(client, prep);
      cursor = client.query(new Cursor(prep.text, prep.values));
    } catch (e) {
      yield { origin: prep.shown, error: queryIssue(e, prep.shown) };
      return;
    }
    const groupBy = prep.groupBy;
    let rowNo = 0;
    let group: { key: string; first: number; rows: Record<string, unknown>[] } | undefined;
    const flush = (): SourceItem | undefined => {
      if (!group) return undefined;
      const g = group;
      group = undefined;
      const first = g.rows[0]!;
      const origin = g.rows.length === 1 ? `${prep.shown} row ${g.first}` : `${prep.shown} rows ${g.first}-${g.first + g.rows.length - 1}`;
      const record: Record<string, unknown> = { ...first };
      Object.defineProperty(record, prep.rowsKey, { value: g.rows, enumerable: true, writable: true, configurable: true });
      return { origin, record };
    };
    for (;;) {
      if (o.signal?.aborted) return;
      let rows: Record<string, unknown>[];
      try {
        rows = (await cursor.read(prep.fetchSize)) as Record<string, unknown>[];
      } catch (e) {
        // A partly read group is an incomplete person: not passed on.
        yield { origin: `${prep.shown} row ${rowNo + 1}`, error: queryIssue(e, `${prep.shown} row ${rowNo + 1}`) };
        return;
      }
      if (rows.length === 0) break;
      for (const row of rows) {
        rowNo++;
        if (groupBy === undefined) {
          yield { origin: `${prep.shown} row ${rowNo}`, record: row };
          continue;
        }
        if (!Object.prototype.hasOwnProperty.call(row, groupBy)) {
          yield { origin: `${prep.shown} row ${rowNo}`, error: issue('SOURCE_ROW_INVALID', `${prep.shown} row ${rowNo}: the query returns no column "${groupBy}" (source.groupBy); it returns ${Object.keys(row).length} other columns`, { pointer: '/source/groupBy' }) };
          return;
        }
        const v = row[groupBy];
        const key = v === null || typeof v !== 'object' ? `${typeof v}:${String(v)}` : `json:${JSON.stringify(v)}`;
        if (group && group.key !== key) {
          const item = flush();
          if (item) yield item;
        }
        if (!group) group = { key, first: rowNo, rows: [] };
        group.rows.push(row);
      }
    }
    const last = flush();
    if (last) yield last;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** For --check-connections: connect, SELECT 1, and EXPLAIN the query (planned, not run: no rows read). */
export async function checkPostgresSource(spec: PostgresSourceSpec, env: Env, baseDir: string): Promise<{ ok: true; message: string } | { ok: false; issue: Issue }> {
  let prep: PreparedPostgresSource;
  try {
    prep = preparePostgresSource(spec, env, baseDir);
  } catch (e) {
    return { ok: false, issue: isTmtError(e) ? (e.issues[0] ?? issue(e.code, e.message)) : issue('INTERNAL', 'the postgres source could not be checked') };
  }
  const client = newClient(prep);
  try {
    try {
      await client.connect();
    } catch (e) {
      return { ok: false, issue: connectIssue(e, prep.shown, prep.connectTimeoutMs) };
    }
    try {
      await client.query('SELECT 1');
      await beginReadOnly(client, prep);
    } catch (e) {
      return { ok: false, issue: queryIssue(e, prep.shown) };
    }
    try {
      await client.query({ text: `EXPLAIN ${prep.text}`, values: prep.values });
      await client.query('ROLLBACK');
    } catch (e) {
      return { ok: false, issue: queryIssue(e, prep.shown, 'EXPLAIN '.length) };
    }
    return { ok: true, message: `${prep.shown}: connected; the query plans (EXPLAIN)` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
