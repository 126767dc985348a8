/** Commands over the durable state: receipts, dead letters, retention. */
import { requireSecret } from '../../config/secrets.js';
import { TmtError } from '../../errors.js';
import { openSqliteState } from '../../state/sqlite-state.js';
import type { DeadLetter, StateStore } from '../../state/state-store.js';
import { sendDurably } from '../../runner/run.js';
import { createImportClient } from '../../target/import-client.js';
import type { CommandContext, CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { startSession, type Session } from '../setup.js';

async function withState<T>(session: Session, fn: (state: StateStore) => Promise<T>): Promise<T> {
  const state = await openSqliteState(session.config.stateDir);
  try {
    return await fn(state);
  } finally {
    await state.close();
  }
}

function subcommand(ctx: CommandContext, name: string, allowed: readonly string[]): string {
  const sub = ctx.positionals[0];
  if (!sub || !allowed.includes(sub)) throw new TmtError('CLI_USAGE', `${name}: say ${allowed.join(' or ')}`, { hint: `Run \`tmt-import ${name} --help\`.` });
  return sub;
}

export const receiptsCommand: CommandDef = {
  name: 'receipts',
  summary: 'Audit receipts of every PUT: verify the hash chain, or export everything recorded about one person.',
  usage: 'tmt-import receipts verify [--json]\n       tmt-import receipts export --person <key> [--json]',
  description:
    'Every PUT leaves a receipt: receipt id, run id, pipeline and the hash of its files, environment,\n' +
    "the person's pseudonym, the permit's jti, the sections sent, the sections and fields withheld\n" +
    'with the rule that withheld them, the HTTP status and the time. Receipts hold no profile content\n' +
    'and form a hash chain, so a changed or removed receipt is evident.\n' +
    '  verify  Recomputes the chain; exit 0 when intact, 2 when a receipt was altered or removed.\n' +
    "  export  Everything recorded about one person (a data subject's request): permits (no tokens),\n" +
    '          outcomes per run, receipts and dead letters. The key is turned into the pseudonym here\n' +
    '          and never stored.',
  options: { person: { type: 'string', value: 'KEY', description: "export: the person's key (as the pipeline's source.key gives it)." } },
  examples: ['tmt-import receipts verify', 'tmt-import receipts export --person aino.virtanen@example.fi --json'],
  async run(ctx) {
    const sub = subcommand(ctx, 'receipts', ['verify', 'export']);
    const session = await startSession(ctx, { command: `receipts ${sub}` });
    if (sub === 'verify') {
      const v = await withState(session, (s) => s.verifyReceipts());
      if (session.json) ctx.io.stdout.write(JSON.stringify(v) + '\n');
      else if (v.ok) ctx.io.stdout.write(`${session.out.green('ok')} receipt chain intact: ${v.count} receipt${v.count === 1 ? '' : 's'}\n`);
      else ctx.io.stdout.write(`${session.out.red('BROKEN')} receipt chain: receipt #${v.firstBad?.seq} (${v.firstBad?.receiptId}): ${v.firstBad?.reason}\n`);
      return v.ok ? EXIT.OK : EXIT.PARTIAL;
    }
    const key = ctx.values.person;
    if (typeof key !== 'string' || key === '') throw new TmtError('CLI_USAGE', 'receipts export: --person <key> is required');
    const person = session.pseudonymize()(key);
    const data = await withState(session, (s) => s.exportPerson(person));
    ctx.io.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return EXIT.OK;
  },
};

export const deadLettersCommand: CommandDef = {
  name: 'dead-letters',
  summary: 'Persons whose import failed for a retryable reason after all retries: list them, or retry with a fresh permit.',
  usage: 'tmt-import dead-letters list [--pipeline NAME] [--status open|retried|resolved] [--json]\n       tmt-import dead-letters retry [--id ID] [--pipeline NAME] [--json]',
  description:
    'A dead letter keeps the reason code and the mapped profile, the profile only as long as the\n' +
    'retention setting allows (retention.deadLetterPayloadDays, default 14).\n' +
    '  retry  Sends the kept profile again. Permits are single-use: the failed attempt used its permit,\n' +
    '         so a retry needs a FRESH permit for the person (tmt-import permits serve); persons\n' +
    '         without one are listed and stay open. A dead letter whose profile was deleted by\n' +
    '         retention cannot be retried: run the pipeline again for that person.',
  options: {
    id: { type: 'string', value: 'ID', description: 'retry: only this dead letter.' },
    pipeline: { type: 'string', value: 'NAME', description: 'Only dead letters of this pipeline.' },
    status: { type: 'string', value: 'STATUS', description: 'list: open (default), retried or resolved.' },
  },
  examples: ['tmt-import dead-letters list', 'tmt-import dead-letters retry --pipeline jsonresume-files'],
  async run(ctx) {
    const sub = subcommand(ctx, 'dead-letters', ['list', 'retry']);
    const session = await startSession(ctx, { command: `dead-letters ${sub}` });
    const pipeline = typeof ctx.values.pipeline === 'string' ? ctx.values.pipeline : undefined;
    if (sub === 'list') {
      const status = (typeof ctx.values.status === 'string' ? ctx.values.status : 'open') as DeadLetter['status'];
      if (!['open', 'retried', 'resolved'].includes(status)) throw new TmtError('CLI_USAGE', '--status must be open, retried or resolved');
      const rows = await withState(session, (s) => s.listDeadLetters({ ...(pipeline ? { pipeline } : {}), status }));
      const view = rows.map(({ payload, ...d }) => ({ ...d, payloadKept: payload !== undefined }));
      if (session.json) ctx.io.stdout.write(JSON.stringify(view, null, 2) + '\n');
      else {
        for (const d of view) ctx.io.stdout.write(`${d.id}  ${d.person}  ${d.pipeline} → ${d.environment}  ${session.out.cyan(d.reason)}  ${d.createdAt}${d.payloadKept ? '' : '  (profile deleted by retention)'}\n`);
        ctx.io.stdout.write(`${view.length} ${status} dead letter${view.length === 1 ? '' : 's'}\n`);
      }
      return EXIT.OK;
    }
    const id = typeof ctx.values.id === 'string' ? ctx.values.id : undefined;
    const results = await withState(session, async (state) => {
      const open = (await state.listDeadLetters({ ...(pipeline ? { pipeline } : {}), status: 'open' })).filter((d) => !id || d.id === id);
      if (id && open.length === 0) throw new TmtError('CLI_USAGE', `no open dead letter with id ${id}`);
      const out: Array<{ id: string; person: string; result: string; reason?: string }> = [];
      const clients = new Map<string, ReturnType<typeof createImportClient>>();
      // Each pipeline's retries form a run of their own, so that the state knows they are live.
      const runs = new Map<string, string>();
      const runFor = async (d: DeadLetter): Promise<string> => {
        let id = runs.get(`${d.pipeline}\u0000${d.environment}`);
        if (!id) {
          id = `retry-${session.runId}-${runs.size + 1}`;
          const original = await state.getRun(d.runId);
          await state.beginRun({ runId: id, pipeline: d.pipeline, pipelineHash: original?.pipelineHash ?? '', environment: d.environment, startedAt: new Date().toISOString() });
          runs.set(`${d.pipeline}\u0000${d.environment}`, id);
        }
        return id;
      };
      try {
        for (const d of open) {
          if (d.payload === undefined) {
            out.push({ id: d.id, person: d.person, result: 'not-retried', reason: 'the profile was deleted by retention: run the pipeline again for this person' });
            continue;
          }
          const usable = await state.permits.findUsable(d.person, d.environment, new Date());
          if (!usable) {
            out.push({ id: d.id, person: d.person, result: 'needs-permit', reason: 'PERMIT_MISSING: a retry needs a fresh permit from the person (tmt-import permits serve)' });
            continue;
          }
          const env = session.config.environments[d.environment];
          if (!env) throw new TmtError('CONFIG_ENV_UNDEFINED', `environment "${d.environment}" of dead letter ${d.id} is not defined`);
          let client = clients.get(d.environment);
          if (!client) {
            client = createImportClient({ environmentName: d.environment, environment: env, subscriptionKey: requireSecret(ctx.io.env, env.subscriptionKeyEnv, `the ${d.environment} subscription key`), logger: session.logger });
            clients.set(d.environment, client);
          }
          const runId = await runFor(d);
          const original = await state.getRun(d.runId);
          const sent = await sendDurably({
            state,
            client,
            runId,
            pipeline: d.pipeline,
            pipelineHash: original?.pipelineHash ?? '',
            environment: d.environment,
            person: d.person,
            permit: { id: usable.record.id, token: usable.token, ...(usable.record.jti ? { jti: usable.record.jti } : {}) },
            body: d.payload,
            base: { person: d.person, origin: d.origin, sections: Object.keys(JSON.parse(d.payload) as object), withheld: [], issues: [] },
            at: () => new Date().toISOString(),
          });
          if ('notSent' in sent) {
            out.push({ id: d.id, person: d.person, result: 'needs-permit', reason: `${sent.notSent}: a retry needs a fresh permit from the person (tmt-import permits serve)` });
            continue;
          }
          const outcome = sent.result.outcome;
          const message = sent.result.issues.at(-1)?.message ?? sent.send.message;
          await state.resolveDeadLetter(d.id, { status: outcome === 'imported' ? 'resolved' : 'retried', resolution: outcome === 'imported' ? 'imported on retry' : message, at: new Date().toISOString() });
          out.push({ id: d.id, person: d.person, result: outcome, ...(outcome === 'imported' ? {} : { reason: message }) });
        }
      } finally {
        for (const c of clients.values()) c.close();
        for (const id of runs.values()) await state.finishRun(id, { status: 'completed', finishedAt: new Date().toISOString(), summary: { deadLetterRetries: out.length } });
      }
      return out;
    });
    if (session.json) ctx.io.stdout.write(JSON.stringify(results, null, 2) + '\n');
    else {
      for (const r of results) ctx.io.stdout.write(`${r.id}  ${r.person}  ${r.result}${r.reason ? `  ${r.reason}` : ''}\n`);
      const imported = results.filter((r) => r.result === 'imported').length;
      ctx.io.stdout.write(`${imported} of ${results.length} dead letter${results.length === 1 ? '' : 's'} imported; ${results.filter((r) => r.result === 'needs-permit').length} need a fresh permit\n`);
    }
    return results.every((r) => r.result === 'imported') ? EXIT.OK : EXIT.PARTIAL;
  },
};

export const purgeCommand: CommandDef = {
  name: 'purge',
  summary: 'Apply the retention rules: delete spent and expired tokens, old dead-letter profiles and old permit records.',
  usage: 'tmt-import purge [--json]',
  description:
    'Rules come from the project config: retention.deadLetterPayloadDays (default 14) and\n' +
    'retention.permitRecordDays (default 30). Tokens of spent or expired permits are always deleted.\n' +
    'Every run applies the same rules at its end; schedule this for installations that run rarely.',
  options: {},
  examples: ['tmt-import purge', 'tmt-import purge --json'],
  async run(ctx) {
    const session = await startSession(ctx, { command: 'purge' });
    const r = await withState(session, (s) => s.purge(new Date(), session.config.retention));
    if (session.json) ctx.io.stdout.write(JSON.stringify(r) + '\n');
    else ctx.io.stdout.write(`tokens deleted ${r.tokensDeleted}, dead-letter profiles deleted ${r.deadLetterPayloadsDeleted}, permit records deleted ${r.permitRecordsDeleted}\n`);
    return EXIT.OK;
  },
};
