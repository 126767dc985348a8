/**
 * One entry point for every kind of source a pipeline can declare: files (json, ndjson, LinkedIn
 * export folders), paginated HTTP APIs and PostgreSQL queries (docs/sources.md).
 */
import { createReadStream } from 'node:fs';
import { TmtError } from '../errors.js';
import type { SourceSpec } from '../pipeline/types.js';
import { readFileSource, resolveSourcePaths } from './file-source.js';
import { readHttpSource } from './http-source.js';
import { sourceEnvOf, type Env } from './live-common.js';
import { readPostgresSource } from './postgres-source.js';
import type { SourceItem } from './types.js';

export interface OpenSourceOptions {
  /** The pipeline file's folder: relative paths in the spec are resolved against it. */
  baseDir: string;
  /** The working folder: origins are shown relative to it, and --input is resolved against it. */
  cwd: string;
  /** Replaces the source path (the --input flag). */
  input?: string;
  signal?: AbortSignal;
  /**
   * Live sources: environment variables for `${NAME}` references, auth and connection strings.
   * Default: the environment the pipeline was loaded with (LoadPipelineOptions.env), else process.env.
   */
  env?: Env;
  /**
   * HTTP sources: the `checkpoint` of an item from an earlier read; reading starts after that
   * item's page instead of at the first page. Other sources start from the beginning.
   */
  resumeFrom?: unknown;
}

export interface OpenedSource {
  items: AsyncIterable<SourceItem>;
  /** Best-effort count of persons, for progress (undefined when it cannot be known cheaply). */
  estimateTotal(): Promise<number | undefined>;
}

export function openSource(spec: SourceSpec, options: OpenSourceOptions): OpenedSource {
  if (spec.type === 'http' || spec.type === 'postgres') {
    if (options.input !== undefined) {
      throw new TmtError('CLI_USAGE', `--input replaces the path of a file source; this pipeline reads from ${spec.type === 'http' ? 'an HTTP API' : 'PostgreSQL'}`);
    }
    const env = options.env ?? sourceEnvOf(spec) ?? process.env;
    const signal = options.signal ? { signal: options.signal } : {};
    const items =
      spec.type === 'http'
        ? readHttpSource(spec, { env, ...signal, ...(options.resumeFrom !== undefined ? { resumeFrom: options.resumeFrom } : {}) })
        : readPostgresSource(spec, { env, baseDir: options.baseDir, ...signal });
    return { items, estimateTotal: async () => undefined };
  }
  const fileOpts = {
    baseDir: options.baseDir,
    displayBase: options.cwd,
    inputBase: options.cwd,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return {
    items: readFileSource(spec, fileOpts),
    async estimateTotal() {
      const paths = await resolveSourcePaths(spec, fileOpts);
      if (spec.format === 'ndjson') {
        let lines = 0;
        for (const p of paths) lines += await countLines(p).catch(() => 0);
        return lines;
      }
      return paths.length; // a file (or export folder) per person; arrays make this a lower bound
    },
  };
}

/** Count newline-terminated non-empty lines quickly, without decoding. */
async function countLines(file: string): Promise<number> {
  let count = 0;
  let lastWasNewline = true;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let idx = chunk.indexOf(10);
    let start = 0;
    while (idx !== -1) {
      if (idx > start || !lastWasNewline) count++;
      lastWasNewline = true;
      start = idx + 1;
      idx = chunk.indexOf(10, start);
    }
    if (start < chunk.length) lastWasNewline = false;
  }
  if (!lastWasNewline) count++;
  return count;
}
