import { TmtError } from '../../errors.js';
import { requireSecret } from '../../config/secrets.js';
import { hasErrors, loadPipeline } from '../../pipeline/load-pipeline.js';
import { FAILED_OUTCOMES, runPipeline, type RunPersonResult, type RunReport } from '../../runner/run.js';
import { acquirePipelineLock } from '../../state/pipeline-lock.js';
import { openSqliteState } from '../../state/sqlite-state.js';
import type { StateStore } from '../../state/state-store.js';
import { createImportClient } from '../../target/import-client.js';
import { intOption, type CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Style } from '../io.js';
import { createProgress } from '../progress.js';
import { renderIssues } from '../render.js';
import { startSession } from '../setup.js';
import { INPUT_OPTIONS, mapperFor, WORKERS_OPTION } from '../mapper-setup.js';
import { previewCommand } from './preview.js';

export const runCommand: CommandDef = {
  name: 'run',
  summary: 'Import: for each person with a usable permit, map → consent → validate → PUT /v1/profile, and report every outcome.',
  usage: 'tmt-import run <pipeline.yaml> [--env NAME] [--limit N] [--concurrency N] [--max-failures N|P%] [--resume] [--input PATH] [--json] [--dry-run [--format F] [--out FILE]]',
  description:
    'Persons without a usable permit, with an invalid profile, or refused by TMT are reported with a\n' +
    'coded reason and the others go on. The report gives counts per outcome and per reason and the\n' +
    'persons who need a new permit. A run stops early when TMT refuses every request (401/403), so a\n' +
    'wrong subscription key does not burn every permit.\n' +
    'Sending to production needs both `--env production` here and `allowProduction: true` in the\n' +
    'project config. The subscription key comes from the environment variable the config names.\n' +
    'State (permits, outcomes, receipts, dead letters) lives in the state folder; a lock per pipeline\n' +
    'stops overlapping runs; an interrupted run is continued by the next one, and persons whose send\n' +
    'was cut off are reported as unknown, never resent.\n' +
    'Exit codes: 0 all sent (or nothing to send), 2 some persons failed (invalid, rejected, refused,\n' +
    'unknown outcome), 3 run aborted (credentials, run.maxFailures, interrupted), 4 locked by another\n' +
    'run, 1 configuration error. Persons without a permit are reported but do not fail the run.',
  options: {
    env: { type: 'string', short: 'e', value: 'NAME', description: "Target environment (default: the pipeline's target.environment)." },
    concurrency: { type: 'string', short: 'c', value: 'N', description: 'Imports in flight at once (default: run.concurrency, else 4).' },
    ...INPUT_OPTIONS,
    workers: WORKERS_OPTION,
    resume: { type: 'boolean', description: 'Continue the interrupted run of this pipeline (fails when there is none). Running again without it also continues an interrupted run.' },
    'max-failures': { type: 'string', value: 'N|P%', description: 'Abort when more persons fail than this (overrides run.maxFailures).' },
    'dry-run': { type: 'boolean', description: 'Send nothing: the same as `tmt-import preview` (never touches the network).' },
    format: { type: 'string', short: 'f', value: 'FORMAT', description: 'With --dry-run: table, json or ndjson, as for preview.' },
    out: { type: 'string', short: 'o', value: 'FILE', description: 'With --dry-run: write the per-person output to FILE.' },
  },
  examples: [
    'tmt-import run pipelines/jsonresume-files.pipeline.yaml',
    'tmt-import run pipelines/jsonresume-files.pipeline.yaml --env test --concurrency 8 --json',
    'tmt-import run pipelines/jsonresume-files.pipeline.yaml --dry-run --limit 10',
  ],
  async run(ctx) {
    const [file, ...extra] = ctx.positionals;
    if (!file || extra.length > 0) throw new TmtError('CLI_USAGE', 'run: name exactly one pipeline file', { hint: 'Example: tmt-import run pipelines/jsonresume-files.pipeline.yaml' });
    if (ctx.values['dry-run'] !== true && (ctx.values.format !== undefined || ctx.values.out !== undefined)) {
      throw new TmtError('CLI_USAGE', 'run: --format and --out go with --dry-run (a real run prints its report; use --json for machines)');
    }
    if (ctx.values['dry-run'] === true) {
      const { 'dry-run': _d, env: _e, concurrency: _c, ...rest } = ctx.values;
      return previewCommand.run({ ...ctx, values: rest });
    }
    const limit = intOption(ctx.values, 'limit');
    const concurrency = intOption(ctx.values, 'concurrency');
    const session = await startSession(ctx, { command: 'run' });
    const { pipeline, issues } = await loadPipeline(file, { config: session.config, cwd: ctx.io.cwd, env: ctx.io.env });
    if (!pipeline || hasErrors(issues)) {
      ctx.io.stderr.write(renderIssues(issues, session.err));
      return EXIT.CONFIG;
    }
    const requested = typeof ctx.values.env === 'string' ? ctx.values.env : undefined;
    const environmentName = requested ?? pipeline.environmentName;
    const environment = session.config.environments[environmentName];
    if (!environment) throw new TmtError('CONFIG_ENV_UNDEFINED', `environment "${environmentName}" is not defined (defined: ${Object.keys(session.config.environments).join(', ')})`);
    if (environment.production || environmentName === 'production') {
      if (requested !== environmentName || !session.config.allowProduction) {
        throw new TmtError('CONFIG_PRODUCTION_LOCKED', `refusing to send to production environment "${environmentName}": ${requested !== environmentName ? `pass --env ${environmentName} on the command line` : 'set allowProduction: true in the project config'}${requested !== environmentName && !session.config.allowProduction ? ' and set allowProduction: true in the project config' : ''}`);
      }
    }
    const subscriptionKey = requireSecret(ctx.io.env, environment.subscriptionKeyEnv, `the ${environmentName} subscription key`);
    const maxFailures = typeof ctx.values['max-failures'] === 'string' ? ctx.values['max-failures'] : undefined;
    if (maxFailures !== undefined && !/^\d+(\.\d+)?%$|^\d+$/.test(maxFailures)) throw new TmtError('CLI_USAGE', '--max-failures must be a count such as 5 or a share such as 5%');
    const lock = await acquirePipelineLock(session.config.stateDir, pipeline.name);
    if (lock.stale) session.logger.warn({ step: 'lock', pipeline: pipeline.name }, 'took over the lock of a run that is no longer running');
    let state: StateStore;
    try {
      state = await openSqliteState(session.config.stateDir);
    } catch (e) {
      await lock.release();
      throw e;
    }
    const effectiveConcurrency = concurrency ?? pipeline.spec.run?.concurrency ?? 4;
    const input = typeof ctx.values.input === 'string' ? ctx.values.input : undefined;
    const mapper = await mapperFor(ctx, session, file, pipeline, input !== undefined ? { input } : {});
    const client = createImportClient({ environmentName, environment, subscriptionKey, maxSockets: effectiveConcurrency, logger: session.logger });
    const progress = createProgress(ctx.io, 'importing', !session.quiet && !session.json);
    const failures: RunPersonResult[] = [];
    const interrupt = new AbortController();
    const onSignal = () => interrupt.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let report: RunReport;
    try {
      report = await runPipeline({
        runId: session.runId,
        pipeline,
        environmentName,
        environment,
        state,
        client,
        pseudonymize: session.pseudonymize(),
        cwd: ctx.io.cwd,
        ...(typeof ctx.values.input === 'string' ? { input: ctx.values.input } : {}),
        ...(limit !== undefined ? { limit } : {}),
        concurrency: effectiveConcurrency,
        ...(maxFailures !== undefined ? { maxFailures: /^\d+$/.test(maxFailures) ? Number(maxFailures) : maxFailures } : {}),
        resume: ctx.values.resume === true,
        mapper,
        retention: session.config.retention,
        logger: session.logger,
        signal: interrupt.signal,
        estimateTotal: Boolean(ctx.io.stderr.isTTY) && !session.quiet,
        onPerson: (r) => {
          if (r.outcome !== 'imported' && r.outcome !== 'skipped') failures.push(r);
        },
        onProgress: (d, t) => progress.update(d, t),
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      progress.done();
      client.close();
      await mapper.close();
      await state.close();
      await lock.release();
    }
    if (session.json) ctx.io.stdout.write(JSON.stringify({ report, notImported: failures }, null, 2) + '\n');
    else ctx.io.stdout.write(renderRunReport(report, failures, session.out));
    if (report.aborted) return EXIT.ABORTED;
    if (report.settledFromEarlierRun.length > 0) return EXIT.PARTIAL;
    return Object.entries(report.byOutcome).some(([k, n]) => FAILED_OUTCOMES.has(k as never) && (n ?? 0) > 0) ? EXIT.PARTIAL : EXIT.OK;
  },
};

export function renderRunReport(report: RunReport, notImported: RunPersonResult[], s: Style): string {
  const lines: string[] = [];
  if (notImported.length) {
    lines.push(s.bold('Not imported:'));
    for (const r of notImported.slice(0, 200)) {
      const tone = FAILED_OUTCOMES.has(r.outcome) ? s.red : s.yellow;
      lines.push(`  ${tone(r.outcome.padEnd(10))} ${(r.person ?? '(no key)').padEnd(18)}  ${s.cyan(r.reason ?? '')}  ${s.dim(r.origin)}`);
      const detail = r.issues.find((i) => i.code === r.reason) ?? r.issues.find((i) => i.severity === 'error');
      if (detail && FAILED_OUTCOMES.has(r.outcome)) lines.push(`             ${detail.pointer ? `${detail.pointer}: ` : ''}${detail.message}`);
    }
    if (notImported.length > 200) lines.push(`  … and ${notImported.length - 200} more (use --json for all)`);
    lines.push('');
  }
  const o = report.byOutcome;
  if (report.settledFromEarlierRun.length) {
    lines.push(s.bold('Interrupted by an earlier run (outcome unknown: check in TMT; a new permit is needed):'));
    for (const u of report.settledFromEarlierRun.slice(0, 200)) lines.push(`  ${s.red('unknown   ')} ${u.person.padEnd(18)}  ${s.cyan(u.reason)}  ${s.dim(u.origin)}`);
    lines.push('');
  }
  lines.push(s.bold(`Run ${report.runId}${report.resumed ? ' (continued)' : ''} of ${report.pipeline} → ${report.environment}: ${report.persons} person${report.persons === 1 ? '' : 's'} in ${(report.durationMs / 1000).toFixed(1)}s${report.alreadyDone ? `, ${report.alreadyDone} already done earlier` : ''}`));
  lines.push(`  imported ${o.imported ?? 0}   skipped ${o.skipped ?? 0}   no permit ${o['no-permit'] ?? 0}   invalid ${o.invalid ?? 0}   rejected ${o.rejected ?? 0}   refused ${o.refused ?? 0}   failed ${o.failed ?? 0}   unknown ${o.unknown ?? 0}`);
  const reasons = Object.entries(report.byReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) {
    lines.push('  reasons:');
    for (const [code, n] of reasons) lines.push(`    ${code.padEnd(26)} ${n}`);
  }
  if (report.needNewPermit.length) lines.push(`  ${report.needNewPermit.length} person${report.needNewPermit.length === 1 ? ' needs' : 's need'} a new permit (tmt-import permits serve; the list is in --json output).`);
  if (report.deadLetters) lines.push(`  ${report.deadLetters} dead letter${report.deadLetters === 1 ? '' : 's'} (tmt-import dead-letters list).`);
  if (report.aborted) lines.push(s.red(`  ABORTED ${report.aborted.code}: ${report.aborted.message}`));
  return lines.join('\n') + '\n';
}
