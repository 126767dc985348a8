/**
 * The durable state of an installation: permits, runs, each person's outcome per run, receipts
 * and dead letters. One module owns the storage (SQLite by default: src/state/sqlite-state.ts);
 * everything else goes through this interface, so a PostgreSQL implementation can follow for
 * organisations that run several workers.
 */
import type { PermitStore } from '../permits/permit-store.js';

export type RunStatus = 'running' | 'completed' | 'aborted';

export interface RunRow {
  runId: string;
  pipeline: string;
  pipelineHash: string;
  environment: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  /** The run report (counts only: no personal data). */
  summary?: unknown;
  /** Where a live source may resume reading (an HTTP source's page position); no personal data. */
  checkpoint?: unknown;
}

/** One person's outcome in one run. `in-flight` = the PUT was started and no answer is recorded yet. */
export interface PersonOutcomeRow {
  runId: string;
  /** Pseudonym. */
  person: string;
  origin: string;
  outcome: string; // RunOutcome of src/runner/run.ts, or 'in-flight'
  reason?: string;
  status?: number;
  permitId?: string;
  jti?: string;
  at: string;
}

export interface WithheldEntry {
  section: string;
  field?: string;
  reason: string;
  rule?: string;
}

export interface ReceiptInput {
  runId: string;
  pipeline: string;
  /** sha256 over the pipeline, mapping and lookup files. */
  pipelineHash: string;
  environment: string;
  person: string;
  jti?: string;
  sectionsSent: string[];
  withheld: WithheldEntry[];
  /** HTTP status of the answer; absent when none came (outcome unknown). */
  httpStatus?: number;
  outcome: string;
  at: string;
}

export interface Receipt extends ReceiptInput {
  receiptId: string;
  /** Position in the chain, from 1. */
  seq: number;
  prevHash: string;
  /** sha256 over prevHash and the canonical JSON of this receipt's fields. */
  hash: string;
}

export interface ReceiptVerification {
  ok: boolean;
  count: number;
  /** The first receipt that breaks the chain, and why. */
  firstBad?: { seq: number; receiptId: string; reason: string };
}

export interface DeadLetter {
  id: string;
  runId: string;
  pipeline: string;
  environment: string;
  person: string;
  origin: string;
  reason: string;
  createdAt: string;
  /** The mapped profile (JSON), kept only as long as retention allows; absent once purged. */
  payload?: string;
  status: 'open' | 'retried' | 'resolved';
  resolvedAt?: string;
  resolution?: string;
}

export interface RetentionOptions {
  /** Delete dead-letter payloads older than this many days (default 14). */
  deadLetterPayloadDays?: number;
  /** Delete finished permit records older than this many days (default 30). */
  permitRecordDays?: number;
}

export interface PurgeResult {
  tokensDeleted: number;
  permitRecordsDeleted: number;
  deadLetterPayloadsDeleted: number;
}

export interface PersonExport {
  person: string;
  permits: unknown[];
  outcomes: PersonOutcomeRow[];
  receipts: Receipt[];
  deadLetters: Array<Omit<DeadLetter, 'payload'> & { payloadKept: boolean }>;
}

export interface StateStore {
  /** Permits, as the permit server and the runner use them (tokens deleted once spent). */
  readonly permits: PermitStore;
  /** Where the state lives (for messages). */
  readonly location: string;

  beginRun(r: { runId: string; pipeline: string; pipelineHash: string; environment: string; startedAt: string }): Promise<void>;
  /** The newest run of this pipeline and environment that never finished (crashed or killed). */
  findUnfinishedRun(pipeline: string, environment: string): Promise<RunRow | undefined>;
  finishRun(runId: string, r: { status: 'completed' | 'aborted'; finishedAt: string; summary: unknown }): Promise<void>;
  /** Remember where the source may resume: every person read before it is finished. */
  saveCheckpoint(runId: string, checkpoint: unknown): Promise<void>;
  getRun(runId: string): Promise<RunRow | undefined>;
  listRuns(filter?: { pipeline?: string; limit?: number }): Promise<RunRow[]>;

  /**
   * Before the PUT, in one transaction: the permit (if any) becomes in-flight and the person's
   * outcome in this run becomes 'in-flight'. Throws PERMIT_* like PermitStore.markInFlight.
   */
  beginSend(s: { runId: string; person: string; origin: string; permitId?: string; jti?: string; at: string }): Promise<void>;
  /**
   * After the answer, in one transaction: the permit becomes spent (token deleted), the outcome
   * is recorded, and the receipt (if given) is appended to the chain. Returns the receipt.
   */
  finishSend(s: { runId: string; person: string; origin: string; permitId?: string; outcome: string; reason?: string; status?: number; receipt?: ReceiptInput }): Promise<Receipt | undefined>;
  /** Record an outcome that involved no send (skipped, invalid, no-permit, ...). */
  recordOutcome(o: PersonOutcomeRow): Promise<void>;
  /** Every person's latest outcome in a run (key: pseudonym). */
  outcomes(runId: string): Promise<Map<string, PersonOutcomeRow>>;
  /**
   * Persons left 'in-flight' by runs that are not running any more (the process died mid-send):
   * marks them 'unknown' (and their permits spent with outcome 'unknown'), and returns them.
   */
  settleInterrupted(pipeline: string, environment: string, at: string): Promise<PersonOutcomeRow[]>;

  appendReceipt(r: ReceiptInput): Promise<Receipt>;
  verifyReceipts(): Promise<ReceiptVerification>;
  receiptsFor(person: string): Promise<Receipt[]>;

  addDeadLetter(d: Omit<DeadLetter, 'id' | 'status'>): Promise<DeadLetter>;
  listDeadLetters(filter?: { pipeline?: string; status?: DeadLetter['status'] }): Promise<DeadLetter[]>;
  resolveDeadLetter(id: string, r: { status: 'retried' | 'resolved'; resolution: string; at: string }): Promise<void>;

  /** Apply the retention rules: expired/spent tokens, old dead-letter payloads, old permit records. */
  purge(now: Date, options?: RetentionOptions): Promise<PurgeResult>;
  /** Everything recorded about one person (pseudonym), for a data subject's request. */
  exportPerson(person: string): Promise<PersonExport>;
  close(): Promise<void>;
}
