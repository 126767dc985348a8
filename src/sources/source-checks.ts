/**
 * Phase two of pipeline validation for live sources (http, postgres): every problem at once,
 * located in the YAML. Environment variables the source names must be set (a `${NAME:-default}`
 * reference has a fallback); URLs and connection strings must be usable and hold no password
 * written in the pipeline; expressions must compile; the SQL file must be readable and its
 * placeholders, params and ORDER BY must fit. Nothing here touches the network
 * (see check-connections.ts for that).
 */
import { issue, isTmtError, type Issue } from '../errors.js';
import type { ExpressionEngine } from '../mapping/engine.js';
import type { HttpSourceSpec, PostgresSourceSpec, SourceSpec } from '../pipeline/types.js';
import { scalarTextOrigin, type YamlFile } from '../pipeline/yaml-positions.js';
import { bindSourceEnv, envRefs, hasLiteralPassword, interpolate, type Env } from './live-common.js';
import { hasOrderBy, readQuery, scanSql } from './postgres-source.js';

export interface LiveSourceCheckContext {
  /** The environment the pipeline will run with. */
  env: Env;
  /** The pipeline file's folder. */
  dir: string;
  engine: ExpressionEngine;
  yaml: YamlFile;
  /** Location of a JSON pointer in the pipeline file. */
  at(pointer: string, key?: boolean): Pick<Issue, 'file' | 'line' | 'column' | 'pointer'>;
}

export interface LiveSourceCheck {
  issues: Issue[];
  /** Files the source reads (the SQL file), for the pipeline hash. */
  hashInput?: string;
}

export function isLiveSource(source: unknown): source is HttpSourceSpec | PostgresSourceSpec {
  const t = typeof source === 'object' && source !== null ? (source as { type?: unknown }).type : undefined;
  return t === 'http' || t === 'postgres';
}

/** Checks a live source; binds `ctx.env` to it so that opening the loaded pipeline's source reads the same environment. */
export function checkLiveSource(source: SourceSpec, ctx: LiveSourceCheckContext): LiveSourceCheck {
  if (!isLiveSource(source)) return { issues: [] };
  bindSourceEnv(source, ctx.env);
  const r = source.type === 'http' ? { issues: checkHttp(source, ctx) } : checkPostgres(source, ctx);
  r.issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return r;
}

/** Unset variables referenced (without default) in a template value. */
function missingRefs(template: unknown, pointer: string, ctx: LiveSourceCheckContext, what: string): Issue[] {
  if (typeof template !== 'string') return [];
  const missing = [...new Set(envRefs(template).filter((r) => r.fallback === undefined && !ctx.env[r.name]).map((r) => r.name))];
  return missing.map((name) => issue('SOURCE_ENV_MISSING', `${what} reads the environment variable ${name}, which is not set`, ctx.at(pointer)));
}

function secretEnv(name: unknown, pointer: string, ctx: LiveSourceCheckContext, what: string): Issue[] {
  if (typeof name !== 'string' || name === '') return [];
  return ctx.env[name] ? [] : [issue('SOURCE_ENV_MISSING', `${what}: the environment variable ${name} is not set`, ctx.at(pointer))];
}

function compileAt(text: unknown, pointer: string, ctx: LiveSourceCheckContext): Issue[] {
  if (typeof text !== 'string') return [];
  try {
    const origin = scalarTextOrigin(ctx.yaml, pointer);
    ctx.engine.compile(text, { file: ctx.yaml.file, ...(origin ? { origin } : {}) });
    return [];
  } catch (e) {
    const where = ctx.at(pointer);
    const first = isTmtError(e) ? e.issues[0] : undefined;
    const loc = first?.line !== undefined ? { line: first.line, column: first.column } : {};
    return [issue('SOURCE_EXPRESSION_SYNTAX', first?.message ?? 'not a valid JSONata expression', { ...where, ...loc })];
  }
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'apikey', 'x-auth-token', 'cookie']);

const PAGINATION_KEYS: Record<string, readonly string[]> = {
  none: ['maxPages'],
  page: ['param', 'start', 'sizeParam', 'size', 'maxPages'],
  offset: ['param', 'sizeParam', 'size', 'maxPages'],
  cursor: ['param', 'next', 'sizeParam', 'size', 'maxPages'],
  link: ['sizeParam', 'size', 'maxPages'],
};

function checkHttp(s: HttpSourceSpec, ctx: LiveSourceCheckContext): Issue[] {
  const out: Issue[] = [];
  // Environment variables.
  out.push(...missingRefs(s.url, '/source/url', ctx, 'source.url'));
  for (const [k, v] of Object.entries(s.query ?? {})) out.push(...missingRefs(v, `/source/query/${k}`, ctx, `source.query.${k}`));
  for (const [k, v] of Object.entries(s.headers ?? {})) {
    out.push(...missingRefs(v, `/source/headers/${k}`, ctx, `source.headers.${k}`));
    if (SECRET_HEADERS.has(k.toLowerCase()) && typeof v === 'string' && envRefs(v).every((r) => r.fallback !== undefined)) {
      out.push(issue('SOURCE_SECRET_IN_PIPELINE', `source.headers.${k} is written in the pipeline: use source.auth (tokenEnv / valueEnv), or \${NAME} for the secret part`, ctx.at(`/source/headers/${k}`)));
    }
  }
  if (s.auth?.type === 'bearer') out.push(...secretEnv(s.auth.tokenEnv, '/source/auth/tokenEnv', ctx, 'source.auth (bearer token)'));
  if (s.auth?.type === 'api-key') out.push(...secretEnv(s.auth.valueEnv, '/source/auth/valueEnv', ctx, 'source.auth (API key)'));

  // The URL.
  if (typeof s.url === 'string') {
    if (hasLiteralPassword(s.url)) {
      out.push(issue('SOURCE_SECRET_IN_PIPELINE', 'source.url holds a password: use source.auth, or put the whole URL in an environment variable', ctx.at('/source/url')));
    } else {
      const { value, missing } = interpolate(s.url, ctx.env);
      if (missing.length === 0) {
        let u: URL | undefined;
        try {
          u = new URL(value);
        } catch {
          out.push(issue('SOURCE_URL_INVALID', `source.url is not a URL${envRefs(s.url).length ? ' (after reading its environment variables)' : ''}`, ctx.at('/source/url')));
        }
        if (u && u.protocol !== 'http:' && u.protocol !== 'https:') out.push(issue('SOURCE_URL_INVALID', `source.url must be http or https, not ${u.protocol.replace(/:$/, '')}`, ctx.at('/source/url')));
        else if (u && (u.username || u.password)) out.push(issue('SOURCE_SECRET_IN_PIPELINE', 'source.url carries user credentials: use source.auth instead', ctx.at('/source/url')));
      }
    }
  }

  // Expressions and pagination.
  out.push(...compileAt(s.records, '/source/records', ctx));
  const p = s.pagination;
  if (p && typeof p === 'object' && typeof p.type === 'string') {
    if (p.type === 'cursor' && p.next === undefined) {
      out.push(issue('PIPELINE_MISSING_KEY', 'pagination type cursor needs "next": a JSONata expression giving the next cursor from the page body', ctx.at('/source/pagination')));
    }
    out.push(...compileAt(p.next, '/source/pagination/next', ctx));
    const allowed = PAGINATION_KEYS[p.type] ?? [];
    for (const k of Object.keys(p)) {
      if (k !== 'type' && !allowed.includes(k)) out.push(issue('PIPELINE_BAD_VALUE', `pagination.${k} has no effect with pagination type ${p.type}`, { ...ctx.at(`/source/pagination/${k}`, true), severity: 'warning' }));
    }
  }
  return out;
}

function checkPostgres(s: PostgresSourceSpec, ctx: LiveSourceCheckContext): LiveSourceCheck {
  const out: Issue[] = [];
  let hashInput: string | undefined;
  if (typeof s.connection === 'string') {
    out.push(...missingRefs(s.connection, '/source/connection', ctx, 'source.connection'));
    if (hasLiteralPassword(s.connection)) {
      out.push(issue('SOURCE_SECRET_IN_PIPELINE', 'source.connection holds a password: put the connection string in an environment variable and write connection: ${NAME}', ctx.at('/source/connection')));
    } else {
      const { value, missing } = interpolate(s.connection, ctx.env);
      if (missing.length === 0) {
        let ok = /^postgres(ql)?:\/\//i.test(value.trim());
        if (ok) {
          try {
            new URL(value.trim());
          } catch {
            ok = false;
          }
        }
        if (!ok) out.push(issue('SOURCE_URL_INVALID', `source.connection is not a postgres:// connection string${envRefs(s.connection).length ? ' (after reading its environment variables)' : ''}`, ctx.at('/source/connection')));
      }
    }
  }

  let sql: string | undefined;
  try {
    sql = readQuery(s, ctx.dir);
    if (s.queryFile !== undefined) hashInput = sql;
  } catch (e) {
    const first = isTmtError(e) ? e.issues[0] : undefined;
    out.push(issue(first?.code ?? 'SOURCE_SQL_UNREADABLE', first?.message ?? 'cannot read the query', ctx.at(first?.pointer ?? '/source')));
  }
  if (sql !== undefined) {
    const queryAt = ctx.at(s.queryFile !== undefined ? '/source/queryFile' : '/source/query');
    const scanned = scanSql(sql);
    if (scanned.positional) out.push(issue('SOURCE_SQL_INVALID', 'the query uses $1-style placeholders: write :name placeholders and give their values under source.params', queryAt));
    if (/^\s*$/.test(scanned.code.replace(/;/g, ''))) out.push(issue('SOURCE_SQL_INVALID', 'the query is empty', queryAt));
    const params = s.params ?? {};
    const undefinedNames = scanned.names.filter((n) => !Object.prototype.hasOwnProperty.call(params, n));
    for (const n of undefinedNames) out.push(issue('SOURCE_SQL_INVALID', `the query uses :${n} but source.params gives no value for it`, s.params ? ctx.at('/source/params') : queryAt));
    for (const k of Object.keys(params)) {
      if (!scanned.names.includes(k)) out.push(issue('SOURCE_SQL_INVALID', `source.params.${k} is not used by the query (no :${k} in it)`, { ...ctx.at(`/source/params/${k}`, true), severity: 'warning' }));
    }
    if (s.groupBy !== undefined && !hasOrderBy(scanned)) {
      out.push(issue('SOURCE_SQL_INVALID', `with groupBy: ${s.groupBy} the query must ORDER BY ${s.groupBy}, so that each person's rows come together`, ctx.at('/source/groupBy')));
    }
  }
  return { issues: out, ...(hashInput !== undefined ? { hashInput } : {}) };
}
