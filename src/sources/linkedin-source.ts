/**
 * A LinkedIn data-export folder, read as ONE person.
 *
 * Files read (all optional, names matched case-insensitively; other files such as Connections.csv
 * are never opened): Profile.csv, Email Addresses.csv, Positions.csv, Education.csv, Skills.csv,
 * Languages.csv, Certifications.csv, Projects.csv, and tmt-consent.json (the person's sharing
 * choices, written by the organisation's service).
 *
 * Record: `{ profile?, emails, positions, education, skills, languages, certifications, projects, consent? }`
 * - every list is present (empty when its file is missing); `profile` is the first Profile.csv row
 *   and `consent` the parsed tmt-consent.json, both left out when absent;
 * - a row is an object keyed by the header text as written (trimmed); values are the cell strings
 *   as written; empty (or whitespace-only) cells are left out, rows with no value at all are skipped;
 *   header cells that are empty are ignored; when a header repeats, the first non-empty cell wins;
 * - CRLF line ends are read as LF (also inside quoted multi-line cells); a UTF-8 BOM is dropped;
 * - some export files start with a "Notes:" preamble: the header is the first of the first
 *   `HEADER_SEARCH_LINES` lines that names known columns of that file (one for a one-column file,
 *   two otherwise); when no line does, the first line is the header;
 * - keys are plain data: a `__proto__` or `constructor` header becomes an own property.
 *
 * Problems make the whole person an error item: SOURCE_UNREADABLE (folder or file), SOURCE_CSV_INVALID
 * (unclosed quote, wrong cell count; names the file and line), SOURCE_JSON_INVALID /
 * SOURCE_RECORD_NOT_OBJECT (tmt-consent.json), SOURCE_EXPORT_EMPTY (none of the CSV files).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { issue, type Issue } from '../errors.js';
import type { FileReadContext, SourceItem } from './types.js';
import { isAbort, isJsonObject, jsonSyntaxIssue, notObjectIssue, readErrorIssue, stripBom } from './json-source.js';

export type CsvRow = Record<string, string>;

export interface LinkedInRecord {
  profile?: CsvRow;
  emails: CsvRow[];
  positions: CsvRow[];
  education: CsvRow[];
  skills: CsvRow[];
  languages: CsvRow[];
  certifications: CsvRow[];
  projects: CsvRow[];
  consent?: Record<string, unknown>;
}

type ListKey = Exclude<keyof LinkedInRecord, 'profile' | 'consent'>;

interface ExportFile {
  key: ListKey | 'profile';
  name: string;
  columns: readonly string[];
}

/** The export files that are read, in record order, with the columns used to find the header. */
export const LINKEDIN_FILES: readonly ExportFile[] = [
  {
    key: 'profile',
    name: 'Profile.csv',
    columns: ['First Name', 'Last Name', 'Maiden Name', 'Address', 'Birth Date', 'Headline', 'Summary', 'Industry', 'Zip Code', 'Geo Location', 'Twitter Handles', 'Websites', 'Instant Messengers'],
  },
  { key: 'emails', name: 'Email Addresses.csv', columns: ['Email Address', 'Confirmed', 'Primary', 'Updated On'] },
  { key: 'positions', name: 'Positions.csv', columns: ['Company Name', 'Title', 'Description', 'Location', 'Started On', 'Finished On'] },
  { key: 'education', name: 'Education.csv', columns: ['School Name', 'Start Date', 'End Date', 'Notes', 'Degree Name', 'Activities'] },
  { key: 'skills', name: 'Skills.csv', columns: ['Name'] },
  { key: 'languages', name: 'Languages.csv', columns: ['Name', 'Proficiency'] },
  { key: 'certifications', name: 'Certifications.csv', columns: ['Name', 'Url', 'Authority', 'Started On', 'Finished On', 'License Number'] },
  { key: 'projects', name: 'Projects.csv', columns: ['Title', 'Description', 'Url', 'Started On', 'Finished On'] },
];

export const LINKEDIN_CONSENT_FILE = 'tmt-consent.json';

/** How many leading lines may hold a preamble before the header. */
export const HEADER_SEARCH_LINES = 50;

/** Reads one export folder as one person. Never throws: problems become one error item. */
export async function* readLinkedInExport(ctx: FileReadContext): AsyncGenerator<SourceItem, void, undefined> {
  if (ctx.signal?.aborted) return;
  const origin = ctx.display;
  const result = await readExport(ctx);
  if (result === 'aborted' || ctx.signal?.aborted) return;
  if ('error' in result) yield { origin, error: result.error };
  else yield { origin, record: result.record };
}

async function readExport(ctx: FileReadContext): Promise<{ record: LinkedInRecord } | { error: Issue } | 'aborted'> {
  let names: string[];
  try {
    names = (await readdir(ctx.path, { withFileTypes: true })).filter((d) => !d.isDirectory()).map((d) => d.name);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'ENOTDIR') return { error: issue('SOURCE_UNREADABLE', `cannot read ${ctx.display}: it is a file, not an export folder`, { file: ctx.display }) };
    return { error: readErrorIssue(e, ctx.display) };
  }
  // Case-insensitive lookup; with names differing only in case, the first in code-unit order wins.
  const byLower = new Map<string, string>();
  for (const name of names.sort()) if (!byLower.has(name.toLowerCase())) byLower.set(name.toLowerCase(), name);

  const display = (name: string): string => (ctx.display === '.' ? name : `${ctx.display}/${name}`);
  const read = async (name: string): Promise<{ text: string } | { error: Issue } | 'aborted'> => {
    try {
      return { text: stripBom(await readFile(join(ctx.path, name), { encoding: 'utf8', signal: ctx.signal })) };
    } catch (e) {
      if (isAbort(e, ctx.signal)) return 'aborted';
      return { error: readErrorIssue(e, display(name)) };
    }
  };

  const record: LinkedInRecord = { emails: [], positions: [], education: [], skills: [], languages: [], certifications: [], projects: [] };
  let found = 0;
  for (const spec of LINKEDIN_FILES) {
    const name = byLower.get(spec.name.toLowerCase());
    if (name === undefined) continue;
    found++;
    const got = await read(name);
    if (got === 'aborted') return got;
    if ('error' in got) return got;
    const table = parseCsvTable(got.text, { file: display(name), columns: spec.columns });
    if ('error' in table) return table;
    if (spec.key === 'profile') {
      const first = table.rows[0];
      if (first !== undefined) record.profile = first;
    } else {
      record[spec.key] = table.rows;
    }
  }
  if (found === 0) {
    return {
      error: issue('SOURCE_EXPORT_EMPTY', `${ctx.display} holds none of the export files (${LINKEDIN_FILES.map((f) => f.name).join(', ')})`, { file: ctx.display }),
    };
  }

  const consentName = byLower.get(LINKEDIN_CONSENT_FILE);
  if (consentName !== undefined) {
    const got = await read(consentName);
    if (got === 'aborted') return got;
    if ('error' in got) return got;
    let value: unknown;
    try {
      value = JSON.parse(got.text);
    } catch (e) {
      return { error: jsonSyntaxIssue(got.text, e, display(consentName)) };
    }
    if (!isJsonObject(value)) return { error: notObjectIssue(value, display(consentName), '', LINKEDIN_CONSENT_FILE) };
    record.consent = value;
  }
  return { record };
}

// ---------------------------------------------------------------------------------------------
// CSV

export interface CsvTableOptions {
  /** The file as shown in issues. */
  file: string;
  /** Known header columns; when given, a preamble before the header line is skipped. */
  columns?: readonly string[];
}

/**
 * Parses a CSV text (BOM already removed) into rows keyed by the trimmed header cells.
 * Rows are plain objects whose properties are defined, never assigned, so any header text
 * (`__proto__` included) is an own data property.
 */
export function parseCsvTable(input: string, opts: CsvTableOptions): { rows: CsvRow[] } | { error: Issue } {
  const text = input.includes('\r\n') ? input.replace(/\r\n/g, '\n') : input;
  const { offset, line: headerLine } = opts.columns ? findHeader(text, opts.columns) : { offset: 0, line: 1 };
  const body = offset === 0 ? text : text.slice(offset);
  const lineShift = headerLine - 1;

  let lastLines = 0;
  let lastEmpty = 0;
  let records: string[][];
  try {
    records = parse(body, {
      skip_empty_lines: true,
      on_record: (rec: string[], context: { lines: number; empty_lines: number }) => {
        lastLines = context.lines;
        lastEmpty = context.empty_lines;
        return rec;
      },
    }) as string[][];
  } catch (e) {
    return { error: csvIssue(e, opts.file, lastLines, lastEmpty, lineShift) };
  }

  const [header, ...data] = records;
  if (header === undefined) return { rows: [] };
  const keys = header.map((h) => h.trim());
  const rows: CsvRow[] = [];
  for (const cells of data) {
    const row = buildRow(keys, cells);
    if (row !== undefined) rows.push(row);
  }
  return { rows };
}

function buildRow(keys: readonly string[], cells: readonly string[]): CsvRow | undefined {
  let row: CsvRow | undefined;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    const value = cells[j];
    if (!key || value === undefined || value.trim() === '') continue;
    row ??= {};
    if (Object.hasOwn(row, key)) continue;
    Object.defineProperty(row, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return row;
}

/** Offset and 1-based line of the header: the first early line naming enough known columns. */
function findHeader(text: string, columns: readonly string[]): { offset: number; line: number } {
  const known = new Set(columns.map((c) => c.toLowerCase()));
  const need = Math.min(2, known.size);
  let start = 0;
  for (let line = 1; line <= HEADER_SEARCH_LINES && start < text.length; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    let hits = 0;
    for (const cell of text.slice(start, end).split(',')) {
      const name = cell.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase();
      if (known.has(name)) hits++;
    }
    if (hits >= need) return { offset: start, line };
    if (nl === -1) break;
    start = nl + 1;
  }
  return { offset: 0, line: 1 };
}

/** SOURCE_CSV_INVALID from a csv-parse error: names the line, never a cell value (csv-parse messages can quote them). */
function csvIssue(e: unknown, file: string, lastLines: number, lastEmpty: number, lineShift: number): Issue {
  const err = e as { code?: unknown; lines?: unknown; empty_lines?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : 'UNKNOWN';
  const emptyBefore = typeof err.empty_lines === 'number' ? Math.max(0, err.empty_lines - lastEmpty) : 0;
  // The row that failed starts right after the last good one (and any blank lines between).
  const rowStart = lastLines + emptyBefore + 1 + lineShift;
  const errLine = typeof err.lines === 'number' ? err.lines + lineShift : rowStart;
  let line = rowStart;
  let what: string;
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      what = `a quoted cell in the row starting at line ${rowStart} is never closed`;
      break;
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const m = /expect (\d+), got (\d+)/.exec(typeof err.message === 'string' ? err.message : '');
      what = m ? `the row at line ${rowStart} has ${m[2]} cells but the header has ${m[1]}` : `the row at line ${rowStart} has a different number of cells than the header`;
      break;
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
      line = errLine;
      what = `a closing quote is followed by other text at line ${line} (write "" for a quote inside a quoted cell)`;
      break;
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      line = errLine;
      what = `a quote appears inside an unquoted cell at line ${line}`;
      break;
    default:
      line = errLine;
      what = `the CSV cannot be parsed at line ${line} (${code})`;
  }
  return issue('SOURCE_CSV_INVALID', what, { file, line });
}
