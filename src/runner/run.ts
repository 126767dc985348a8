/**
 * A real run: for each person with a usable permit, map → consent → validate → PUT → mark the
 * permit spent → record the outcome and a receipt. Mapping runs one person at a time (JSONata is
 * fastest that way); sends overlap up to `concurrency`. One bad person never stops the others; a
 * target that refuses every request, or more failures than run.maxFailures, stops the run early.
 *
 * Durability (the state store): before a PUT the permit and the person's outcome are marked in
 * flight in one transaction; after the answer the permit is spent, the outcome recorded and the
 * receipt appended in one transaction. A run killed mid-send leaves persons in flight: the next
 * run reports them as unknown (never resends them), and continues the interrupted run.
 */
import type { Logger } from 'pino';
import type { EnvironmentConfig, ProjectConfig } from '../config/project-config.js';
import type { Withheld } from '../consent/consent.js';
import { issue, isTmtError, TmtError, type ErrorCode, type Issue } from '../errors.js';
import type { Pseudonymizer } from '../logging/pseudonym.js';
import { decodeJwtClaims } from '../permits/token-exchange.js';
import type { CompiledPipeline } from '../pipeline/load-pipeline.js';
import { openSource } from '../sources/open-source.js';
import type { PersonOutcomeRow, StateStore } from '../state/state-store.js';
import type { ImportClient, ProblemDetails, SendOutcome } from '../target/import-client.js';
import { createFailureBudget } from './failure-budget.js';
import { inlineMapper, mapInOrder, type Mapper } from './mapping-pool.js';

export type RunOutcome = 'imported' | 'skipped' | 'invalid' | 'no-permit' | 'rejected' | 'refused' | 'failed' | 'unknown';

export const FAILED_OUTCOMES: ReadonlySet<RunOutcome> = new Set(['invalid', 'rejected', 'refused', 'failed', 'unknown']);
/** Outcomes that involved a send: such persons are not sent again when a run is resumed. */
const SENT_OUTCOMES: ReadonlySet<string> = new Set(['imported', 'rejected', 'refused', 'failed', 'unknown', 'in-flight']);

export interface RunPersonResult {
  person: string | null;
  origin: string;
  outcome: RunOutcome;
  /** Coded reason for every outcome but imported. */
  reason?: ErrorCode;
  /** Sections sent (imported) or that would have been sent. */
  sections: string[];
  withheld: Withheld[];
  issues: Issue[];
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  problem?: ProblemDetails;
  /** The permit is gone (spent, expired, refused) or missing: the person must approve again. */
  needsNewPermit: boolean;
  /** The permit's token id (jti), for audit; never the token. */
  jti?: string;
  attempts?: number;
  receiptId?: string;
}

export interface RunReport {
  runId: string;
  pipeline: string;
  environment: string;
  /** True when this run continued an interrupted one (same run id). */
  resumed: boolean;
  persons: number;
  /** Persons already handled by the interrupted run and not sent again. */
  alreadyDone: number;
  byOutcome: Partial<Record<RunOutcome, number>>;
  byReason: Record<string, number>;
  /** Pseudonyms of persons who need a new permit. */
  needNewPermit: string[];
  /** Persons whose send was cut off by an earlier run's death: outcome unknown, check in TMT. */
  settledFromEarlierRun: Array<{ person: string; origin: string; outcome: 'unknown'; reason: string; runId: string }>;
  deadLetters: number;
  aborted?: { code: ErrorCode; message: string };
  durationMs: number;
}

export interface RunOptions {
  runId: string;
  pipeline: CompiledPipeline;
  environmentName: string;
  environment: EnvironmentConfig;
  state: StateStore;
  client: ImportClient;
  pseudonymize: Pseudonymizer;
  cwd: string;
  input?: string;
  limit?: number;
  concurrency?: number;
  /** Overrides run.maxFailures of the pipeline. */
  maxFailures?: number | string;
  /** Insist on continuing an interrupted run (RUN_NOTHING_TO_RESUME when there is none). Without it an interrupted run is continued when there is one. */
  resume?: boolean;
  retention?: ProjectConfig['retention'];
  logger?: Logger;
  signal?: AbortSignal;
  now?: () => Date;
  /** Stop when this many answers in a row are 401/403 and nothing was imported yet (default 3); 10 in a row always stop. */
  credentialStopAfter?: number;
  onPerson?(r: RunPersonResult): void;
  onProgress?(done: number, total: number | undefined): void;
  estimateTotal?: boolean;
  /** Where persons are mapped (default: in this thread). */
  mapper?: Mapper;
}

export async function runPipeline(o: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const now = o.now ?? (() => new Date());
  const iso = () => now().toISOString();
  const concurrency = Math.max(1, o.concurrency ?? o.pipeline.spec.run?.concurrency ?? 4);
  const log = o.logger;
  const { state, pipeline } = o;

  // Persons an earlier, dead run left in flight: unknown outcome, reported, never resent.
  const settled = await state.settleInterrupted(pipeline.name, o.environmentName, iso());
  // Continue an interrupted run, or begin a new one.
  const unfinished = await state.findUnfinishedRun(pipeline.name, o.environmentName);
  if (o.resume && !unfinished) throw new TmtError('RUN_NOTHING_TO_RESUME', `no interrupted run of ${pipeline.name} → ${o.environmentName} to resume`);
  const runId = unfinished?.runId ?? o.runId;
  const done: Map<string, PersonOutcomeRow> = unfinished ? await state.outcomes(runId) : new Map();
  if (!unfinished) await state.beginRun({ runId, pipeline: pipeline.name, pipelineHash: pipeline.hash, environment: o.environmentName, startedAt: iso() });

  const report: RunReport = {
    runId,
    pipeline: pipeline.name,
    environment: o.environmentName,
    resumed: Boolean(unfinished),
    persons: 0,
    alreadyDone: 0,
    byOutcome: {},
    byReason: {},
    needNewPermit: [],
    settledFromEarlierRun: settled.map((s) => ({ person: s.person, origin: s.origin, outcome: 'unknown' as const, reason: s.reason ?? 'STATE_INTERRUPTED', runId: s.runId })),
    deadLetters: 0,
    durationMs: 0,
  };
  for (const s of report.settledFromEarlierRun) {
    report.needNewPermit.push(s.person);
    log?.warn({ step: 'resume', person: s.person, origin: s.origin, outcome: 'unknown', reason: s.reason }, 'send interrupted by an earlier run: outcome unknown, check in TMT');
  }
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onOuterAbort);
  let imported = 0;
  let refusedInARow = 0;
  const credentialStopAfter = o.credentialStopAfter ?? 3;
  const budget = createFailureBudget(o.maxFailures ?? pipeline.spec.run?.maxFailures);
  let total: number | undefined;

  const abort = (code: ErrorCode, message: string) => {
    if (report.aborted) return;
    report.aborted = { code, message };
    log?.error({ step: 'run', code }, message);
    stop.abort();
  };

  const finish = (r: RunPersonResult) => {
    report.byOutcome[r.outcome] = (report.byOutcome[r.outcome] ?? 0) + 1;
    if (r.reason) report.byReason[r.reason] = (report.byReason[r.reason] ?? 0) + 1;
    if (r.needsNewPermit && r.person) report.needNewPermit.push(r.person);
    const fields = { step: 'outcome', person: r.person, origin: r.origin, outcome: r.outcome, reason: r.reason, status: r.status, sections: r.sections, attempts: r.attempts };
    if (FAILED_OUTCOMES.has(r.outcome)) log?.warn(fields, 'person not imported');
    else log?.info(fields, r.outcome === 'imported' ? 'person imported' : 'person not sent');
    o.onPerson?.(r);
    o.onProgress?.(report.persons, total);
    const over = budget.record(FAILED_OUTCOMES.has(r.outcome));
    if (over) abort('RUN_TOO_MANY_FAILURES', `stopped: ${over}`);
  };

  /** An outcome without a send: recorded durably (when the person is known), then reported. */
  const record = async (r: RunPersonResult, seq: number) => {
    if (r.person) await state.recordOutcome({ runId, person: r.person, origin: r.origin, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}), at: iso() });
    finish(r);
    await checkpoints.finished(seq);
  };

  const source = openSource(pipeline.spec.source, {
    baseDir: pipeline.dir,
    cwd: o.cwd,
    ...(o.input !== undefined ? { input: o.input } : {}),
    ...(unfinished?.checkpoint !== undefined ? { resumeFrom: unfinished.checkpoint } : {}),
    signal: stop.signal,
  });
  const checkpoints = createCheckpointTracker((cp) => state.saveCheckpoint(runId, cp));
  if (o.estimateTotal) {
    total = await source.estimateTotal().catch(() => undefined);
    if (total !== undefined && o.limit !== undefined) total = Math.min(total, o.limit);
  }
  log?.info({ step: 'run', runId, resumed: report.resumed, pipeline: pipeline.name, environment: o.environmentName, concurrency, pipelineHash: pipeline.hash }, report.resumed ? 'continuing an interrupted run' : 'run started');

  const send = async (base: Omit<RunPersonResult, 'outcome' | 'needsNewPermit'>, person: string, body: string, permit: { id?: string; token: string; jti?: string }, seq: number) => {
    const sent = await sendDurably({ state, client: o.client, runId, pipeline: pipeline.name, pipelineHash: pipeline.hash, environment: o.environmentName, person, permit, body, base, at: iso });
    if ('notSent' in sent) {
      // Taken by another process or expired since it was found: not sent, reported like any unusable permit.
      await record({ ...base, outcome: 'no-permit', reason: sent.notSent, needsNewPermit: true }, seq);
      return;
    }
    const { result: r, send: outcome } = sent;
    if (r.outcome === 'failed' && (r.reason === 'TARGET_UNAVAILABLE' || r.reason === 'TARGET_RATE_LIMITED')) {
      await state.addDeadLetter({ runId, pipeline: pipeline.name, environment: o.environmentName, person, origin: base.origin, reason: r.reason, createdAt: iso(), payload: body });
      report.deadLetters++;
    }
    if (outcome.kind === 'imported') {
      imported++;
      refusedInARow = 0;
    } else if (outcome.kind === 'unauthorized') {
      refusedInARow++;
      if ((imported === 0 && refusedInARow >= credentialStopAfter) || refusedInARow >= 10) {
        abort('TARGET_CREDENTIALS', `stopped after ${refusedInARow} refused requests in a row (${outcome.status}): ${outcome.message}`);
      }
    } else refusedInARow = 0;
    finish(r);
    await checkpoints.finished(seq);
  };

  const inFlight = new Set<Promise<void>>();
  try {
    const mapper = o.mapper ?? inlineMapper(pipeline, { pseudonymize: o.pseudonymize });
    for await (const { result, key, permitToken, checkpoint } of mapInOrder(source.items, mapper)) {
      if (stop.signal.aborted) break;
      if (o.limit !== undefined && report.persons >= o.limit) break;
      const seq = checkpoints.read(checkpoint);
      if (result.person && SENT_OUTCOMES.has(done.get(result.person)?.outcome ?? '')) {
        report.alreadyDone++;
        await checkpoints.finished(seq);
        continue;
      }
      report.persons++;
      const base = { person: result.person, origin: result.origin, sections: result.sections, withheld: result.withheld, issues: result.issues };
      if (result.status === 'invalid') {
        await record({ ...base, outcome: 'invalid', reason: result.issues.find((i) => i.severity === 'error')?.code ?? 'PROFILE_SCHEMA', needsNewPermit: false }, seq);
        continue;
      }
      if (result.status === 'skipped' || !result.profile || !result.person) {
        await record({ ...base, outcome: 'skipped', reason: 'PROFILE_EMPTY', needsNewPermit: false }, seq);
        continue;
      }
      // The permit: from the store, or carried by the record.
      let permit: { id?: string; token: string; jti?: string } | undefined;
      if (pipeline.spec.permits?.from === 'field') {
        if (!permitToken) {
          await record({ ...base, outcome: 'no-permit', reason: 'PERMIT_MISSING', needsNewPermit: true }, seq);
          continue;
        }
        const claims = decodeJwtClaims(permitToken);
        if (claims?.exp !== undefined && claims.exp * 1000 <= now().getTime()) {
          await record({ ...base, outcome: 'no-permit', reason: 'PERMIT_EXPIRED', needsNewPermit: true }, seq);
          continue;
        }
        permit = { token: permitToken, ...(claims?.jti ? { jti: claims.jti } : {}) };
      } else {
        const person = result.person ?? o.pseudonymize(key ?? '');
        const usable = await state.permits.findUsable(person, o.environmentName, now());
        if (!usable) {
          const why = await state.permits.explainUnusable(person, o.environmentName, now());
          const reason: ErrorCode = why === 'expired' ? 'PERMIT_EXPIRED' : why === 'spent' ? 'PERMIT_SPENT' : why === 'denied' ? 'PERMIT_DENIED' : 'PERMIT_MISSING';
          await record({ ...base, outcome: 'no-permit', reason, needsNewPermit: true }, seq);
          continue;
        }
        permit = { id: usable.record.id, token: usable.token, ...(usable.record.jti ? { jti: usable.record.jti } : {}) };
      }
      const p = send(base, result.person, JSON.stringify(result.profile), permit, seq).catch((e: unknown) => {
        abort(isTmtError(e) ? e.code : 'INTERNAL', isTmtError(e) ? e.message : `sending failed unexpectedly: ${e instanceof Error ? e.name : 'error'}`);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (!report.aborted && o.signal?.aborted) report.aborted = { code: 'RUN_INTERRUPTED', message: 'the run was interrupted (SIGINT/SIGTERM); run again to continue it' };
  report.durationMs = Math.round(performance.now() - started);
  // An interrupted run stays unfinished so that the next run continues it; an aborted one is closed.
  if (report.aborted?.code !== 'RUN_INTERRUPTED') {
    const { needNewPermit: _n, settledFromEarlierRun: _s, ...counts } = report;
    await state.finishRun(runId, { status: report.aborted ? 'aborted' : 'completed', finishedAt: iso(), summary: counts });
  }
  const purged = await state.purge(now(), o.retention);
  log?.info({ step: 'run', runId, persons: report.persons, byOutcome: report.byOutcome, durationMs: report.durationMs, aborted: report.aborted?.code, purged }, 'run finished');
  return report;
}

export interface DurableSend {
  state: StateStore;
  client: ImportClient;
  runId: string;
  pipeline: string;
  pipelineHash: string;
  environment: string;
  /** Pseudonym. */
  person: string;
  permit: { id?: string; token: string; jti?: string };
  body: string;
  base: Omit<RunPersonResult, 'outcome' | 'needsNewPermit'>;
  at(): string;
}

/**
 * One PUT with its bookkeeping: permit and outcome in flight (one transaction), the send, then
 * permit spent, outcome and receipt (one transaction). `notSent` carries the PERMIT_* code when
 * the permit was taken or expired between lookup and send. Used by runs and dead-letter retries.
 */
export async function sendDurably(d: DurableSend): Promise<{ result: RunPersonResult; send: SendOutcome } | { notSent: ErrorCode }> {
  const { state, permit, base } = d;
  try {
    await state.beginSend({ runId: d.runId, person: d.person, origin: base.origin, ...(permit.id ? { permitId: permit.id } : {}), ...(permit.jti ? { jti: permit.jti } : {}), at: d.at() });
  } catch (e) {
    if (isTmtError(e) && e.code.startsWith('PERMIT_')) return { notSent: e.code };
    throw e;
  }
  const send = await d.client.putProfile(permit.token, d.body);
  const result = resultFromSend(base, send, permit.jti);
  const receipt = await state.finishSend({
    runId: d.runId,
    person: d.person,
    origin: base.origin,
    ...(permit.id ? { permitId: permit.id } : {}),
    outcome: result.outcome,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.status !== undefined ? { status: result.status } : {}),
    receipt: {
      runId: d.runId,
      pipeline: d.pipeline,
      pipelineHash: d.pipelineHash,
      environment: d.environment,
      person: d.person,
      ...(permit.jti ? { jti: permit.jti } : {}),
      sectionsSent: base.sections,
      withheld: base.withheld.map((w) => ({ section: w.section, ...(w.field ? { field: w.field } : {}), reason: w.reason, ...(w.rule ? { rule: w.rule } : {}) })),
      ...(send.status !== undefined ? { httpStatus: send.status } : {}),
      outcome: result.outcome,
      at: d.at(),
    },
  });
  if (receipt) result.receiptId = receipt.receiptId;
  return { result, send };
}

function resultFromSend(base: Omit<RunPersonResult, 'outcome' | 'needsNewPermit'>, s: SendOutcome, jti: string | undefined): RunPersonResult {
  const common = { ...base, ...(s.status !== undefined ? { status: s.status } : {}), ...(s.problem ? { problem: s.problem } : {}), attempts: s.attempts, ...(jti ? { jti } : {}) };
  const withIssue = (code: ErrorCode) => [...base.issues, issue(code, s.message)];
  switch (s.kind) {
    case 'imported':
      return { ...common, outcome: 'imported', needsNewPermit: false };
    case 'rejected':
      return { ...common, outcome: 'rejected', reason: 'TARGET_REJECTED', issues: withIssue('TARGET_REJECTED'), needsNewPermit: true };
    case 'unauthorized':
      return { ...common, outcome: 'refused', reason: 'TARGET_UNAUTHORIZED', issues: withIssue('TARGET_UNAUTHORIZED'), needsNewPermit: true };
    case 'unknown':
      return { ...common, outcome: 'unknown', reason: 'TARGET_UNAVAILABLE', issues: withIssue('TARGET_UNAVAILABLE'), needsNewPermit: true };
    case 'rate-limited':
      return { ...common, outcome: 'failed', reason: 'TARGET_RATE_LIMITED', issues: withIssue('TARGET_RATE_LIMITED'), needsNewPermit: true };
    case 'unavailable':
      return { ...common, outcome: 'failed', reason: 'TARGET_UNAVAILABLE', issues: withIssue('TARGET_UNAVAILABLE'), needsNewPermit: true };
    default:
      return { ...common, outcome: 'failed', reason: 'TARGET_UNEXPECTED', issues: withIssue('TARGET_UNEXPECTED'), needsNewPermit: true };
  }
}

/**
 * Where a live source may resume. Items of one page share a checkpoint ("resume after this
 * page"); it is saved once every item read up to it is finished and the source has moved on to
 * the next page, so a resumed run never skips a person whose outcome is not recorded.
 */
export function createCheckpointTracker(save: (checkpoint: unknown) => Promise<void>): { read(checkpoint: unknown): number; finished(seq: number): Promise<void> } {
  const pending = new Map<number, string | undefined>(); // seq -> checkpoint JSON, for items not yet passed
  const done = new Set<number>();
  let next = 0;
  let watermark = -1; // every seq <= watermark is finished
  let saved: string | undefined;
  return {
    read(checkpoint) {
      const seq = next++;
      pending.set(seq, checkpoint === undefined ? undefined : JSON.stringify(checkpoint));
      return seq;
    },
    async finished(seq) {
      done.add(seq);
      while (done.has(watermark + 1)) {
        done.delete(watermark + 1);
        watermark++;
      }
      // The newest page below the watermark that is complete: a later page has been read.
      let candidate: string | undefined;
      for (let k = watermark; pending.has(k); k--) {
        const cp = pending.get(k);
        if (cp !== undefined && k + 1 < next && pending.get(k + 1) !== cp) {
          candidate = cp;
          break;
        }
      }
      for (const k of pending.keys()) if (k < watermark) pending.delete(k);
      if (candidate !== undefined && candidate !== saved) {
        saved = candidate;
        await save(JSON.parse(candidate) as unknown);
      }
    },
  };
}
