/**
 * Turns ajv's errors for the profile schema into coded issues: one issue per real problem, each
 * with a JSON pointer and a message that names the rule, never the value.
 *
 * Errors are classified by the schema definition they come from (ajv's `parentSchema`, so the
 * classification does not depend on how ajv inlines `$ref`s): code-set shapes, dates, ESCO URIs
 * and URLs each have their own definition in `schemas/profile.schema.json`.
 */
import type { ErrorObject } from 'ajv';
import { issue, toPointer, type ErrorCode, type Issue } from '../errors.js';

type SchemaNode = Record<string, unknown>;

/** Definitions whose every error has one code. Code-set definitions (`code*`) are added by prefix. */
const DEFINITION_CODES: Readonly<Record<string, ErrorCode>> = {
  date: 'PROFILE_DATE_INVALID',
  dateOrNull: 'PROFILE_DATE_INVALID',
  escoOccupationUri: 'PROFILE_ESCO_URI',
  escoSkillUri: 'PROFILE_ESCO_URI',
  url: 'PROFILE_URL_INVALID',
};

/** The code for errors inside a definition, or undefined when the keyword decides. */
export function definitionCode(name: string): ErrorCode | undefined {
  if (name.startsWith('code')) return 'PROFILE_CODE_INVALID';
  return DEFINITION_CODES[name];
}

interface DefinitionInfo {
  readonly name: string;
  /** The definition's `title`: the rule a value breaks, shown in messages. */
  readonly title: string | undefined;
  readonly code: ErrorCode | undefined;
  /** A localized-text definition (an object keyed by fi/sv/en). */
  readonly l10n: boolean;
}

/** Which definition each subschema object belongs to; built once per compiled schema. */
export type DefinitionIndex = WeakMap<object, DefinitionInfo>;

export function indexDefinitions(schema: SchemaNode): DefinitionIndex {
  const index: DefinitionIndex = new WeakMap();
  const defs = schema['definitions'];
  if (!isNode(defs)) return index;
  for (const [name, def] of Object.entries(defs)) {
    if (!isNode(def)) continue;
    const info: DefinitionInfo = {
      name,
      title: typeof def['title'] === 'string' ? def['title'] : undefined,
      code: definitionCode(name),
      l10n: name.startsWith('l10n'),
    };
    mark(def, info, index);
  }
  return index;
}

function mark(node: unknown, info: DefinitionInfo, index: DefinitionIndex): void {
  if (Array.isArray(node)) {
    for (const n of node) mark(n, info, index);
    return;
  }
  if (!isNode(node) || index.has(node)) return;
  index.set(node, info);
  for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) mark(v, info, index);
}

/** Lower wins when several errors land on the same pointer. */
const PRIORITY: Readonly<Partial<Record<ErrorCode, number>>> = {
  PROFILE_UNKNOWN_FIELD: 0,
  PROFILE_EMPTY_ARRAY: 1,
  PROFILE_TOO_MANY: 2,
  PROFILE_FI_MISSING: 3,
  PROFILE_ESCO_URI: 4,
  PROFILE_URL_INVALID: 5,
  PROFILE_CODE_INVALID: 6,
  PROFILE_DATE_INVALID: 7,
  PROFILE_TOO_LONG: 8,
  PROFILE_SCHEMA: 9,
};

const COMBINATORS = new Set(['anyOf', 'oneOf']);

interface Candidate {
  issue: Issue;
  rank: number;
  combinator: boolean;
}

/**
 * Maps ajv errors (compiled with `verbose: true`, so `parentSchema` is set) to issues, keeping
 * one issue per pointer: cascades from `anyOf` and several keywords failing on one value collapse
 * into the most specific issue.
 */
export function issuesFromAjvErrors(errors: readonly ErrorObject[], index: DefinitionIndex): Issue[] {
  const byKey = new Map<string, Candidate>();
  for (const e of errors) {
    if (e.keyword === 'if') continue; // always accompanied by the failing `then`/`else` error
    const mapped = mapError(e, index);
    const key = e.keyword === 'required' ? `${mapped.pointer ?? ''}\u0000${String(e.params['missingProperty'])}` : (mapped.pointer ?? '');
    const candidate: Candidate = { issue: mapped, rank: PRIORITY[mapped.code] ?? 10, combinator: COMBINATORS.has(e.keyword) };
    const seen = byKey.get(key);
    // A combinator's own error summarises its branches, so it replaces them on a tie.
    if (!seen || candidate.rank < seen.rank || (candidate.rank === seen.rank && candidate.combinator && !seen.combinator)) {
      byKey.set(key, candidate);
    }
  }
  return [...byKey.values()].map((c) => c.issue);
}

function mapError(e: ErrorObject, index: DefinitionIndex): Issue {
  const def = e.parentSchema ? index.get(e.parentSchema) : undefined;
  const pointer = e.instancePath;
  const at = describe(pointer);

  if (e.keyword === 'additionalProperties') {
    const child = pointer + toPointer([String(e.params['additionalProperty'])]);
    return issue('PROFILE_UNKNOWN_FIELD', `${child} is not a field of the TMT profile`, { pointer: child });
  }
  if (e.keyword === 'maxItems') {
    return issue('PROFILE_TOO_MANY', `${at} must have at most ${String(e.params['limit'])} items`, { pointer });
  }
  if (e.keyword === 'minItems') {
    if (Array.isArray(e.data) && e.data.length === 0) {
      return issue('PROFILE_EMPTY_ARRAY', `${at} must not be an empty list: leave the key out instead`, { pointer });
    }
    return issue('PROFILE_SCHEMA', `${at} must have at least ${String(e.params['limit'])} items`, { pointer });
  }
  if (def?.l10n && e.keyword === 'required' && e.params['missingProperty'] === 'fi') {
    return issue('PROFILE_FI_MISSING', `${at} has no Finnish (fi) text`, { pointer });
  }
  if (e.keyword === 'minLength' && pointer.endsWith('/fi') && def?.name.startsWith('text')) {
    return issue('PROFILE_FI_MISSING', `${at} must not be empty: TMT expects a Finnish text`, { pointer });
  }
  if (def?.code === 'PROFILE_CODE_INVALID') {
    return issue('PROFILE_CODE_INVALID', `${at} is not a valid ${def.title ?? 'code'}`, { pointer });
  }
  if (e.keyword === 'maxLength') {
    return issue('PROFILE_TOO_LONG', `${at} must be at most ${String(e.params['limit'])} characters`, { pointer });
  }
  if (def?.code) {
    return issue(def.code, `${at} is not a valid ${def.title ?? def.name}`, { pointer });
  }
  return issue('PROFILE_SCHEMA', `${at} ${genericRule(e)}`, { pointer });
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  null: 'null',
  number: 'a number',
  integer: 'an integer',
};

function genericRule(e: ErrorObject): string {
  switch (e.keyword) {
    case 'type':
      return `must be ${String(e.params['type']).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`;
    case 'required':
      return `must have the field ${String(e.params['missingProperty'])}`;
    case 'minLength':
      return 'must not be empty';
    case 'enum':
      return 'must be one of the allowed values';
    case 'anyOf':
    case 'oneOf':
      return 'does not have any of the allowed forms';
    default:
      // ajv's own messages name the rule and its limits, never the value.
      return e.message ?? `breaks the ${e.keyword} rule`;
  }
}

function describe(pointer: string): string {
  return pointer === '' ? 'the profile' : pointer;
}

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
