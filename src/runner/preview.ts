/**
 * Dry run: the same plan as a real run with the send step replaced by output. Never touches the
 * network. Streams: memory stays flat however many persons the source holds.
 */
import type { Logger } from 'pino';
import type { Pseudonymizer } from '../logging/pseudonym.js';
import type { CompiledPipeline } from '../pipeline/load-pipeline.js';
import { openSource } from '../sources/open-source.js';
import { inlineMapper, mapInOrder, type Mapper } from './mapping-pool.js';
import type { PersonResult, PersonStatus } from './process-person.js';

export interface PreviewOptions {
  pipeline: CompiledPipeline;
  pseudonymize: Pseudonymizer;
  cwd: string;
  /** Replaces the pipeline's source path. */
  input?: string;
  limit?: number;
  assumeConsent?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  /** Called for each person, in source order. */
  onPerson(result: PersonResult): void | Promise<void>;
  /** Called as work advances (for progress displays). */
  onProgress?(done: number, total: number | undefined): void;
  /** Ask the source how many persons to expect (costs a pass over NDJSON files). */
  estimateTotal?: boolean;
  /** Where persons are mapped (default: in this thread). */
  mapper?: Mapper;
}

export interface PreviewSummary {
  pipeline: string;
  persons: number;
  byStatus: Record<PersonStatus, number>;
  byIssueCode: Record<string, number>;
  /** How many persons had each section withheld, by reason. */
  withheld: Record<string, number>;
  /** False when produced with --assume-consent. */
  sendable: boolean;
  durationMs: number;
}

export async function previewPipeline(options: PreviewOptions): Promise<PreviewSummary> {
  const started = performance.now();
  const { pipeline } = options;
  const source = openSource(pipeline.spec.source, {
    baseDir: pipeline.dir,
    cwd: options.cwd,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let total: number | undefined;
  if (options.estimateTotal) {
    total = await source.estimateTotal().catch(() => undefined);
    if (total !== undefined && options.limit !== undefined) total = Math.min(total, options.limit);
  }
  const summary: PreviewSummary = {
    pipeline: pipeline.name,
    persons: 0,
    byStatus: { ready: 0, skipped: 0, invalid: 0 },
    byIssueCode: {},
    withheld: {},
    sendable: !options.assumeConsent,
    durationMs: 0,
  };
  options.logger?.info({ step: 'preview', pipeline: pipeline.name, assumeConsent: options.assumeConsent ?? false }, 'preview started');
  const mapper = options.mapper ?? inlineMapper(pipeline, { pseudonymize: options.pseudonymize, assumeConsent: options.assumeConsent ?? false });
  for await (const { result } of mapInOrder(limited(source.items, options.limit), mapper)) {
    if (options.signal?.aborted) break;
    summary.persons++;
    summary.byStatus[result.status]++;
    for (const i of result.issues) summary.byIssueCode[i.code] = (summary.byIssueCode[i.code] ?? 0) + 1;
    for (const w of result.withheld) {
      const k = w.field ? `${w.section}.${w.field}: ${w.reason}` : `${w.section}: ${w.reason}`;
      summary.withheld[k] = (summary.withheld[k] ?? 0) + 1;
    }
    if (result.status === 'invalid') {
      options.logger?.debug({ step: 'validate', person: result.person, origin: result.origin, codes: result.issues.map((i) => i.code) }, 'person invalid');
    }
    await options.onPerson(result);
    options.onProgress?.(summary.persons, total);
  }
  summary.durationMs = Math.round(performance.now() - started);
  options.logger?.info({ step: 'preview', persons: summary.persons, byStatus: summary.byStatus, durationMs: summary.durationMs }, 'preview finished');
  return summary;
}

/** At most `limit` items (so that mapping ahead never reads past the limit). */
export async function* limited<T>(items: AsyncIterable<T>, limit: number | undefined): AsyncGenerator<T> {
  if (limit === undefined) {
    yield* items;
    return;
  }
  let n = 0;
  if (n >= limit) return;
  for await (const item of items) {
    yield item;
    if (++n >= limit) return;
  }
}
