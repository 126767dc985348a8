/**
 * Lookup tables for `$lookup`: CSV (header row) or YAML (mapping of key to value, or key to an object
 * of columns), read once per run and indexed by a normalized key.
 */

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { TmtError, errorMessage } from '../errors.js';

export interface LookupTable {
  /** The file the table was read from. */
  readonly file: string;
  /** Number of distinct (normalized) keys. */
  readonly size: number;
  /** Names reachable with the `column` argument of `get`. */
  readonly columns: readonly string[];
  /** The value (or `column`) of the row whose key matches `key` after normalization; undefined when absent. */
  get(key: string, column?: string): string | undefined;
}

export interface LookupTableOptions {
  /** CSV: the key column (default: the first column). */
  key?: string;
  /** CSV: the value column (default: the second column). YAML rows that are objects: the value column (default `value`). */
  value?: string;
}

/**
 * The form keys are compared in: Unicode NFKC (so full-width letters, ligatures and non-breaking
 * spaces match their plain forms), lower-cased, trimmed, inner runs of whitespace collapsed to one space.
 */
export function normalizeLookupKey(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

class IndexedTable implements LookupTable {
  readonly file: string;
  readonly columns: readonly string[];
  private readonly columnIndex: ReadonlyMap<string, number>;
  private readonly valueColumn: number;
  private readonly rows: ReadonlyMap<string, ReadonlyArray<string | undefined>>;

  constructor(file: string, columns: string[], valueColumn: number, rows: Map<string, Array<string | undefined>>) {
    this.file = file;
    this.columns = columns;
    this.columnIndex = new Map(columns.map((c, i) => [c, i]));
    this.valueColumn = valueColumn;
    this.rows = rows;
  }

  get size(): number {
    return this.rows.size;
  }

  get(key: string, column?: string): string | undefined {
    const row = this.rows.get(normalizeLookupKey(key));
    if (row === undefined) return undefined;
    const index = column === undefined ? this.valueColumn : this.columnIndex.get(column);
    if (index === undefined) return undefined;
    const v = row[index];
    return v === '' ? undefined : v;
  }
}

function unreadable(file: string, message: string, at: { line?: number; column?: number } = {}): TmtError {
  return new TmtError('LOOKUP_UNREADABLE', message, { file, ...at });
}

function readText(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'the path is a folder' : code === 'EACCES' ? 'the file is not readable' : errorMessage(e);
    throw unreadable(file, `Cannot read lookup table: ${why}.`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function detectDelimiter(text: string, file: string): string {
  if (extname(file).toLowerCase() === '.tsv') return '\t';
  const nl = text.indexOf('\n');
  const header = nl === -1 ? text : text.slice(0, nl);
  const count = (ch: string) => header.split(ch).length - 1;
  const candidates: Array<[string, number]> = [[',', count(',')], [';', count(';')], ['\t', count('\t')]];
  candidates.sort((a, b) => b[1] - a[1]);
  return candidates[0]![1] > 0 ? candidates[0]![0] : ',';
}

function loadCsv(file: string, text: string, options: LookupTableOptions): LookupTable {
  let records: string[][];
  try {
    records = parseCsv(text, {
      delimiter: detectDelimiter(text, file),
      trim: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (e) {
    const line = (e as { lines?: unknown }).lines;
    throw unreadable(file, `CSV lookup table does not parse: ${errorMessage(e)}`, typeof line === 'number' ? { line } : {});
  }
  const header = records[0];
  if (header === undefined) throw unreadable(file, 'CSV lookup table is empty; it needs a header row.', { line: 1 });
  const columns = header.map((h) => h.trim());
  const find = (name: string | undefined, fallback: number, what: string): number => {
    if (name === undefined) {
      if (fallback >= columns.length) {
        throw unreadable(file, `CSV lookup table needs at least two columns (key and value); the header has ${columns.length}.`, { line: 1 });
      }
      return fallback;
    }
    const i = columns.indexOf(name);
    if (i === -1) throw unreadable(file, `CSV lookup table has no ${what} column "${name}"; its columns are ${columns.map((c) => `"${c}"`).join(', ')}.`, { line: 1 });
    return i;
  };
  const keyColumn = find(options.key, 0, 'key');
  const valueColumn = find(options.value, 1, 'value');
  const rows = new Map<string, Array<string | undefined>>();
  for (let r = 1; r < records.length; r++) {
    const record = records[r]!;
    const raw = record[keyColumn];
    if (raw === undefined) continue;
    const key = normalizeLookupKey(raw);
    if (key === '' || rows.has(key)) continue; // first wins
    rows.set(key, record);
  }
  return new IndexedTable(file, columns, valueColumn, rows);
}

function scalarText(node: unknown): string | undefined | null {
  if (!isScalar(node)) return null; // not a scalar
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}

function loadYaml(file: string, text: string, options: LookupTableOptions): LookupTable {
  if (options.key !== undefined) {
    throw unreadable(file, 'The `key` option applies to CSV lookup tables; a YAML table is keyed by its mapping keys.');
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: true });
  const at = (node: YamlNode | null | undefined): { line?: number; column?: number } => {
    const offset = node?.range?.[0];
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const message = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    throw unreadable(file, `YAML lookup table does not parse: ${message}`, pos ? { line: pos.line, column: pos.col } : {});
  }
  const valueName = options.value ?? 'value';
  const columns: string[] = [valueName];
  const columnIndex = new Map<string, number>([[valueName, 0]]);
  const rows = new Map<string, Array<string | undefined>>();
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === undefined))) {
    return new IndexedTable(file, columns, 0, rows);
  }
  if (!isMap(contents)) {
    throw unreadable(file, 'YAML lookup table must be a mapping of key to value (or key to an object of columns).', at(contents));
  }
  let valueColumnSeen = false;
  for (const pair of contents.items) {
    const keyNode = pair.key as YamlNode | null;
    const keyText = scalarText(keyNode);
    if (keyText === null) throw unreadable(file, 'YAML lookup table keys must be plain values.', at(keyNode));
    if (keyText === undefined) continue;
    const key = normalizeLookupKey(keyText);
    const valueNode = pair.value as YamlNode | null;
    let row: Array<string | undefined>;
    if (isMap(valueNode)) {
      row = [];
      for (const cell of valueNode.items) {
        const name = scalarText(cell.key);
        if (typeof name !== 'string') throw unreadable(file, 'YAML lookup table column names must be plain values.', at(cell.key as YamlNode));
        const v = scalarText(cell.value);
        if (v === null) throw unreadable(file, `YAML lookup table column "${name}" must hold a plain value.`, at(cell.value as YamlNode));
        let index = columnIndex.get(name);
        if (index === undefined) {
          index = columns.length;
          columns.push(name);
          columnIndex.set(name, index);
        }
        if (index === 0) valueColumnSeen = true;
        row[index] = v;
      }
    } else {
      const v = valueNode === null ? undefined : scalarText(valueNode);
      if (v === null) throw unreadable(file, 'YAML lookup table values must be plain values or objects of columns.', at(valueNode));
      row = [v];
      valueColumnSeen = true;
    }
    if (key === '' || rows.has(key)) continue; // first wins
    rows.set(key, row);
  }
  if (!valueColumnSeen && rows.size > 0) {
    throw unreadable(file, `YAML lookup table has no value column "${valueName}" in any row.`);
  }
  return new IndexedTable(file, columns, 0, rows);
}

/** Read and index a lookup table (CSV, TSV, YAML or JSON by file extension). Throws TmtError LOOKUP_UNREADABLE. */
export function loadLookupTable(file: string, options: LookupTableOptions = {}): LookupTable {
  const ext = extname(file).toLowerCase();
  const isCsv = ext === '.csv' || ext === '.tsv';
  const isYaml = ext === '.yaml' || ext === '.yml' || ext === '.json';
  if (!isCsv && !isYaml) {
    throw unreadable(file, `Lookup tables are .csv, .tsv, .yaml, .yml or .json files; "${ext || file}" is none of these.`);
  }
  const text = readText(file);
  return isCsv ? loadCsv(file, text, options) : loadYaml(file, text, options);
}

/** A declared table: a path, or a path with key/value column names. */
export type LookupDeclaration = string | ({ file: string } & LookupTableOptions);

/** Load every declared table (paths as given: resolve them before calling). Throws on the first unreadable one. */
export function loadLookupTables(declarations: Readonly<Record<string, LookupDeclaration>>): Map<string, LookupTable> {
  const tables = new Map<string, LookupTable>();
  for (const name of Object.keys(declarations)) {
    const d = declarations[name]!;
    tables.set(name, typeof d === 'string' ? loadLookupTable(d) : loadLookupTable(d.file, { key: d.key, value: d.value }));
  }
  return tables;
}
