/**
 * Load a pipeline file and turn it into a runnable, compiled pipeline: phase one checks the
 * structure against the schema, phase two the meaning (files exist, expressions compile,
 * environment defined, consent covers every section the mapping can produce). Every problem is
 * collected and located; nothing is thrown for bad input.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EnvironmentConfig, ProjectConfig } from '../config/project-config.js';
import type { CompiledConsent, CompiledConsentRule } from '../consent/consent.js';
import { issue, isTmtError, errorMessage, type Issue } from '../errors.js';
import type { CompiledExpression, ExpressionEngine } from '../mapping/engine.js';
import { jsonataEngine } from '../mapping/jsonata-engine.js';
import { createHelperBindings } from '../mapping/helpers.js';
import { loadLookupTable, type LookupTable } from '../mapping/lookups.js';
import { mappingOutputKeys } from '../mapping/output-keys.js';
import { PROFILE_SECTIONS, isProfileSection, type ProfileSection } from '../profile/sections.js';
import { createProfileValidator, type ProfileValidator } from '../profile/validate-profile.js';
import { resolveSourcePaths } from '../sources/file-source.js';
import { checkLiveSource } from '../sources/source-checks.js';
import { FILE_FORMATS } from '../sources/types.js';
import { userPath } from '../util/paths.js';
import { didYouMean } from '../util/suggest.js';
import type { PipelineSpec, LookupSpec } from './types.js';
import { validatePipelineStructure } from './validate-structure.js';
import { parseYamlFile, positionOf, scalarTextOrigin, type YamlFile } from './yaml-positions.js';

export interface CompiledPipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The pipeline file as shown to the user (relative to the working folder). */
  displayFile: string;
  dir: string;
  name: string;
  spec: PipelineSpec;
  /** sha256 over the pipeline, mapping and lookup files: identifies exactly what ran. */
  hash: string;
  key: CompiledExpression;
  permitField?: CompiledExpression;
  mapping: CompiledExpression;
  mappingFile: string;
  /** Helper functions and lookups, built once and shared by every person. */
  bindings: Record<string, unknown>;
  consent: CompiledConsent;
  environmentName: string;
  environment?: EnvironmentConfig;
  validateProfile: ProfileValidator;
}

export interface LoadPipelineOptions {
  config: ProjectConfig;
  /** Folder that user-facing paths are shown relative to. */
  cwd: string;
  engine?: ExpressionEngine;
  /** Also check that the source path matches something (a warning when it does not). */
  checkSource?: boolean;
  /** Clock for profile rules (start dates in the past). */
  now?: () => Date;
  /** Reuse one profile validator across pipelines. */
  profileValidator?: ProfileValidator;
  /** Environment variables live sources read (default process.env); the loaded pipeline's source keeps using it. */
  env?: Record<string, string | undefined>;
}

export interface LoadResult {
  pipeline?: CompiledPipeline;
  issues: Issue[];
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

export async function loadPipeline(file: string, options: LoadPipelineOptions): Promise<LoadResult> {
  const abs = resolve(options.cwd, file);
  const show = (p: string) => userPath(options.cwd, p);
  const displayFile = show(abs);
  let text: string;
  try {
    if (statSync(abs).isDirectory()) throw new Error('is a folder');
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    return { issues: [issue('PIPELINE_NOT_FOUND', `cannot read the pipeline file (${shortReason(e)})`, { file: displayFile })] };
  }
  const parsed = parseYamlFile(displayFile, text);
  if (!parsed.yaml) return { issues: parsed.issues };
  const y = parsed.yaml;
  const issues: Issue[] = validatePipelineStructure(y);
  if (issues.some((i) => i.code === 'PIPELINE_NOT_OBJECT')) return { issues };

  const spec = y.value as PipelineSpec;
  const dir = dirname(abs);
  const engine = options.engine ?? jsonataEngine;
  const at = (pointer: string, key = false) => {
    const pos = positionOf(y, pointer, { key });
    return { file: displayFile, line: pos.line, column: pos.column, pointer };
  };
  const hash = createHash('sha256').update(text);

  // Expressions embedded in the YAML (person key, consent conditions, permit field).
  const compileEmbedded = (pointer: string, code: 'KEY_SYNTAX' | 'CONSENT_SYNTAX'): CompiledExpression | undefined => {
    const src = getIn(spec, pointer);
    if (typeof src !== 'string') return undefined;
    try {
      return engine.compile(src, { file: displayFile, ...originOpt(y, pointer) });
    } catch (e) {
      issues.push(reissue(e, code, at(pointer)));
      return undefined;
    }
  };

  const key = compileEmbedded('/source/key', 'KEY_SYNTAX');
  const permitField = spec.permits?.from === 'field' ? compileEmbedded('/permits/field', 'KEY_SYNTAX') : undefined;

  // Lookups.
  const lookups = new Map<string, LookupTable>();
  const rawLookups = isObject(spec.mapping) && isObject(spec.mapping.lookups) ? spec.mapping.lookups : {};
  for (const [name, decl] of Object.entries(rawLookups)) {
    const d: LookupSpec | undefined = typeof decl === 'string' ? { file: decl } : isObject(decl) && typeof decl.file === 'string' ? (decl as LookupSpec) : undefined;
    if (!d) continue;
    const pointer = typeof decl === 'string' ? `/mapping/lookups/${name}` : `/mapping/lookups/${name}/file`;
    const lookupPath = resolve(dir, d.file);
    if (!existsSync(lookupPath)) {
      issues.push(issue('PIPELINE_FILE_MISSING', `lookup table "${name}": file not found: ${show(lookupPath)}`, at(pointer)));
      continue;
    }
    try {
      lookups.set(name, loadLookupTable(lookupPath, { ...(d.key ? { key: d.key } : {}), ...(d.value ? { value: d.value } : {}) }));
      hash.update(readFileSync(lookupPath));
    } catch (e) {
      const i = reissue(e, 'LOOKUP_UNREADABLE', at(pointer));
      issues.push({ ...i, message: `lookup table "${name}": ${i.message}`, file: i.file && i.file !== displayFile ? show(i.file) : displayFile });
    }
  }

  // The mapping.
  let mapping: CompiledExpression | undefined;
  let mappingFile = '';
  if (isObject(spec.mapping) && typeof spec.mapping.file === 'string') {
    mappingFile = resolve(dir, spec.mapping.file);
    let mappingText: string | undefined;
    try {
      mappingText = readFileSync(mappingFile, 'utf8');
    } catch {
      issues.push(issue('PIPELINE_FILE_MISSING', `mapping file not found: ${show(mappingFile)}`, at('/mapping/file')));
    }
    if (mappingText !== undefined) {
      hash.update(mappingText);
      const limits = isObject(spec.mapping.limits) ? spec.mapping.limits : {};
      try {
        mapping = engine.compile(mappingText, { file: show(mappingFile), limits });
      } catch (e) {
        issues.push(reissue(e, 'MAPPING_SYNTAX', { file: show(mappingFile) }));
      }
      if (mapping) issues.push(...checkMappingAgainstPipeline(mappingText, show(mappingFile), spec, rawLookups, at));
    }
  }

  // Consent rules.
  const consent = new Map<ProfileSection, CompiledConsentRule>();
  const sections = isObject(spec.consent) && isObject(spec.consent.sections) ? spec.consent.sections : {};
  for (const [section, rule] of Object.entries(sections)) {
    if (!isProfileSection(section) || !isObject(rule)) continue;
    const when = compileEmbedded(`/consent/sections/${section}/when`, 'CONSENT_SYNTAX');
    if (!when) continue;
    const withhold = Array.isArray(rule.withhold) ? rule.withhold.filter((w): w is string => typeof w === 'string').map((w) => w.split('.')) : [];
    consent.set(section, { section, when, whenText: String(rule.when), withhold, ruleRef: `consent.sections.${section}` });
  }

  // Target environment.
  const environmentName = isObject(spec.target) && typeof spec.target.environment === 'string' ? spec.target.environment : '';
  const environment = options.config.environments[environmentName];
  if (environmentName && !environment) {
    const known = Object.keys(options.config.environments);
    issues.push(issue('CONFIG_ENV_UNDEFINED', `environment "${environmentName}" is not defined in the project config (defined: ${known.join(', ')}).${didYouMean(environmentName, known)}`, at('/target/environment')));
  }

  // Live sources (http, postgres): environment variables, URLs, expressions, SQL.
  if (isObject(spec.source)) {
    const live = checkLiveSource(spec.source, { env: options.env ?? process.env, dir, engine, yaml: y, at });
    issues.push(...live.issues);
    if (live.hashInput !== undefined) hash.update(live.hashInput);
  }

  // Source paths (optional: a source may be filled later).
  if (options.checkSource && isObject(spec.source) && spec.source.type === 'file' && FILE_FORMATS.includes(spec.source.format) && (typeof spec.source.path === 'string' || Array.isArray(spec.source.path))) {
    const paths = await resolveSourcePaths(spec.source, { baseDir: dir, displayBase: options.cwd }).catch(() => []);
    if (paths.length === 0) issues.push(issue('SOURCE_NO_MATCH', 'the source path matches no file', { ...at('/source/path'), severity: 'warning' }));
  }

  if (hasErrors(issues) || !key || !mapping) return { issues };
  const language = spec.mapping.language ?? 'en';
  const pipeline: CompiledPipeline = {
    file: abs,
    displayFile,
    dir,
    name: spec.name,
    spec,
    hash: hash.digest('hex'),
    key,
    ...(permitField ? { permitField } : {}),
    mapping,
    mappingFile,
    bindings: createHelperBindings({ lookups, language }),
    consent,
    environmentName,
    ...(environment ? { environment } : {}),
    validateProfile: options.profileValidator ?? createProfileValidator(options.now ? { now: options.now } : {}),
  };
  return { pipeline, issues };
}

/** Consent must cover every section the mapping can produce; lookups it calls must be declared. */
function checkMappingAgainstPipeline(
  mappingText: string,
  mappingDisplay: string,
  spec: PipelineSpec,
  lookups: Record<string, unknown>,
  at: (pointer: string, key?: boolean) => Pick<Issue, 'file' | 'line' | 'column' | 'pointer'>,
): Issue[] {
  const out: Issue[] = [];
  const rules = isObject(spec.consent) && isObject(spec.consent.sections) ? spec.consent.sections : {};
  const produced = mappingOutputKeys(mappingText);
  if (produced) {
    for (const k of produced.keys) {
      if (!isProfileSection(k)) {
        out.push(issue('PROFILE_UNKNOWN_FIELD', `the mapping produces "${k}", which is not a TMT profile section; it is never sent.${didYouMean(k, PROFILE_SECTIONS)}`, { file: mappingDisplay, ...lineOf(mappingText, `"${k}"`), severity: 'warning' }));
      } else if (!Object.prototype.hasOwnProperty.call(rules, k)) {
        out.push(issue('CONSENT_RULE_MISSING', `the mapping can produce "${k}" but consent.sections has no rule for it`, { ...at(isObject(spec.consent) && isObject(spec.consent.sections) ? '/consent/sections' : '/consent'), hint: `Add  ${k}: { when: "<condition over the source record>" }  under consent.sections, or stop mapping ${k}.` }));
      }
    }
    if (produced.dynamic) {
      out.push(issue('CONSENT_RULE_MISSING', 'the mapping computes some of its output keys at run time, so consent coverage cannot be fully checked; sections without a rule are withheld', { file: mappingDisplay, line: 1, column: 1, severity: 'warning' }));
    }
  }
  const declared = Object.keys(lookups);
  for (const m of mappingText.matchAll(/\$lookup\(\s*(["'])([^"']+)\1/g)) {
    const name = m[2]!;
    if (!declared.includes(name)) {
      out.push(issue('LOOKUP_UNKNOWN', `the mapping uses lookup table "${name}", which mapping.lookups does not declare.${didYouMean(name, declared)}`, { file: mappingDisplay, ...lineColumn(mappingText, m.index ?? 0) }));
    }
  }
  return out;
}

function originOpt(y: YamlFile, pointer: string): { origin?: { line: number; column: number } } {
  const o = scalarTextOrigin(y, pointer);
  return o ? { origin: o } : {};
}

/** Turn an engine/loader error into an issue at a location (keeping the engine's own position when it has one). */
function reissue(e: unknown, code: Issue['code'], where: Partial<Issue>): Issue {
  if (isTmtError(e)) {
    const first = e.issues[0];
    const loc = first?.line !== undefined ? { file: first.file ?? where.file, line: first.line, column: first.column } : where;
    return issue(code, first?.message ?? e.message, { ...where, ...loc });
  }
  return issue(code, errorMessage(e), where);
}


function shortReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return errorMessage(e);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getIn(obj: unknown, pointer: string): unknown {
  let cur: unknown = obj;
  for (const seg of pointer.split('/').slice(1)) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function lineColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

function lineOf(text: string, needle: string): { line: number; column: number } {
  const idx = text.indexOf(needle);
  return idx < 0 ? { line: 1, column: 1 } : lineColumn(text, idx);
}
