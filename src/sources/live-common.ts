/**
 * What the live sources (http, postgres) share: `${NAME}` / `${NAME:-default}` references to
 * environment variables in pipeline values, addresses shown without credentials, and the
 * environment a loaded pipeline's source reads.
 */
import type { SourceSpec } from '../pipeline/types.js';

export type Env = Record<string, string | undefined>;

/** `${NAME}` or `${NAME:-default}`; NAME is letters, digits and underscores. */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface EnvRef {
  name: string;
  /** The default used when the variable is unset or empty (absent: the variable is required). */
  fallback?: string;
}

/** The environment variables a template refers to, in order. */
export function envRefs(template: string): EnvRef[] {
  return [...template.matchAll(REF)].map((m) => ({ name: m[1]!, ...(m[2] !== undefined ? { fallback: m[2] } : {}) }));
}

/** The template with each reference replaced by its variable (or default); `missing` names unset required variables. */
export function interpolate(template: string, env: Env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = template.replace(REF, (_all, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return { value, missing };
}

/**
 * True when the template's own text (not what its required references bring in) holds a password:
 * `scheme://user:password@`, or a `password=` query parameter.
 */
export function hasLiteralPassword(template: string): boolean {
  const HOLE = '\u0000';
  const literal = template.replace(REF, (_all, _name: string, fallback: string | undefined) => fallback ?? HOLE);
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#@]*)@/.exec(literal)?.[1];
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const password = colon < 0 ? '' : userinfo.slice(colon + 1);
    if (password !== '' && !password.includes(HOLE)) return true;
  }
  const param = /[?&](?:password|sslpassword)=([^&#]*)/i.exec(literal)?.[1];
  return param !== undefined && param !== '' && !param.includes(HOLE);
}

/** A URL for messages and origins: scheme, host, port and path; never user info, query or fragment. */
export function showUrl(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** A PostgreSQL connection for messages: `postgres://host:port/database`, never user or password. */
export function showConnection(connection: string): string {
  try {
    const u = new URL(connection);
    return `postgres://${u.host || 'localhost'}${u.pathname || '/'}`;
  } catch {
    return 'postgres (connection string not shown)';
  }
}

// The environment a loaded pipeline's source reads: bound by the pipeline loader (which may be
// given an environment other than process.env), looked up by openSource.
const boundEnv = new WeakMap<object, Env>();

export function bindSourceEnv(spec: SourceSpec, env: Env): void {
  if (typeof spec === 'object' && spec !== null) boundEnv.set(spec, env);
}

export function sourceEnvOf(spec: SourceSpec): Env | undefined {
  return typeof spec === 'object' && spec !== null ? boundEnv.get(spec) : undefined;
}

/** Whole milliseconds, for messages. */
export function ms(n: number): string {
  return `${Math.round(n)} ms`;
}
