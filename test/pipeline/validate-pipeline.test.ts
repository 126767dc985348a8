import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPipeline, hasErrors } from '../../src/pipeline/load-pipeline.js';
import type { Issue } from '../../src/errors.js';
import { tempDir } from '../helpers.js';
import { SIMPLE_PIPELINE, simpleProject, testConfig, writeFiles } from '../fixtures.js';

async function validateWith(overrides: Record<string, string>): Promise<{ issues: Issue[]; ok: boolean }> {
  const { dir, cleanup } = tempDir();
  try {
    simpleProject(dir, overrides);
    const r = await loadPipeline('simple.pipeline.yaml', { config: testConfig(join(dir, '.state')), cwd: dir, checkSource: true });
    return { issues: r.issues, ok: r.pipeline !== undefined && !hasErrors(r.issues) };
  } finally {
    cleanup();
  }
}

function only(issues: Issue[], code: string): Issue {
  const found = issues.filter((i) => i.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(issues, null, 1)}`);
  return found[0]!;
}

test('the simple pipeline is valid and compiles', async () => {
  const r = await validateWith({});
  assert.deepEqual(r.issues, []);
  assert.equal(r.ok, true);
});

test('malformed YAML is reported with line and column', async () => {
  const r = await validateWith({ 'simple.pipeline.yaml': 'name: x\nsource: [unclosed\n' });
  const i = r.issues[0]!;
  assert.equal(i.code, 'PIPELINE_YAML_SYNTAX');
  assert.equal(i.file, 'simple.pipeline.yaml');
  assert.ok(i.line && i.line >= 2, `line ${i.line}`);
  assert.ok(i.column && i.column >= 1);
});

test('duplicate keys are a YAML error', async () => {
  const r = await validateWith({ 'simple.pipeline.yaml': SIMPLE_PIPELINE + 'name: again\n' });
  assert.equal(r.issues[0]?.code, 'PIPELINE_YAML_SYNTAX');
});

test('an unknown key gets a did-you-mean and the key position', async () => {
  const text = SIMPLE_PIPELINE.replace('permits:\n  from: store', 'permits:\n  form: store');
  const r = await validateWith({ 'simple.pipeline.yaml': text });
  const unknown = only(r.issues, 'PIPELINE_UNKNOWN_KEY');
  assert.match(unknown.message, /"form"/);
  assert.match(unknown.message, /Did you mean "from"\?/);
  const line = text.split('\n').findIndex((l) => l.includes('form: store')) + 1;
  assert.equal(unknown.line, line);
  assert.equal(unknown.column, 3);
  assert.equal(unknown.pointer, '/permits/form');
  only(r.issues, 'PIPELINE_MISSING_KEY'); // "from" is now missing
});

test('a misspelt top-level section and a misspelt consent section are both reported at once', async () => {
  const text = SIMPLE_PIPELINE.replace('target:', 'traget:').replace('    languageSkills:', '    languageSkill:');
  const r = await validateWith({ 'simple.pipeline.yaml': text });
  const unknown = r.issues.filter((i) => i.code === 'PIPELINE_UNKNOWN_KEY');
  assert.equal(unknown.length, 2);
  assert.ok(unknown.some((i) => /Did you mean "target"/.test(i.message)));
  assert.ok(unknown.some((i) => /Did you mean "languageSkills"/.test(i.message)));
  assert.ok(r.issues.some((i) => i.code === 'PIPELINE_MISSING_KEY' && /"target"/.test(i.message)));
});

test('wrong types and bad values are coded and located', async () => {
  const text = SIMPLE_PIPELINE.replace('concurrency: 2', 'concurrency: many').replace('format: json', 'format: jsn').replace('maxFailures: 10%', 'maxFailures: lots');
  const r = await validateWith({ 'simple.pipeline.yaml': text });
  const wrongType = r.issues.find((i) => i.code === 'PIPELINE_WRONG_TYPE' && i.pointer === '/run/concurrency');
  assert.ok(wrongType, JSON.stringify(r.issues));
  assert.equal(wrongType.line, text.split('\n').findIndex((l) => l.includes('concurrency')) + 1);
  const badFormat = r.issues.find((i) => i.code === 'PIPELINE_BAD_VALUE' && i.pointer === '/source/format');
  assert.ok(badFormat);
  assert.match(badFormat.message, /Did you mean "json"/);
  assert.ok(r.issues.some((i) => i.pointer === '/run/maxFailures'));
});

test('a missing mapping file is located at mapping.file', async () => {
  const text = SIMPLE_PIPELINE.replace('file: mapping.jsonata', 'file: nowhere.jsonata');
  const r = await validateWith({ 'simple.pipeline.yaml': text });
  const i = only(r.issues, 'PIPELINE_FILE_MISSING');
  assert.equal(i.pointer, '/mapping/file');
  assert.equal(i.line, text.split('\n').findIndex((l) => l.includes('nowhere.jsonata')) + 1);
});

test('a JSONata syntax error names the mapping file, line and column', async () => {
  const r = await validateWith({ 'mapping.jsonata': '{\n  "employments": work.{\n    "title": $l10n(position\n  }\n}\n' });
  const i = only(r.issues, 'MAPPING_SYNTAX');
  assert.equal(i.file, 'mapping.jsonata');
  assert.ok(i.line !== undefined && i.line >= 3, `line ${i.line}`);
});

test('a consent condition that does not compile is located inside the YAML', async () => {
  const text = SIMPLE_PIPELINE.replace('"consent.work = true"', '"consent.work = = true"');
  const r = await validateWith({ 'simple.pipeline.yaml': text });
  const i = only(r.issues, 'CONSENT_SYNTAX');
  assert.equal(i.file, 'simple.pipeline.yaml');
  assert.equal(i.line, text.split('\n').findIndex((l) => l.includes('= = true')) + 1);
});

test('a bad person-key expression is KEY_SYNTAX', async () => {
  const r = await validateWith({ 'simple.pipeline.yaml': SIMPLE_PIPELINE.replace('key: basics.email', 'key: basics.(email') });
  only(r.issues, 'KEY_SYNTAX');
});

test('a section the mapping produces without a consent rule is CONSENT_RULE_MISSING', async () => {
  const text = SIMPLE_PIPELINE.replace(/    languageSkills:\n      when: consent.languages = true\n/, '');
  const r = await validateWith({ 'simple.pipeline.yaml': text });
  const i = only(r.issues, 'CONSENT_RULE_MISSING');
  assert.match(i.message, /languageSkills/);
  assert.equal(i.file, 'simple.pipeline.yaml');
});

test('an undefined environment is CONFIG_ENV_UNDEFINED with a suggestion', async () => {
  const r = await validateWith({ 'simple.pipeline.yaml': SIMPLE_PIPELINE.replace('environment: sandbox', 'environment: sandbx') });
  const i = only(r.issues, 'CONFIG_ENV_UNDEFINED');
  assert.match(i.message, /Did you mean "sandbox"/);
  assert.equal(i.pointer, '/target/environment');
});

test('missing and unreadable lookup tables are reported', async () => {
  const missing = await validateWith({ 'simple.pipeline.yaml': SIMPLE_PIPELINE.replace('file: languages.csv', 'file: nope.csv') });
  assert.equal(only(missing.issues, 'PIPELINE_FILE_MISSING').pointer, '/mapping/lookups/languages/file');
  const broken = await validateWith({ 'cefr.yaml': 'a: [unclosed\n' });
  only(broken.issues, 'LOOKUP_UNREADABLE');
});

test('a lookup the mapping uses but the pipeline does not declare is LOOKUP_UNKNOWN', async () => {
  const r = await validateWith({ 'mapping.jsonata': `{ "languageSkills": languages.{ "code": $lookup('langs', language) } }` });
  const i = only(r.issues, 'LOOKUP_UNKNOWN');
  assert.match(i.message, /Did you mean "languages"/);
});

test('a source path that matches nothing is a warning, not an error', async () => {
  const r = await validateWith({ 'simple.pipeline.yaml': SIMPLE_PIPELINE.replace('persons/*.json', 'nobody/*.json') });
  const i = only(r.issues, 'SOURCE_NO_MATCH');
  assert.equal(i.severity, 'warning');
  assert.equal(r.ok, true);
});

test('a missing pipeline file is PIPELINE_NOT_FOUND', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await loadPipeline('absent.pipeline.yaml', { config: testConfig(dir), cwd: dir });
    assert.equal(r.issues[0]?.code, 'PIPELINE_NOT_FOUND');
  } finally {
    cleanup();
  }
});

test('a YAML file that is not a mapping is PIPELINE_NOT_OBJECT', async () => {
  const r = await validateWith({ 'simple.pipeline.yaml': '- just\n- a list\n' });
  only(r.issues, 'PIPELINE_NOT_OBJECT');
});

test('every problem is reported at once, in file order', async () => {
  const text = SIMPLE_PIPELINE.replace('name: simple', 'name: Not Valid').replace('file: mapping.jsonata', 'file: missing.jsonata').replace('environment: sandbox', 'environment: nowhere');
  const { dir, cleanup } = tempDir();
  try {
    simpleProject(dir);
    writeFiles(dir, { 'simple.pipeline.yaml': text });
    const r = await loadPipeline('simple.pipeline.yaml', { config: testConfig(dir), cwd: dir });
    const codes = r.issues.map((i) => i.code).sort();
    assert.deepEqual(codes, ['CONFIG_ENV_UNDEFINED', 'PIPELINE_BAD_VALUE', 'PIPELINE_FILE_MISSING']);
    assert.equal(r.pipeline, undefined);
  } finally {
    cleanup();
  }
});
