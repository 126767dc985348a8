/**
 * The profile contract check: is a mapped profile a body TMT accepts for PUT /v1/profile?
 *
 * Two phases, every problem reported at once: the JSON Schema in `schemas/profile.schema.json`
 * (structure, limits, code shapes; compiled once with ajv), then the rules a schema cannot say
 * (real calendar dates, start in the past, ongoing without end, end not before start).
 * Issues carry a code and a JSON pointer; messages name the rule, never a value from the profile.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { TmtError, errorMessage, type Issue } from '../errors.js';
import { checkProfileRules, todayIn, TMT_TIME_ZONE } from './profile-rules.js';
import { indexDefinitions, issuesFromAjvErrors, type DefinitionIndex } from './schema-issues.js';

/** `$id` of the profile schema. */
export const PROFILE_SCHEMA_ID = 'https://tmt-import.dev/schemas/profile.schema.json';

/** Where the profile schema lies: `schemas/` at the package root (from dist/src/profile/ or src/profile/). */
export const PROFILE_SCHEMA_FILE: URL = new URL('../../../schemas/profile.schema.json', import.meta.url);

/** Checks one profile; returns its issues, [] when TMT would accept it. */
export type ProfileValidator = (profile: unknown) => Issue[];

export interface ProfileValidatorOptions {
  /** The clock that decides what "today" is (start dates must lie before it). Default: the system clock. */
  now?: () => Date;
}

interface CompiledSchema {
  readonly validate: ValidateFunction;
  readonly definitions: DefinitionIndex;
}

let compiled: CompiledSchema | undefined;

/** Reads and compiles the schema on first use; every validator shares the one compiled function. */
function compiledSchema(): CompiledSchema {
  if (compiled) return compiled;
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(readFileSync(PROFILE_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new TmtError('INTERNAL', `the profile schema cannot be read: ${errorMessage(e)}`, { cause: e });
  }
  if (schema['$id'] !== PROFILE_SCHEMA_ID) {
    throw new TmtError('INTERNAL', `the profile schema has an unexpected $id (expected ${PROFILE_SCHEMA_ID})`);
  }
  // verbose: errors then carry `parentSchema`, which tells which definition a failing rule is in.
  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
  compiled = { validate: ajv.compile(schema), definitions: indexDefinitions(schema) };
  return compiled;
}

/** A validator for many profiles: the schema is compiled once, not per call. */
export function createProfileValidator(options: ProfileValidatorOptions = {}): ProfileValidator {
  const { validate, definitions } = compiledSchema();
  const today = todayIn(TMT_TIME_ZONE, options.now ?? (() => new Date()));
  return (profile: unknown): Issue[] => {
    const issues = validate(profile) ? [] : issuesFromAjvErrors(validate.errors ?? [], definitions);
    checkProfileRules(profile, today, issues);
    return issues;
  };
}

let defaultValidator: ProfileValidator | undefined;

/** Checks one profile with a shared validator (a custom `now` makes a light one on the shared compiled schema). */
export function validateProfile(profile: unknown, options: ProfileValidatorOptions = {}): Issue[] {
  if (options.now) return createProfileValidator(options)(profile);
  defaultValidator ??= createProfileValidator();
  return defaultValidator(profile);
}
