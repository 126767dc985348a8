/**
 * One entry point for every kind of source a pipeline can declare. Today: files (json, ndjson,
 * LinkedIn export folders).
 */
import { createReadStream } from 'node:fs';
import type { SourceSpec } from '../pipeline/types.js';
import { readFileSource, resolveSourcePaths } from './file-source.js';
import type { SourceItem } from './types.js';

export interface OpenSourceOptions {
  /** The pipeline file's folder: relative paths in the spec are resolved against it. */
  baseDir: string;
  /** The working folder: origins are shown relative to it, and --input is resolved against it. */
  cwd: string;
  /** Replaces the source path (the --input flag). */
  input?: string;
  signal?: AbortSignal;
}

export interface OpenedSource {
  items: AsyncIterable<SourceItem>;
  /** Best-effort count of persons, for progress (undefined when it cannot be known cheaply). */
  estimateTotal(): Promise<number | undefined>;
}

export function openSource(spec: SourceSpec, options: OpenSourceOptions): OpenedSource {
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
