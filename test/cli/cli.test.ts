import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/main.js';
import { runCli } from '../cli-harness.js';
import { tempDir } from '../helpers.js';
import { SIMPLE_PIPELINE, simpleProject, writeFiles } from '../fixtures.js';

function project() {
  const t = tempDir();
  simpleProject(t.dir);
  writeFiles(t.dir, { 'tmt-import.config.yaml': 'stateDir: .state\nlogLevel: warn\n' });
  return t;
}

test('--help for every command explains itself with an example', async () => {
  const { dir, cleanup } = project();
  try {
    for (const cmd of COMMANDS) {
      const r = await runCli([cmd.name, '--help'], { cwd: dir });
      assert.equal(r.code, 0, cmd.name);
      assert.match(r.stdout, /^Usage: tmt-import /, cmd.name);
      assert.match(r.stdout, /Examples:\n  tmt-import /, cmd.name);
    }
    const top = await runCli(['--help'], { cwd: dir });
    assert.equal(top.code, 0);
    for (const cmd of COMMANDS) assert.ok(top.stdout.includes(cmd.name));
    assert.match(top.stdout, /Exit codes:/);
  } finally {
    cleanup();
  }
});

test('an unknown command or flag is a coded usage error with exit 1 and no stack trace', async () => {
  const { dir, cleanup } = project();
  try {
    const r = await runCli(['previwe', 'x'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CLI_USAGE/);
    assert.match(r.stderr, /Did you mean "preview"/);
    const f = await runCli(['preview', 'simple.pipeline.yaml', '--frmat', 'json'], { cwd: dir });
    assert.equal(f.code, 1);
    assert.match(f.stderr, /CLI_USAGE/);
    assert.doesNotMatch(f.stderr, /\n\s+at /);
  } finally {
    cleanup();
  }
});

test('validate: 0 for a good pipeline, 1 with located codes for a broken one', async () => {
  const { dir, cleanup } = project();
  try {
    const ok = await runCli(['validate', 'simple.pipeline.yaml'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    writeFiles(dir, { 'broken.pipeline.yaml': SIMPLE_PIPELINE.replace('mapping:', 'maping:') });
    const bad = await runCli(['validate', 'simple.pipeline.yaml', 'broken.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(bad.code, 1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; files: Array<{ file: string; ok: boolean; issues: Array<{ code: string; line: number }> }> };
    assert.equal(report.ok, false);
    assert.equal(report.files[0]?.ok, true);
    const codes = report.files[1]?.issues.map((i) => i.code);
    assert.ok(codes?.includes('PIPELINE_UNKNOWN_KEY'));
    assert.ok(codes?.includes('PIPELINE_MISSING_KEY'));
    const text = await runCli(['validate', 'broken.pipeline.yaml'], { cwd: dir });
    assert.match(text.stdout, /broken\.pipeline\.yaml:\d+:\d+ +error PIPELINE_UNKNOWN_KEY/);
    assert.match(text.stdout, /hint: /);
  } finally {
    cleanup();
  }
});

test('preview --format ndjson: one object per person with person, status, profile, withheld, issues', async () => {
  const { dir, cleanup } = project();
  try {
    const r = await runCli(['preview', 'simple.pipeline.yaml', '--format', 'ndjson'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const persons = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(persons.length, 3);
    for (const p of persons) for (const k of ['person', 'status', 'profile', 'withheld', 'issues'].filter((k) => k !== 'profile' || p.status === 'ready')) assert.ok(k in p, k);
    const [aino, bertil, chen] = persons as [Record<string, any>, Record<string, any>, Record<string, any>];
    assert.equal(aino.status, 'ready');
    assert.match(aino.person, /^p-[0-9a-f]{16}$/);
    assert.deepEqual(Object.keys(aino.profile).sort(), ['employments', 'languageSkills']);
    assert.equal(aino.profile.employments[0].employer, undefined, 'employer is withheld by the rule');
    assert.deepEqual(aino.profile.languageSkills, [{ code: 'fi', level: 'L1' }]);
    assert.equal(bertil.status, 'ready');
    assert.deepEqual(Object.keys(bertil.profile), ['languageSkills']);
    assert.ok(bertil.withheld.some((w: any) => w.section === 'employments' && w.reason === 'not-permitted'));
    assert.equal(chen.status, 'skipped');
    // The key (an e-mail) never appears in the output.
    assert.doesNotMatch(r.stdout + r.stderr, /example\.org/);
  } finally {
    cleanup();
  }
});

test('preview --assume-consent marks output not sendable', async () => {
  const { dir, cleanup } = project();
  try {
    const r = await runCli(['preview', 'simple.pipeline.yaml', '--format', 'json', '--assume-consent'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { sendable: boolean; persons: Array<{ status: string; sendable: boolean }>; summary: { byStatus: Record<string, number>; sendable: boolean } };
    assert.equal(doc.sendable, false);
    assert.equal(doc.summary.sendable, false);
    assert.ok(doc.persons.every((p) => p.status === 'ready' && p.sendable === false));
  } finally {
    cleanup();
  }
});

test('preview: a broken person is reported and the others go on; --out writes the file and the summary goes to stdout', async () => {
  const { dir, cleanup } = project();
  try {
    writeFiles(dir, { 'persons/0-broken.json': '{"basics": {"email": "x@example.org"},,}' });
    const r = await runCli(['preview', 'simple.pipeline.yaml', '--format', 'ndjson', '--out', 'out.ndjson'], { cwd: dir });
    assert.equal(r.code, 2);
    const lines = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; issues: Array<{ code: string; line?: number }> });
    assert.equal(lines.length, 4);
    assert.equal(lines[0]?.status, 'invalid');
    assert.equal(lines[0]?.issues[0]?.code, 'SOURCE_JSON_INVALID');
    assert.equal(lines.filter((l) => l.status === 'ready').length, 2);
    assert.match(r.stdout, /ready 2 +skipped 1 +invalid 1/);
    assert.match(r.stdout, /SOURCE_JSON_INVALID +1/);
  } finally {
    cleanup();
  }
});

test('preview --input replaces the source path; --limit stops early', async () => {
  const { dir, cleanup } = project();
  try {
    writeFiles(dir, { 'other/a.json': [{ basics: { email: 'a@example.org' }, consent: { work: true }, work: [] }, { basics: { email: 'b@example.org' } }] });
    const r = await runCli(['preview', 'simple.pipeline.yaml', '--input', 'other/*.json', '--format', 'ndjson'], { cwd: dir });
    const origins = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { origin: string }).origin);
    assert.deepEqual(origins, ['other/a.json#0', 'other/a.json#1']);
    const limited = await runCli(['preview', 'simple.pipeline.yaml', '--limit', '1', '--format', 'ndjson'], { cwd: dir });
    assert.equal(limited.stdout.trim().split('\n').length, 1);
  } finally {
    cleanup();
  }
});

test('preview table output has a summary; NO_COLOR and non-TTY output carry no escape codes', async () => {
  const { dir, cleanup } = project();
  try {
    const r = await runCli(['preview', 'simple.pipeline.yaml'], { cwd: dir, env: { NO_COLOR: '1' }, tty: true });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Preview of simple: 3 persons/);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
  } finally {
    cleanup();
  }
});

test('preview of an invalid pipeline exits 1 with located errors', async () => {
  const { dir, cleanup } = project();
  try {
    writeFiles(dir, { 'mapping.jsonata': '{ "employments": work.{ "title": ' });
    const r = await runCli(['preview', 'simple.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mapping\.jsonata:\d+:\d+ +error MAPPING_SYNTAX/);
  } finally {
    cleanup();
  }
});

test('codes lists the catalogue and explains one code', async () => {
  const { dir, cleanup } = project();
  try {
    const r = await runCli(['codes', 'mapping_timeout'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /MAPPING_TIMEOUT\n/);
    const bad = await runCli(['codes', 'MAPING_TIMEOUT'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /did you mean MAPPING_TIMEOUT/);
  } finally {
    cleanup();
  }
});

test('tmt-import test: passing and failing cases, a readable diff, and expectError', async () => {
  const { dir, cleanup } = project();
  try {
    writeFiles(dir, {
      'mapping.test.yaml': `mapping: mapping.jsonata
pipeline: simple.pipeline.yaml
cases:
  - name: maps a job
    input: { work: [{ name: Acme, position: Dev, startDate: "2019-03", endDate: "2021" }] }
    expect:
      employments:
        employer: { fi: Acme, en: Acme }
        title: { fi: Dev, en: Dev }
        interval: { startDate: "2019-03-01", endDate: "2021-12-31", ongoing: false }
  - name: a wrong expectation
    input: { work: [{ name: Acme, position: Dev, startDate: "2019" }] }
    expect:
      employments:
        employer: { fi: Acme, en: Acme }
        title: { fi: Developer, en: Dev }
  - name: an expected error that does not happen
    input: { languages: [{ language: 1 }] }
    expectError: MAPPING_RUNTIME
`,
    });
    const r = await runCli(['test', 'mapping.test.yaml'], { cwd: dir });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stdout, /✓ maps a job/);
    assert.match(r.stdout, /✗ a wrong expectation/);
    assert.match(r.stdout, /\/employments\/title\/fi\n\s+- "Developer"\n\s+\+ "Dev"/);
    assert.match(r.stdout, /\/employments\/interval\n\s+\+ /);
    assert.match(r.stdout, /expected error MAPPING_RUNTIME, but the mapping succeeded/);
    assert.match(r.stdout, /1 passed, 2 failed/);
    const json = await runCli(['test', 'mapping.test.yaml', '--json'], { cwd: dir });
    const doc = JSON.parse(json.stdout) as { files: Array<{ cases: Array<{ ok: boolean; code?: string }> }> };
    assert.deepEqual(doc.files[0]?.cases.map((c) => c.code ?? 'ok'), ['ok', 'TEST_FAILED', 'TEST_FAILED']);
    writeFiles(dir, { 'bad.test.yaml': 'mapping: mapping.jsonata\ncases: nope\n' });
    const bad = await runCli(['test', 'bad.test.yaml'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /TEST_FILE_INVALID/);
  } finally {
    cleanup();
  }
});
