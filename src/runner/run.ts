/**
 * A real run: for each person with a usable permit, map → consent → validate → PUT → mark the
 * permit spent → record the outcome. Mapping runs one person at a time (JSONata is fastest that
 * way); sends overlap up to `concurrency`. One bad person never stops the others; a target that
 * refuses every request stops the run early instead of burning every permit.
 */
import type { Logger } from 'pino';
import type { EnvironmentConfig } from '../config/project-config.js';
import type { Withheld } from '../consent/consent.js';
import { issue, isTmtError, type ErrorCode, type Issue } from '../errors.js';
import type { Pseudonymizer } from '../logging/pseudonym.js';
import type { PermitStore } from '../permits/permit-store.js';
import type { CompiledPipeline } from '../pipeline/load-pipeline.js';
import { decodeJwtClaims } from '../permits/token-exchange.js';
import { openSource } from '../sources/open-source.js';
import type { ImportClient, ProblemDetails, SendOutcome } from '../target/import-client.js';
import { processPerson } from './process-person.js';

export type RunOutcome = 'imported' | 'skipped' | 'invalid' | 'no-permit' | 'rejected' | 'refused' | 'failed' | 'unknown' | 'not-attempted';

export const FAILED_OUTCOMES: ReadonlySet<RunOutcome> = new Set(['invalid', 'rejected', 'refused', 'failed', 'unknown']);

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
}

export interface RunReport {
  runId: string;
  pipeline: string;
  environment: string;
  persons: number;
  byOutcome: Partial<Record<RunOutcome, number>>;
  byReason: Record<string, number>;
  /** Pseudonyms of persons who need a new permit. */
  needNewPermit: string[];
  aborted?: { code: ErrorCode; message: string };
  durationMs: number;
}

export interface RunOptions {
  runId: string;
  pipeline: CompiledPipeline;
  environmentName: string;
  environment: EnvironmentConfig;
  permits: PermitStore;
  client: ImportClient;
  pseudonymize: Pseudonymizer;
  cwd: string;
  input?: string;
  limit?: number;
  concurrency?: number;
  logger?: Logger;
  signal?: AbortSignal;
  now?: () => Date;
  /** Stop when this many answers in a row are 401/403 and nothing was imported yet (default 3); 10 in a row always stop. */
  credentialStopAfter?: number;
  onPerson?(r: RunPersonResult): void;
  onProgress?(done: number, total: number | undefined): void;
  estimateTotal?: boolean;
}

export async function runPipeline(o: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const now = o.now ?? (() => new Date());
  const concurrency = Math.max(1, o.concurrency ?? o.pipeline.spec.run?.concurrency ?? 4);
  const log = o.logger;
  const report: RunReport = { runId: o.runId, pipeline: o.pipeline.name, environment: o.environmentName, persons: 0, byOutcome: {}, byReason: {}, needNewPermit: [], durationMs: 0 };
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onOuterAbort);
  let imported = 0;
  let refusedInARow = 0;
  const credentialStopAfter = o.credentialStopAfter ?? 3;
  let total: number | undefined;

  const record = (r: RunPersonResult) => {
    report.byOutcome[r.outcome] = (report.byOutcome[r.outcome] ?? 0) + 1;
    if (r.reason) report.byReason[r.reason] = (report.byReason[r.reason] ?? 0) + 1;
    if (r.needsNewPermit && r.person) report.needNewPermit.push(r.person);
    const fields = { step: 'outcome', person: r.person, origin: r.origin, outcome: r.outcome, reason: r.reason, status: r.status, sections: r.sections, attempts: r.attempts };
    if (FAILED_OUTCOMES.has(r.outcome)) log?.warn(fields, 'person not imported');
    else log?.info(fields, r.outcome === 'imported' ? 'person imported' : 'person not sent');
    o.onPerson?.(r);
    o.onProgress?.(report.persons, total);
  };

  const abort = (code: ErrorCode, message: string) => {
    if (report.aborted) return;
    report.aborted = { code, message };
    log?.error({ step: 'run', code }, message);
    stop.abort();
  };

  const source = openSource(o.pipeline.spec.source, { baseDir: o.pipeline.dir, cwd: o.cwd, ...(o.input !== undefined ? { input: o.input } : {}), signal: stop.signal });
  if (o.estimateTotal) {
    total = await source.estimateTotal().catch(() => undefined);
    if (total !== undefined && o.limit !== undefined) total = Math.min(total, o.limit);
  }
  log?.info({ step: 'run', pipeline: o.pipeline.name, environment: o.environmentName, concurrency, pipelineHash: o.pipeline.hash }, 'run started');

  const inFlight = new Set<Promise<void>>();
  const send = async (base: Omit<RunPersonResult, 'outcome' | 'needsNewPermit'>, body: string, permit: { id?: string; token: string; jti?: string }) => {
    if (permit.id) {
      try {
        await o.permits.markInFlight(permit.id);
      } catch (e) {
        // Taken by another process or expired since it was found: not sent, reported like any unusable permit.
        if (isTmtError(e) && e.code.startsWith('PERMIT_')) {
          record({ ...base, outcome: 'no-permit', reason: e.code, needsNewPermit: true });
          return;
        }
        throw e;
      }
    }
    const outcome = await o.client.putProfile(permit.token, body);
    const r = resultFromSend(base, outcome, permit.jti);
    if (permit.id) await o.permits.markSpent(permit.id, r.outcome);
    if (outcome.kind === 'imported') {
      imported++;
      refusedInARow = 0;
    } else if (outcome.kind === 'unauthorized') {
      refusedInARow++;
      if ((imported === 0 && refusedInARow >= credentialStopAfter) || refusedInARow >= 10) {
        abort('TARGET_CREDENTIALS', `stopped after ${refusedInARow} refused requests in a row (${outcome.status}): ${outcome.message}`);
      }
    } else refusedInARow = 0;
    record(r);
  };

  try {
    for await (const item of source.items) {
      if (stop.signal.aborted) break;
      if (o.limit !== undefined && report.persons >= o.limit) break;
      report.persons++;
      const { result, key, permitToken } = await processPerson(item, o.pipeline, { pseudonymize: o.pseudonymize });
      const base = { person: result.person, origin: result.origin, sections: result.sections, withheld: result.withheld, issues: result.issues };
      if (result.status === 'invalid') {
        record({ ...base, outcome: 'invalid', reason: result.issues.find((i) => i.severity === 'error')?.code ?? 'PROFILE_SCHEMA', needsNewPermit: false });
        continue;
      }
      if (result.status === 'skipped' || !result.profile) {
        record({ ...base, outcome: 'skipped', reason: 'PROFILE_EMPTY', needsNewPermit: false });
        continue;
      }
      // The permit: from the store, or carried by the record.
      let permit: { id?: string; token: string; jti?: string } | undefined;
      if (o.pipeline.spec.permits?.from === 'field') {
        if (!permitToken) {
          record({ ...base, outcome: 'no-permit', reason: 'PERMIT_MISSING', needsNewPermit: true });
          continue;
        }
        const claims = decodeJwtClaims(permitToken);
        if (claims?.exp !== undefined && claims.exp * 1000 <= now().getTime()) {
          record({ ...base, outcome: 'no-permit', reason: 'PERMIT_EXPIRED', needsNewPermit: true });
          continue;
        }
        permit = { token: permitToken, ...(claims?.jti ? { jti: claims.jti } : {}) };
      } else {
        const person = result.person ?? o.pseudonymize(key ?? '');
        const usable = await o.permits.findUsable(person, o.environmentName, now());
        if (!usable) {
          const why = await o.permits.explainUnusable(person, o.environmentName, now());
          const reason: ErrorCode = why === 'expired' ? 'PERMIT_EXPIRED' : why === 'spent' ? 'PERMIT_SPENT' : why === 'denied' ? 'PERMIT_DENIED' : 'PERMIT_MISSING';
          record({ ...base, outcome: 'no-permit', reason, needsNewPermit: true });
          continue;
        }
        permit = { id: usable.record.id, token: usable.token, ...(usable.record.jti ? { jti: usable.record.jti } : {}) };
      }
      const body = JSON.stringify(result.profile);
      const p = send(base, body, permit).catch((e: unknown) => {
        abort('INTERNAL', `sending failed unexpectedly: ${e instanceof Error ? e.name : 'error'}`);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (!report.aborted && o.signal?.aborted) report.aborted = { code: 'INTERNAL', message: 'the run was interrupted' };
  report.durationMs = Math.round(performance.now() - started);
  log?.info({ step: 'run', persons: report.persons, byOutcome: report.byOutcome, durationMs: report.durationMs, aborted: report.aborted?.code }, 'run finished');
  return report;
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
      return { ...common, outcome: 'failed', reason: 'TARGET_RATE_LIMITED', issues: withIssue('TARGET_RATE_LIMITED'), needsNewPermit: false };
    case 'unavailable':
      return { ...common, outcome: 'failed', reason: 'TARGET_UNAVAILABLE', issues: withIssue('TARGET_UNAVAILABLE'), needsNewPermit: false };
    default:
      return { ...common, outcome: 'failed', reason: 'TARGET_UNEXPECTED', issues: withIssue('TARGET_UNEXPECTED'), needsNewPermit: true };
  }
}
