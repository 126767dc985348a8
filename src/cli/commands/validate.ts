import { TmtError, type Issue } from '../../errors.js';
import { hasErrors, loadPipeline } from '../../pipeline/load-pipeline.js';
import type { CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderIssues } from '../render.js';
import { startSession } from '../setup.js';

export const validateCommand: CommandDef = {
  name: 'validate',
  summary: 'Check pipeline files: structure, then meaning. Reports every problem at once, each with a code and file:line:column.',
  usage: 'tmt-import validate <pipeline.yaml...> [--json]',
  description:
    'Phase one checks each file against schemas/pipeline.schema.json (unknown keys get a "did you mean").\n' +
    'Phase two checks that the mapping exists and compiles, lookup tables exist and parse, the target\n' +
    'environment is defined, consent conditions compile, and every section the mapping can produce has\n' +
    'a consent rule. Exit code 0 when no file has an error, 1 otherwise. Never uses the network.',
  options: {},
  examples: ['tmt-import validate pipelines/*.pipeline.yaml', 'tmt-import validate pipelines/jsonresume-files.pipeline.yaml --json'],
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new TmtError('CLI_USAGE', 'validate: name at least one pipeline file', { hint: 'Example: tmt-import validate pipelines/*.pipeline.yaml' });
    const session = await startSession(ctx, { command: 'validate' });
    const results: Array<{ file: string; ok: boolean; issues: Issue[] }> = [];
    for (const file of ctx.positionals) {
      const { issues } = await loadPipeline(file, { config: session.config, cwd: ctx.io.cwd, checkSource: true });
      results.push({ file, ok: !hasErrors(issues), issues });
    }
    const failed = results.filter((r) => !r.ok).length;
    if (session.json) {
      ctx.io.stdout.write(JSON.stringify({ ok: failed === 0, files: results }, null, 2) + '\n');
    } else {
      const s = session.out;
      for (const r of results) {
        const errors = r.issues.filter((i) => i.severity === 'error').length;
        const warnings = r.issues.length - errors;
        const head = r.ok ? s.green('ok     ') : s.red('invalid');
        ctx.io.stdout.write(`${head} ${r.file}${errors || warnings ? s.dim(`  (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`) : ''}\n`);
        if (r.issues.length) ctx.io.stdout.write(renderIssues(r.issues, s).replace(/^/gm, '  ') + '\n');
      }
      if (results.length > 1) ctx.io.stdout.write(`${results.length - failed} of ${results.length} pipeline files valid\n`);
    }
    return failed === 0 ? EXIT.OK : EXIT.CONFIG;
  },
};
