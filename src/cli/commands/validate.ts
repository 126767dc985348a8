import { TmtError, type Issue } from '../../errors.js';
import { hasErrors, loadPipeline } from '../../pipeline/load-pipeline.js';
import { checkConnections, type ConnectionCheck } from '../../sources/check-connections.js';
import type { CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderIssues } from '../render.js';
import { startSession } from '../setup.js';

export const validateCommand: CommandDef = {
  name: 'validate',
  summary: 'Check pipeline files: structure, then meaning. Reports every problem at once, each with a code and file:line:column.',
  usage: 'tmt-import validate <pipeline.yaml...> [--check-connections] [--json]',
  description:
    'Phase one checks each file against schemas/pipeline.schema.json (unknown keys get a "did you mean").\n' +
    'Phase two checks that the mapping exists and compiles, lookup tables exist and parse, the target\n' +
    'environment is defined, consent conditions compile, and every section the mapping can produce has\n' +
    'a consent rule; for http and postgres sources, that the environment variables they name are set,\n' +
    'the URL or connection string is usable and the SQL file is readable (docs/sources.md).\n' +
    'Exit code 0 when no file has an error, 1 otherwise. Never uses the network, except with\n' +
    '--check-connections: then it also tries to reach the source (HTTP: one HEAD request; PostgreSQL:\n' +
    'SELECT 1 and EXPLAIN of the query; no records are read) and the target environment\'s token endpoint.',
  options: {
    'check-connections': { type: 'boolean', description: "Also try to reach the pipeline's source and the target environment's token endpoint (no records are read)." },
  },
  examples: ['tmt-import validate pipelines/*.pipeline.yaml', 'tmt-import validate pipelines/jsonresume-files.pipeline.yaml --json', 'tmt-import validate pipelines/postgres.pipeline.yaml --check-connections'],
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new TmtError('CLI_USAGE', 'validate: name at least one pipeline file', { hint: 'Example: tmt-import validate pipelines/*.pipeline.yaml' });
    const session = await startSession(ctx, { command: 'validate' });
    const results: Array<{ file: string; ok: boolean; issues: Issue[]; connections?: ConnectionCheck[] }> = [];
    for (const file of ctx.positionals) {
      const { pipeline, issues } = await loadPipeline(file, { config: session.config, cwd: ctx.io.cwd, checkSource: true, env: ctx.io.env });
      let connections: ConnectionCheck[] | undefined;
      if (ctx.values['check-connections'] === true && pipeline && !hasErrors(issues)) {
        connections = await checkConnections({ source: pipeline.spec.source, baseDir: pipeline.dir, env: ctx.io.env, environmentName: pipeline.environmentName, ...(pipeline.environment ? { environment: pipeline.environment } : {}) });
        for (const c of connections) if (c.issue) issues.push({ ...c.issue, file: pipeline.displayFile });
      }
      results.push({ file, ok: !hasErrors(issues), issues, ...(connections ? { connections } : {}) });
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
        for (const c of r.connections ?? []) if (c.ok) ctx.io.stdout.write(`  ${s.green('reached')} ${c.what}: ${c.message}\n`);
        if (r.issues.length) ctx.io.stdout.write(renderIssues(r.issues, s).replace(/^/gm, '  ') + '\n');
      }
      if (results.length > 1) ctx.io.stdout.write(`${results.length - failed} of ${results.length} pipeline files valid\n`);
    }
    return failed === 0 ? EXIT.OK : EXIT.CONFIG;
  },
};
