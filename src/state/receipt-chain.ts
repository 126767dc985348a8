/**
 * The receipt hash chain, independent of the storage: each receipt's hash is
 * sha256(prevHash + canonicalJson(fields)), the first receipt's prevHash is 64 zeros, and the
 * hashed fields include the receipt's id and position, so a changed, removed or reordered receipt
 * shows. A receipt names sections, withheld descriptors, pseudonyms, jti, status and times: never
 * profile content.
 */
import { createHash } from 'node:crypto';
import { TmtError } from '../errors.js';
import type { Receipt, ReceiptInput, WithheldEntry } from './state-store.js';

export const GENESIS_HASH = '0'.repeat(64);

const PSEUDONYM = /^p-[0-9a-f]{8,64}$/;

/** JSON with object keys sorted at every level; undefined object members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TmtError('INTERNAL', 'canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
    }
    default:
      throw new TmtError('INTERNAL', `canonicalJson: cannot encode a ${typeof value}`);
  }
}

/** The fields a receipt's hash covers: everything but prevHash and hash themselves. */
export function receiptFields(r: Omit<Receipt, 'prevHash' | 'hash'>): Record<string, unknown> {
  return {
    receiptId: r.receiptId,
    seq: r.seq,
    runId: r.runId,
    pipeline: r.pipeline,
    pipelineHash: r.pipelineHash,
    environment: r.environment,
    person: r.person,
    jti: r.jti,
    sectionsSent: r.sectionsSent,
    withheld: r.withheld,
    httpStatus: r.httpStatus,
    outcome: r.outcome,
    at: r.at,
  };
}

export function receiptHash(prevHash: string, r: Omit<Receipt, 'prevHash' | 'hash'>): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(receiptFields(r))).digest('hex');
}

/**
 * A receipt input checked and reduced to what a receipt may hold: the person must be a pseudonym,
 * sections are names, withheld entries keep section, field, reason and rule only.
 */
export function normalizeReceiptInput(r: ReceiptInput): ReceiptInput {
  const str = (v: unknown, what: string, max = 500): string => {
    if (typeof v !== 'string' || v.length === 0) throw new TmtError('INTERNAL', `receipt: ${what} must be a non-empty string`);
    return v.slice(0, max);
  };
  if (typeof r.person !== 'string' || !PSEUDONYM.test(r.person)) throw new TmtError('INTERNAL', 'receipt: person must be a pseudonym (p-…), never the person key');
  if (!Array.isArray(r.sectionsSent) || !Array.isArray(r.withheld)) throw new TmtError('INTERNAL', 'receipt: sectionsSent and withheld must be arrays');
  if (r.httpStatus !== undefined && !(Number.isInteger(r.httpStatus) && r.httpStatus >= 100 && r.httpStatus <= 599)) throw new TmtError('INTERNAL', 'receipt: httpStatus must be an HTTP status');
  if (Number.isNaN(Date.parse(r.at))) throw new TmtError('INTERNAL', 'receipt: at must be an ISO time');
  const withheld = r.withheld.map((w: WithheldEntry): WithheldEntry => ({
    section: str(w?.section, 'withheld.section', 100),
    ...(w.field !== undefined ? { field: str(w.field, 'withheld.field', 200) } : {}),
    reason: str(w.reason, 'withheld.reason', 100),
    ...(w.rule !== undefined ? { rule: str(w.rule, 'withheld.rule', 300) } : {}),
  }));
  return {
    runId: str(r.runId, 'runId', 200),
    pipeline: str(r.pipeline, 'pipeline', 200),
    pipelineHash: typeof r.pipelineHash === 'string' ? r.pipelineHash.slice(0, 200) : '',
    environment: str(r.environment, 'environment', 100),
    person: r.person,
    ...(r.jti ? { jti: String(r.jti).slice(0, 200) } : {}),
    sectionsSent: r.sectionsSent.map((s) => str(s, 'a section name', 100)),
    withheld,
    ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
    outcome: str(r.outcome, 'outcome', 100),
    at: new Date(r.at).toISOString(),
  };
}
