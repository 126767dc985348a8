/**
 * File sources: resolve the spec's paths, globs and folders to a sorted list, then read each with
 * the reader for the format.
 *
 * Resolution, per entry of `spec.path` (or the single `--input` value, which replaces it):
 * - an existing file → that file (for `linkedin`, the reader reports it is not a folder);
 * - an existing folder → json: its `*.json` files, ndjson: its `*.ndjson` and `*.jsonl` files
 *   (top level only, extensions in any case, dot-files skipped); linkedin: the folder itself, one export;
 * - otherwise, when it has glob syntax → its matches (json/ndjson: files; linkedin: folders, so
 *   `exports/*` and `exports/*\/` both give one export per sub-folder); dot-entries are not matched;
 * - otherwise it does not exist: when other entries matched something, it is kept so that reading
 *   reports it (SOURCE_UNREADABLE); when nothing matched at all, the result is [] and the caller
 *   reports SOURCE_NO_MATCH.
 * An existing path always wins over glob reading, so a file named `cv[1].json` can be named as is.
 * The result is absolute, deduplicated and sorted by code unit, so runs are deterministic.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { TmtError } from '../errors.js';
import { readJsonFile } from './json-source.js';
import { readLinkedInExport } from './linkedin-source.js';
import { readNdjsonFile } from './ndjson-source.js';
import type { FileFormat, FileReadContext, FileSourceOptions, FileSourceSpec, SourceItem } from './types.js';

const FOLDER_EXTENSIONS: Record<Exclude<FileFormat, 'linkedin'>, readonly string[]> = {
  json: ['.json'],
  ndjson: ['.ndjson', '.jsonl'],
};

/** The spec's entries (or `--input`) and the folder they are relative to. */
function entriesOf(spec: FileSourceSpec, opts: FileSourceOptions): { entries: string[]; base: string } {
  if (opts.input !== undefined) return { entries: [opts.input], base: opts.inputBase ?? opts.baseDir };
  return { entries: Array.isArray(spec.path) ? spec.path : [spec.path], base: opts.baseDir };
}

export async function resolveSourcePaths(spec: FileSourceSpec, opts: FileSourceOptions): Promise<string[]> {
  checkFormat(spec.format);
  const { entries, base } = entriesOf(spec, opts);
  const found = new Set<string>();
  const missing: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.trim() === '') continue;
    const abs = resolve(base, entry);
    const st = await stat(abs).catch(() => undefined);
    if (st?.isDirectory()) {
      if (spec.format === 'linkedin') found.add(abs);
      else for (const p of await listFolder(abs, FOLDER_EXTENSIONS[spec.format])) found.add(p);
    } else if (st) {
      found.add(abs);
    } else if (isDynamicPattern(entry)) {
      for (const p of await globEntry(entry, base, spec.format, opts.signal)) found.add(p);
    } else {
      missing.push(abs);
    }
  }
  if (found.size === 0) return [];
  for (const p of missing) found.add(p);
  return [...found].sort(compareCodeUnits);
}

/** Reads every person of a file source, in the order of `resolveSourcePaths`. */
export function readFileSource(spec: FileSourceSpec, opts: FileSourceOptions): AsyncIterable<SourceItem> {
  return new FileSourceIterator(spec.format, () => resolveSourcePaths(spec, opts), opts);
}

/** Reads already resolved paths (from `resolveSourcePaths`) without resolving them again. */
export function readSourcePaths(
  format: FileFormat,
  paths: readonly string[],
  opts: Pick<FileSourceOptions, 'displayBase' | 'signal'>,
): AsyncIterableIterator<SourceItem> {
  return new FileSourceIterator(format, () => Promise.resolve(paths), opts);
}

type ItemIterator = AsyncIterator<SourceItem, unknown, undefined> & { takeBuffered?: () => SourceItem | undefined };

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * Chains the per-file readers. Items a reader already holds are passed on synchronously (no
 * extra await per item), which keeps large NDJSON files close to the speed of JSON.parse.
 */
class FileSourceIterator implements AsyncIterableIterator<SourceItem> {
  readonly #format: FileFormat;
  readonly #resolve: () => Promise<readonly string[]>;
  readonly #displayBase: string;
  readonly #signal: AbortSignal | undefined;
  #paths: readonly string[] | undefined;
  #index = 0;
  #current: ItemIterator | undefined;
  #finished = false;

  constructor(format: FileFormat, resolvePaths: () => Promise<readonly string[]>, opts: Pick<FileSourceOptions, 'displayBase' | 'signal'>) {
    this.#format = format;
    this.#resolve = resolvePaths;
    this.#displayBase = opts.displayBase;
    this.#signal = opts.signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<SourceItem, undefined>> {
    const ready = this.#current?.takeBuffered?.();
    if (ready !== undefined) return Promise.resolve({ value: ready, done: false });
    return this.#advance();
  }

  async #advance(): Promise<IteratorResult<SourceItem, undefined>> {
    for (;;) {
      if (this.#finished) return DONE;
      if (this.#signal?.aborted) return this.return();
      if (this.#paths === undefined) {
        this.#paths = await this.#resolve();
        continue;
      }
      if (this.#current !== undefined) {
        const r = await this.#current.next();
        if (!r.done) return { value: r.value, done: false };
        this.#current = undefined;
      }
      const path = this.#paths[this.#index++];
      if (path === undefined) {
        this.#finished = true;
        return DONE;
      }
      const ctx: FileReadContext = { path, display: displayPath(this.#displayBase, path), signal: this.#signal };
      this.#current = readerFor(this.#format)(ctx);
    }
  }

  async return(): Promise<IteratorResult<SourceItem, undefined>> {
    this.#finished = true;
    const current = this.#current;
    this.#current = undefined;
    await current?.return?.();
    return DONE;
  }
}

/** `path` relative to `base` with forward slashes ('.' for the folder itself). */
export function displayPath(base: string, path: string): string {
  const rel = relative(base, path);
  if (rel === '') return '.';
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function readerFor(format: FileFormat): (ctx: FileReadContext) => ItemIterator {
  switch (format) {
    case 'json':
      return readJsonFile;
    case 'ndjson':
      return readNdjsonFile;
    case 'linkedin':
      return readLinkedInExport;
    default:
      throw badFormat();
  }
}

/** Guards callers that bypass pipeline validation. */
function checkFormat(format: FileFormat): void {
  if (format !== 'json' && format !== 'ndjson' && format !== 'linkedin') throw badFormat();
}

function badFormat(): TmtError {
  return new TmtError('PIPELINE_BAD_VALUE', 'source.format must be one of json, ndjson, linkedin', { pointer: '/source/format' });
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function listFolder(dir: string, extensions: readonly string[]): Promise<string[]> {
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch {
    // Keep the folder so that reading it reports why it cannot be read.
    return [dir];
  }
  const out: string[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    const lower = d.name.toLowerCase();
    if (!extensions.some((ext) => lower.endsWith(ext))) continue;
    const p = join(dir, d.name);
    if (d.isFile()) out.push(p);
    else if (d.isSymbolicLink()) {
      const st = await stat(p).catch(() => undefined);
      if (st?.isFile()) out.push(p);
    }
  }
  return out;
}

/**
 * Globs one entry. The leading segments without glob syntax form the folder the search starts
 * from (so `../x/*.json` works, and folder names with glob characters before the pattern are safe).
 */
async function globEntry(entry: string, base: string, format: FileFormat, signal: AbortSignal | undefined): Promise<string[]> {
  const segments = entry.split('/');
  let k = 0;
  let cwd = isAbsolute(entry) ? '/' : base;
  while (k < segments.length - 1) {
    const segment = segments[k] ?? '';
    const next = resolve(cwd, segment);
    // A folder that exists under its literal name (say `cv (2024)`) is a folder, not a pattern.
    if (isDynamicPattern(segment) && !(await isDirectory(next))) break;
    cwd = next;
    k++;
  }
  const pattern = segments.slice(k).join('/');
  if (!(await isDirectory(cwd))) return [];
  try {
    const matches = await glob(pattern, {
      cwd,
      absolute: true,
      expandDirectories: false,
      dot: false,
      ...(format === 'linkedin' ? { onlyDirectories: true } : { onlyFiles: true }),
      ...(signal ? { signal } : {}),
    });
    return matches.map((m) => resolve(m));
  } catch (e) {
    if (signal?.aborted) return [];
    throw new TmtError('SOURCE_UNREADABLE', `cannot list the files matching ${entry}`, { cause: e });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
