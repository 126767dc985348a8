/**
 * Where persons are mapped. JSONata evaluation bounds a run (one person at a time per thread is
 * its fastest mode), so on a machine with more than one core, large inputs are mapped by worker
 * threads, each with its own compiled copy of the pipeline, while the main thread reads the
 * source, sends and writes. Results come back in source order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProjectConfig } from '../config/project-config.js';
import { TmtError } from '../errors.js';
import type { Pseudonymizer } from '../logging/pseudonym.js';
import type { CompiledPipeline } from '../pipeline/load-pipeline.js';
import type { SourceItem } from '../sources/types.js';
import { processPerson, type ProcessedPerson } from './process-person.js';

export interface Mapper {
  /** How many persons may be in the mapper at once (1 = one after another). */
  readonly window: number;
  map(item: SourceItem): Promise<ProcessedPerson>;
  close(): Promise<void>;
}

/** Map in this thread, one person at a time. */
export function inlineMapper(pipeline: CompiledPipeline, o: { pseudonymize: Pseudonymizer; assumeConsent?: boolean }): Mapper {
  return {
    window: 1,
    map: (item) => processPerson(item, pipeline, { pseudonymize: o.pseudonymize, assumeConsent: o.assumeConsent ?? false }),
    close: async () => undefined,
  };
}

/** What a worker needs to compile the same pipeline (plain data only). */
export interface WorkerInit {
  pipelineFile: string;
  cwd: string;
  config: ProjectConfig;
  env: Record<string, string | undefined>;
  pseudonymSecret: string | Buffer;
  assumeConsent: boolean;
}

type Reply = { id: number; ok: true; processed: ProcessedPerson } | { id: number; ok: false; code: string; message: string } | { ready: true } | { ready: false; message: string };

/** Map in `count` worker threads. Rejects when a worker cannot compile the pipeline. */
export async function workerMapper(init: WorkerInit, count: number): Promise<Mapper> {
  const url = new URL('./mapping-worker.js', import.meta.url);
  const pending = new Map<number, { resolve(p: ProcessedPerson): void; reject(e: unknown): void }>();
  let nextId = 0;
  const workers: Worker[] = [];
  const load = new Map<Worker, number>();
  const started = Array.from({ length: count }, () => {
    // A small old generation per thread keeps the process within the memory budget; mapping
    // garbage is short-lived, so this costs little.
    const w = new Worker(url, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } });
    workers.push(w);
    load.set(w, 0);
    return new Promise<void>((resolve, reject) => {
      w.on('message', (m: Reply) => {
        if ('ready' in m) {
          if (m.ready) resolve();
          else reject(new TmtError('INTERNAL', `a mapping worker could not load the pipeline: ${m.message}`));
          return;
        }
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        load.set(w, (load.get(w) ?? 1) - 1);
        if (m.ok) p.resolve(m.processed);
        else p.reject(new TmtError('INTERNAL', `mapping worker: ${m.code} ${m.message}`));
      });
      w.on('error', (e) => {
        reject(e);
        for (const [id, p] of pending) {
          p.reject(new TmtError('INTERNAL', `a mapping worker stopped: ${e.name}`));
          pending.delete(id);
        }
      });
    });
  });
  try {
    await Promise.all(started);
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return {
    window: count * 8,
    map(item) {
      // The least busy worker takes the person.
      let best = workers[0]!;
      for (const w of workers) if ((load.get(w) ?? 0) < (load.get(best) ?? 0)) best = w;
      load.set(best, (load.get(best) ?? 0) + 1);
      const id = nextId++;
      return new Promise<ProcessedPerson>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        best.postMessage({ id, item });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** A mapped person with the source position it came from (live sources: where to resume). */
export type MappedPerson = ProcessedPerson & { checkpoint?: unknown };

/** Persons mapped in source order, with up to `mapper.window` in flight. */
export async function* mapInOrder(items: AsyncIterable<SourceItem>, mapper: Mapper): AsyncGenerator<MappedPerson> {
  const mapOne = (item: SourceItem): Promise<MappedPerson> =>
    item.checkpoint === undefined ? mapper.map(item) : mapper.map(item).then((p) => ({ ...p, checkpoint: item.checkpoint }));
  if (mapper.window <= 1) {
    for await (const item of items) yield await mapOne(item);
    return;
  }
  const queue: Array<Promise<MappedPerson>> = [];
  for await (const item of items) {
    const p = mapOne(item);
    p.catch(() => undefined); // observed when its turn comes
    queue.push(p);
    if (queue.length >= mapper.window) yield await queue.shift()!;
  }
  while (queue.length > 0) yield await queue.shift()!;
}

/**
 * How many mapping threads to use: `requested` when given; otherwise worker threads only when
 * there are spare cores and enough persons to repay their start-up (about half a second each).
 */
export function chooseWorkers(requested: number | undefined, estimatedPersons: number | undefined): number {
  if (requested !== undefined) return Math.max(0, requested);
  const cores = availableParallelism();
  if (cores < 2 || estimatedPersons === undefined || estimatedPersons < 500) return 0;
  return Math.min(cores, 4);
}
