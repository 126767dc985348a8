/**
 * run.maxFailures: when to give up on a run. A count ("5": abort on the 6th failed person) or a
 * share ("5%": abort when more than 5% of the persons processed so far failed, judged once at
 * least `minSample` persons are done, so that one early failure does not end a large run).
 */

export interface FailureBudget {
  /** Record one finished person; returns a reason when the run should stop. */
  record(failed: boolean): string | undefined;
  readonly failures: number;
  readonly processed: number;
}

export function parseMaxFailures(v: number | string | undefined): { kind: 'count'; n: number } | { kind: 'share'; share: number } | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return { kind: 'count', n: v };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v.trim());
  if (m) return { kind: 'share', share: Number(m[1]) / 100 };
  if (/^\d+$/.test(v.trim())) return { kind: 'count', n: Number(v) };
  return undefined;
}

export function createFailureBudget(max: number | string | undefined, minSample = 20): FailureBudget {
  const limit = parseMaxFailures(max);
  let failures = 0;
  let processed = 0;
  return {
    get failures() {
      return failures;
    },
    get processed() {
      return processed;
    },
    record(failed: boolean) {
      processed++;
      if (failed) failures++;
      if (!limit || !failed) return undefined;
      if (limit.kind === 'count') return failures > limit.n ? `${failures} persons failed, more than run.maxFailures (${limit.n})` : undefined;
      if (processed < minSample) return undefined;
      const share = failures / processed;
      return share > limit.share ? `${failures} of ${processed} persons failed (${(share * 100).toFixed(1)}%), more than run.maxFailures (${(limit.share * 100).toFixed(1)}%)` : undefined;
    },
  };
}
