/**
 * Mapping tests are data: `*.test.yaml` files beside each mapping hold cases of input → expected
 * output (or expected error code). Lookups and language come from a named pipeline, or from the
 * test file itself.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import type { ProjectConfig } from '../config/project-config.js';
import { issue, isTmtError, errorMessage, type Issue } from '../errors.js';
import { loadPipeline } from '../pipeline/load-pipeline.js';
import { parseYamlFile, positionOf } from '../pipeline/yaml-positions.js';
import { jsonDiff, type DiffRow } from '../util/json-diff.js';
import { userPath } from '../util/paths.js';
import type { ExpressionEngine } from './engine.js';
import { createHelperBindings } from './helpers.js';
import { jsonataEngine } from './jsonata-engine.js';
import { loadLookupTable, type LookupTable } from './lookups.js';

export interface CaseResult {
  name: string;
  ok: boolean;
  /** TEST_FAILED when the case failed. */
  code?: 'TEST_FAILED';
  line?: number;
  /** For expect: what differs. */
  diff?: DiffRow[];
  /** What went wrong otherwise (unexpected error, wrong error code, expected error not raised). */
  message?: string;
}

export interface TestFileResult {
  file: string;
  mapping?: string;
  cases: CaseResult[];
  /** Problems with the test file itself (it could not be run). */
  issues: Issue[];
}

export interface RunMappingTestsOptions {
  cwd: string;
  config: ProjectConfig;
  engine?: ExpressionEngine;
}

/** Find test files: the given files/folders/globs, or mappings/**\/*.test.yaml. */
export async function findMappingTests(patterns: string[], cwd: string): Promise<string[]> {
  const list = patterns.length > 0 ? patterns : ['mappings/**/*.test.yaml', 'mappings/**/*.test.yml'];
  const expanded = list.map((p) => (p.endsWith('.yaml') || p.endsWith('.yml') || /[*?{]/.test(p) ? p : `${p.replace(/\/$/, '')}/**/*.test.{yaml,yml}`));
  const files = await glob(expanded, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
  return [...new Set(files)].sort();
}

export async function runMappingTestFile(file: string, options: RunMappingTestsOptions): Promise<TestFileResult> {
  const display = userPath(options.cwd, file);
  const result: TestFileResult = { file: display, cases: [], issues: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    result.issues.push(issue('TEST_FILE_INVALID', `cannot read the test file (${errorMessage(e)})`, { file: display }));
    return result;
  }
  const parsed = parseYamlFile(display, text);
  if (!parsed.yaml) {
    result.issues.push(...parsed.issues.map((i) => ({ ...i, code: 'TEST_FILE_INVALID' as const })));
    return result;
  }
  const y = parsed.yaml;
  const doc = y.value as Record<string, unknown> | null;
  const at = (pointer: string) => {
    const p = positionOf(y, pointer);
    return { file: display, line: p.line, column: p.column, pointer };
  };
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.cases)) {
    result.issues.push(issue('TEST_FILE_INVALID', 'a mapping test file needs `cases:`, a list of { name, input, expect | expectError }', at('')));
    return result;
  }
  const dir = dirname(file);
  const mappingRel = typeof doc.mapping === 'string' ? doc.mapping : file.replace(/\.test\.ya?ml$/, '.jsonata').slice(dir.length + 1);
  const mappingFile = resolve(dir, mappingRel);
  result.mapping = userPath(options.cwd, mappingFile);

  // Lookups and language: from the pipeline named, else from the test file.
  let bindings: Record<string, unknown>;
  if (typeof doc.pipeline === 'string') {
    const loaded = await loadPipeline(resolve(dir, doc.pipeline), { config: options.config, cwd: options.cwd, ...(options.engine ? { engine: options.engine } : {}) });
    if (!loaded.pipeline) {
      result.issues.push(issue('TEST_FILE_INVALID', `the pipeline named by \`pipeline:\` has errors (run tmt-import validate on it): ${loaded.issues.filter((i) => i.severity === 'error').map((i) => i.code).join(', ')}`, at('/pipeline')));
      return result;
    }
    bindings = loaded.pipeline.bindings;
  } else {
    const lookups = new Map<string, LookupTable>();
    const decl = (doc.lookups ?? {}) as Record<string, unknown>;
    for (const [name, d] of Object.entries(decl)) {
      const spec = typeof d === 'string' ? { file: d } : (d as { file?: string; key?: string; value?: string });
      if (typeof spec?.file !== 'string') {
        result.issues.push(issue('TEST_FILE_INVALID', `lookup "${name}" needs a file`, at(`/lookups/${name}`)));
        continue;
      }
      try {
        lookups.set(name, loadLookupTable(resolve(dir, spec.file), { ...(spec.key ? { key: spec.key } : {}), ...(spec.value ? { value: spec.value } : {}) }));
      } catch (e) {
        result.issues.push(isTmtError(e) ? { ...e.issues[0]!, code: 'LOOKUP_UNREADABLE' } : issue('LOOKUP_UNREADABLE', errorMessage(e), at(`/lookups/${name}`)));
      }
    }
    const language = doc.language === 'fi' || doc.language === 'sv' ? doc.language : 'en';
    bindings = createHelperBindings({ lookups, language });
  }
  if (result.issues.length > 0) return result;

  let source: string;
  try {
    source = readFileSync(mappingFile, 'utf8');
  } catch {
    result.issues.push(issue('PIPELINE_FILE_MISSING', `mapping file not found: ${result.mapping}`, at('/mapping')));
    return result;
  }
  const engine = options.engine ?? jsonataEngine;
  let compiled;
  try {
    compiled = engine.compile(source, { file: result.mapping });
  } catch (e) {
    result.issues.push(isTmtError(e) ? e.issues[0]! : issue('MAPPING_SYNTAX', errorMessage(e), { file: result.mapping }));
    return result;
  }

  for (const [i, c] of (doc.cases as unknown[]).entries()) {
    const pointer = `/cases/${i}`;
    const loc = at(pointer);
    if (!c || typeof c !== 'object' || typeof (c as { name?: unknown }).name !== 'string' || !('input' in c) || !('expect' in c || 'expectError' in c)) {
      result.issues.push(issue('TEST_FILE_INVALID', `case ${i + 1} needs name, input, and expect or expectError`, loc));
      continue;
    }
    const tc = c as { name: string; input: unknown; expect?: unknown; expectError?: string };
    let actual: unknown;
    let error: unknown;
    try {
      actual = await compiled.evaluate(tc.input, bindings);
    } catch (e) {
      error = e;
    }
    const base = { name: tc.name, line: loc.line };
    const fail = { ok: false, code: 'TEST_FAILED' } as const;
    if ('expectError' in tc) {
      const code = isTmtError(error) ? error.code : error ? 'INTERNAL' : undefined;
      if (code === tc.expectError) result.cases.push({ ...base, ok: true });
      else result.cases.push({ ...base, ...fail, message: code ? `expected error ${tc.expectError}, got ${code}: ${errorMessage(error)}` : `expected error ${tc.expectError}, but the mapping succeeded` });
      continue;
    }
    if (error) {
      result.cases.push({ ...base, ...fail, message: `the mapping failed: ${isTmtError(error) ? `${error.code} ${error.message}` : errorMessage(error)}` });
      continue;
    }
    const normalized = actual === undefined ? {} : JSON.parse(JSON.stringify(actual));
    const diff = jsonDiff(tc.expect, normalized);
    result.cases.push(diff.length === 0 ? { ...base, ok: true } : { ...base, ...fail, diff });
  }
  return result;
}

