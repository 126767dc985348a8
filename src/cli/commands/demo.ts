import { once } from 'node:events';
import { join, relative } from 'node:path';
import { runDemo } from '../../demo/demo.js';
import { FAILED_OUTCOMES, type RunPersonResult } from '../../runner/run.js';
import { intOption, type CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { startSession } from '../setup.js';
import { renderRunReport } from './run.js';

export const demoCommand: CommandDef = {
  name: 'demo',
  summary: 'A complete demo import into a local TMT sandbox: permits through the real permit flow, then a run. What `npm start` does.',
  usage: 'tmt-import demo [--pipeline FILE] [--keep-open] [--concurrency N] [--json]',
  description:
    'Starts the sandbox in-process on a free port (auto-approve on), obtains a permit for every\n' +
    'example person through the permit server (start → authorize → callback → token exchange),\n' +
    'runs the pipeline against the sandbox and prints the report. Its state (permits, runs, receipts)\n' +
    'is kept in <stateDir>/demo. With --keep-open the sandbox stays up for inspection until Ctrl-C.',
  options: {
    pipeline: { type: 'string', short: 'p', value: 'FILE', description: 'The pipeline to run (default pipelines/jsonresume-files.pipeline.yaml); it must target the sandbox.' },
    'keep-open': { type: 'boolean', description: 'Keep the sandbox running after the run, to look at what it holds.' },
    concurrency: { type: 'string', short: 'c', value: 'N', description: 'Imports in flight at once (default 4).' },
  },
  examples: ['tmt-import demo', 'tmt-import demo --keep-open', 'tmt-import demo --pipeline pipelines/linkedin-export.pipeline.yaml'],
  async run(ctx) {
    const concurrency = intOption(ctx.values, 'concurrency');
    const session = await startSession(ctx, { command: 'demo' });
    const s = session.out;
    const say = (line: string) => {
      if (!session.json) ctx.io.stdout.write(`${line}\n`);
    };
    const notImported: RunPersonResult[] = [];
    const result = await runDemo({
      pipelineFile: typeof ctx.values.pipeline === 'string' ? ctx.values.pipeline : 'pipelines/jsonresume-files.pipeline.yaml',
      cwd: ctx.io.cwd,
      config: session.config,
      logger: session.logger,
      runId: session.runId,
      stateDir: join(session.config.stateDir, 'demo'),
      pseudonymize: session.pseudonymize(),
      ...(concurrency !== undefined ? { concurrency } : {}),
      say,
      keepOpen: ctx.values['keep-open'] === true,
      onPerson: (r) => {
        if (r.outcome !== 'imported') notImported.push(r);
      },
    });
    const { report } = result;
    if (session.json) {
      ctx.io.stdout.write(JSON.stringify({ report, permitsGranted: result.permitsGranted, held: result.held, notImported }, null, 2) + '\n');
    } else {
      say('');
      ctx.io.stdout.write(renderRunReport(report, notImported, s));
      say('');
      say(s.bold(`The sandbox now holds ${result.held.length} profile${result.held.length === 1 ? '' : 's'}.`));
      const sectionCounts = new Map<string, number>();
      for (const h of result.held) for (const sec of h.sections) sectionCounts.set(sec, (sectionCounts.get(sec) ?? 0) + 1);
      say(`  sections held: ${[...sectionCounts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
      say('');
      say('To look at the result:');
      const demoState = relative(ctx.io.cwd, join(session.config.stateDir, 'demo')) || '.';
      say(`  tmt-import receipts verify --state-dir ${demoState}       the audit trail of every PUT (a hash chain)`);
      if (ctx.values['keep-open'] === true) {
        say(`  ${result.sandboxUrl}/_sandbox/imports         every import: who (sandbox id = pseudonym), when, sections, status`);
        say(`  ${result.sandboxUrl}/_sandbox/profiles/<id>   what TMT now holds for one person`);
        say('  Press Ctrl-C to stop the sandbox.');
      } else {
        say('  tmt-import demo --keep-open                 keeps the sandbox up; then open /_sandbox/imports and /_sandbox/profiles/<id>');
        say('  tmt-import preview pipelines/jsonresume-files.pipeline.yaml   what was sent, person by person');
        say('  tmt-import sandbox   +   tmt-import permits serve   +   tmt-import run ...   the same, step by step (README)');
      }
    }
    if (ctx.values['keep-open'] === true) {
      await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
      await result.close();
    }
    if (report.aborted) return EXIT.ABORTED;
    const failed = Object.entries(report.byOutcome).some(([k, n]) => FAILED_OUTCOMES.has(k as never) && (n ?? 0) > 0);
    return failed ? EXIT.PARTIAL : EXIT.OK;
  },
};
