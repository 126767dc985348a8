import { findMappingTests, runMappingTestFile, type TestFileResult } from '../../mapping/mapping-tests.js';
import type { CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Style } from '../io.js';
import { renderIssues } from '../render.js';
import { startSession } from '../setup.js';

export const testCommand: CommandDef = {
  name: 'test',
  summary: 'Run mapping tests: *.test.yaml cases of input → expected output (or expected error code), with a diff on failure.',
  usage: 'tmt-import test [files|folders|globs...] [--json]',
  description:
    'Without arguments runs mappings/**/*.test.yaml. A test file names its mapping (`mapping:`) and\n' +
    'takes lookups and language from a pipeline (`pipeline:`) or declares them (`lookups:`, `language:`).\n' +
    'Each case has `name`, `input`, and `expect` (the exact mapping output) or `expectError` (a code).\n' +
    'Exit code 0 when all pass, 2 when a case fails, 1 when a test file cannot be run.',
  options: {},
  examples: ['tmt-import test', 'tmt-import test mappings/jsonresume.test.yaml', 'tmt-import test mappings/ --json'],
  async run(ctx) {
    const session = await startSession(ctx, { command: 'test' });
    const files = await findMappingTests(ctx.positionals, ctx.io.cwd);
    if (files.length === 0) {
      ctx.io.stderr.write(`No mapping test files found (${ctx.positionals.length ? ctx.positionals.join(' ') : 'mappings/**/*.test.yaml'}).\n`);
      return EXIT.CONFIG;
    }
    const results: TestFileResult[] = [];
    for (const f of files) results.push(await runMappingTestFile(f, { cwd: ctx.io.cwd, config: session.config }));
    const passed = results.reduce((n, r) => n + r.cases.filter((c) => c.ok).length, 0);
    const failed = results.reduce((n, r) => n + r.cases.filter((c) => !c.ok).length, 0);
    const broken = results.filter((r) => r.issues.length > 0).length;
    if (session.json) ctx.io.stdout.write(JSON.stringify({ ok: failed === 0 && broken === 0, passed, failed, files: results }, null, 2) + '\n');
    else {
      for (const r of results) ctx.io.stdout.write(renderTestFile(r, session.out));
      ctx.io.stdout.write(`\n${passed} passed, ${failed} failed${broken ? `, ${broken} test file${broken === 1 ? '' : 's'} could not run` : ''}\n`);
    }
    return broken > 0 ? EXIT.CONFIG : failed > 0 ? EXIT.PARTIAL : EXIT.OK;
  },
};

export function renderTestFile(r: TestFileResult, s: Style): string {
  const lines = [s.bold(`${r.file}${r.mapping ? s.dim(`  (${r.mapping})`) : ''}`)];
  if (r.issues.length) lines.push(renderIssues(r.issues, s).trimEnd().replace(/^/gm, '  '));
  for (const c of r.cases) {
    lines.push(`  ${c.ok ? s.green('✓') : s.red('✗')} ${c.name}${c.ok ? '' : s.dim(`  (${r.file}:${c.line ?? '?'})`)}`);
    if (c.message) lines.push(`      ${s.red(c.message)}`);
    for (const d of c.diff ?? []) {
      lines.push(`      ${s.bold(d.pointer || '/')}`);
      if (d.kind !== 'extra') lines.push(`        ${s.red(`- ${JSON.stringify(d.expected)}`)}`);
      if (d.kind !== 'missing') lines.push(`        ${s.green(`+ ${JSON.stringify(d.actual)}`)}`);
    }
  }
  return lines.join('\n') + '\n';
}
