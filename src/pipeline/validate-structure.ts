/**
 * Phase one of pipeline validation: the structure, checked with ajv against the checked-in
 * schemas/pipeline.schema.json, every problem at once, each located in the YAML file.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { issue, type Issue, type ErrorCode } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { positionOf, type YamlFile } from './yaml-positions.js';

export const PIPELINE_SCHEMA_URL = new URL('../../../schemas/pipeline.schema.json', import.meta.url);

let compiled: ReturnType<Ajv['compile']> | undefined;

export function pipelineSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(PIPELINE_SCHEMA_URL, 'utf8')) as Record<string, unknown>;
}

function validator(): ReturnType<Ajv['compile']> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    compiled = ajv.compile(pipelineSchema());
  }
  return compiled;
}

/** Structural issues of a parsed pipeline file (empty when it matches the schema). */
export function validatePipelineStructure(y: YamlFile): Issue[] {
  if (typeof y.value !== 'object' || y.value === null || Array.isArray(y.value)) {
    return [issue('PIPELINE_NOT_OBJECT', 'the pipeline file must be a YAML mapping with name, source, mapping, consent and target', { file: y.file, line: 1, column: 1, pointer: '' })];
  }
  const validate = validator();
  if (validate(y.value)) return [];
  const errors = simplify(validate.errors ?? []);
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const err of errors) {
    const i = toIssue(err, y);
    const id = `${i.code}|${i.pointer}|${i.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(i);
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** Drop ajv's cascades: `if` wrappers, and oneOf branches that failed only because of their type. */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const underOneOf = (e: ErrorObject) => oneOfs.find((o) => e !== o && e.schemaPath.startsWith(o.schemaPath.replace(/\/oneOf$/, '/oneOf/')));
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (e.keyword === 'oneOf') {
      const branchErrors = errors.filter((b) => underOneOf(b) === e);
      const meaningful = branchErrors.filter((b) => !(b.keyword === 'type' && b.instancePath === e.instancePath));
      if (meaningful.length === 0) out.push(e); // every branch failed on type: one "wrong type" issue
      continue;
    }
    const parent = underOneOf(e);
    if (parent) {
      if (e.keyword === 'type' && e.instancePath === parent.instancePath) continue;
    }
    out.push(e);
  }
  return out;
}

function toIssue(err: ErrorObject, y: YamlFile): Issue {
  const at = err.instancePath;
  const where = at === '' ? 'the top level' : at;
  const make = (code: ErrorCode, message: string, pointer: string, key = false) => {
    const pos = positionOf(y, pointer, { key });
    return issue(code, message, { file: y.file, line: pos.line, column: pos.column, pointer });
  };
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(((err.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      return make('PIPELINE_UNKNOWN_KEY', `unknown key "${key}" in ${where}.${didYouMean(key, known)}`, `${at}/${escape(key)}`, true);
    }
    case 'required':
      return make('PIPELINE_MISSING_KEY', `missing key "${String(params.missingProperty)}" in ${where}`, at);
    case 'type':
      return make('PIPELINE_WRONG_TYPE', `${where} must be ${article(String(params.type))}`, at);
    case 'oneOf': {
      const types = ((err.schema as Array<{ type?: string }>) ?? []).map((s) => s.type).filter(Boolean);
      return make('PIPELINE_WRONG_TYPE', `${where} must be ${types.map((t) => article(String(t))).join(' or ')}`, at);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const hint = typeof err.data === 'string' ? didYouMean(err.data, allowed.map(String)) : '';
      return make('PIPELINE_BAD_VALUE', `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}.${hint}`, at);
    }
    case 'const':
      return make('PIPELINE_BAD_VALUE', `${where} must be ${JSON.stringify(params.allowedValue)}`, at);
    case 'pattern':
      return make('PIPELINE_BAD_VALUE', `${where} does not have the required form (${describePattern(at)})`, at);
    default:
      return make('PIPELINE_BAD_VALUE', `${where} ${err.message ?? 'is not allowed'}`, at);
  }
}

function describePattern(pointer: string): string {
  if (pointer === '/name') return 'lower-case letters, digits and dashes, at most 64';
  if (pointer.endsWith('/maxFailures')) return 'a count such as 5, or a share such as "5%"';
  if (pointer.includes('/withhold/')) return 'a dot path of field names such as description.skills';
  if (pointer.startsWith('/mapping/lookups')) return 'a name of letters, digits and underscores';
  if (pointer === '/target/environment') return 'a lower-case environment name';
  return 'see the pipeline reference';
}

function article(type: string): string {
  const word = type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : type === 'integer' ? 'a whole number' : type === 'boolean' ? 'true or false' : `a ${type}`;
  return word;
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
