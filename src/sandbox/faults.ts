/**
 * Fault injection for `PUT /v1/profile`: latency, dropped connections and gateway 5xx answers.
 * `parseFaults` checks settings that arrive as JSON (POST /_sandbox/faults) or from the library.
 */
import type { Faults, RateLimitSettings } from './types.js';

const FAULT_KEYS = new Set(['latencyMs', 'latencyJitterMs', 'errorRate', 'dropRate', 'dropPhase', 'rateLimit']);
const MAX_LATENCY_MS = 120_000;

export type ParsedFaults = { ok: true; faults: Faults } | { ok: false; problems: string[] };

/** Checks a Faults object; `{}` is valid and means "no faults". */
export function parseFaults(input: unknown): ParsedFaults {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, problems: ['the faults must be a JSON object'] };
  const o = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!FAULT_KEYS.has(k)) problems.push(`unknown key "${k}" (known: ${[...FAULT_KEYS].join(', ')})`);
  const faults: Faults = {};
  const num = (k: 'latencyMs' | 'latencyJitterMs' | 'errorRate' | 'dropRate', min: number, max: number, integer: boolean) => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      problems.push(`${k} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
      return;
    }
    faults[k] = v;
  };
  num('latencyMs', 0, MAX_LATENCY_MS, true);
  num('latencyJitterMs', 0, MAX_LATENCY_MS, true);
  num('errorRate', 0, 1, false);
  num('dropRate', 0, 1, false);
  if (o['dropPhase'] !== undefined) {
    if (o['dropPhase'] === 'before' || o['dropPhase'] === 'after' || o['dropPhase'] === 'alternate') faults.dropPhase = o['dropPhase'];
    else problems.push('dropPhase must be "before", "after" or "alternate"');
  }
  if (o['rateLimit'] !== undefined) {
    const r = parseRateLimit(o['rateLimit']);
    if (typeof r === 'string') problems.push(`rateLimit ${r}`);
    else faults.rateLimit = r;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, faults };
}

/** Checks `{limit, windowSeconds}`; returns the problem as text. */
export function parseRateLimit(v: unknown): RateLimitSettings | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'must be an object {limit, windowSeconds}';
  const { limit, windowSeconds, ...rest } = v as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `has unknown keys: ${Object.keys(rest).join(', ')}`;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000_000) return 'limit must be a whole number of at least 1';
  if (typeof windowSeconds !== 'number' || !Number.isFinite(windowSeconds) || windowSeconds <= 0 || windowSeconds > 86_400) return 'windowSeconds must be a number above 0 and at most 86400';
  return { limit, windowSeconds };
}

export type GatewayStatus = 500 | 502 | 503;
const GATEWAY_STATUSES: readonly GatewayStatus[] = [500, 502, 503];

/** Decides, per PUT, which faults strike. */
export class FaultPlan {
  private faults: Faults = {};
  private drops = 0;

  constructor(private readonly random: () => number) {}

  get current(): Faults {
    return structuredClone(this.faults);
  }

  set(f: Faults): void {
    this.faults = structuredClone(f);
    this.drops = 0;
  }

  /** Milliseconds to wait before processing this PUT. */
  latency(): number {
    const base = this.faults.latencyMs ?? 0;
    const jitter = this.faults.latencyJitterMs ?? 0;
    return base + (jitter > 0 ? Math.floor(this.random() * (jitter + 1)) : 0);
  }

  /** Whether this PUT's connection is cut, and when. */
  drop(): 'before' | 'after' | undefined {
    const rate = this.faults.dropRate ?? 0;
    if (rate <= 0 || this.random() >= rate) return undefined;
    const phase = this.faults.dropPhase ?? 'alternate';
    if (phase !== 'alternate') return phase;
    return this.drops++ % 2 === 0 ? 'before' : 'after';
  }

  /** A gateway failure status for this PUT, or undefined. */
  gatewayError(): GatewayStatus | undefined {
    const rate = this.faults.errorRate ?? 0;
    if (rate <= 0 || this.random() >= rate) return undefined;
    return GATEWAY_STATUSES[Math.min(GATEWAY_STATUSES.length - 1, Math.floor(this.random() * GATEWAY_STATUSES.length))];
  }
}
