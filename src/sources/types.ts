/**
 * Types shared by the source connectors. A source yields one `SourceItem` per person: either the
 * record or the coded reason it could not be read. Readers never throw for a bad person; they yield
 * an error item and go on with the next one.
 */
import type { Issue } from '../errors.js';

export interface SourceItem {
  /** Where the record came from, for reports and logs: path relative to `displayBase` + `#index` (array element, 0-based) or `:line` (NDJSON line) — never personal data. */
  origin: string;
  /** The person record, absent when `error` is set. */
  record?: unknown;
  /** Set when this record could not be read; the run reports it and goes on with the others. */
  error?: Issue;
  /**
   * Live sources that can resume (http): serialisable JSON naming where to resume AFTER the page
   * this item came from; pass it back as `openSource(..., { resumeFrom })`. Every item of a page
   * carries the same checkpoint: store it only once every item with it is finished. See docs/sources.md.
   */
  checkpoint?: unknown;
}

/** Formats a file source understands. */
export type FileFormat = 'json' | 'ndjson' | 'linkedin';

export const FILE_FORMATS: readonly FileFormat[] = ['json', 'ndjson', 'linkedin'];

export interface FileSourceSpec {
  type: 'file';
  format: FileFormat;
  /** A path, a glob, a folder, or a list of these; relative ones are resolved against `baseDir`. */
  path: string | string[];
}

export interface FileSourceOptions {
  /** Folder that relative paths/globs in the spec are resolved against (the pipeline file's folder). */
  baseDir: string;
  /** Replaces spec.path (the --input flag); resolved against `inputBase` (default process.cwd() is NOT read inside: caller passes it). */
  input?: string;
  /** Folder that `input` is resolved against; when absent, `baseDir` is used. */
  inputBase?: string;
  /** Folder that origins are shown relative to. */
  displayBase: string;
  /** Reading stops quietly (the iteration ends) once the signal is aborted. */
  signal?: AbortSignal;
}

/** What a single-file (or single-folder) reader gets from the dispatcher. */
export interface FileReadContext {
  /** Absolute path of the file (or folder, for an export). */
  path: string;
  /** The path as shown in origins and issues: relative to `displayBase`, forward slashes. */
  display: string;
  signal?: AbortSignal;
}
