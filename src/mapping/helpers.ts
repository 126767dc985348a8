/**
 * The helper functions mappings call as `$name(...)`. Built once per run and shared by every person;
 * they keep no state between calls. Reference: docs/mapping-helpers.md.
 *
 * Conventions: a helper returns `undefined` (JSONata's "nothing", so the key disappears from the
 * output) instead of an empty value; numbers are accepted where text is expected; objects where text
 * is expected give `undefined`. Only a clear mapping bug (a bad mode, length or count argument, an
 * undeclared lookup table) throws.
 */

import { TmtError } from '../errors.js';
import { isOngoing, isOngoingWord, toInterval, toIsoDate, type DateMode } from './dates.js';
import { normalizeLookupKey, type LookupTable } from './lookups.js';
import { asText, tidyText, truncateText } from './text.js';

export type Language = 'fi' | 'sv' | 'en';

export interface HelperOptions {
  /** Lookup tables by the name the pipeline declares them under. */
  lookups?: ReadonlyMap<string, LookupTable>;
  /** The pipeline language: the second language `$l10n` writes a plain string under (default `en`). */
  language?: Language;
}

/** A localized TMT text: `fi` always present, `sv` and `en` optional. */
export type L10n = { fi: string; sv?: string; en?: string };

const LANGUAGES: ReadonlySet<string> = new Set(['fi', 'sv', 'en']);

function mappingBug(message: string): TmtError {
  return new TmtError('MAPPING_RUNTIME', message);
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Define an own, enumerable data property (safe for a key named `__proto__`). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

// ---------------------------------------------------------------------------------------------
// $l10n

function languageArg(lang: unknown, fallback: Language, fn: string): Language {
  if (lang === undefined || lang === null) return fallback;
  const code = typeof lang === 'string' ? lang.trim().toLowerCase().split(/[-_]/)[0] : undefined;
  if (code !== undefined && LANGUAGES.has(code)) return code as Language;
  throw mappingBug(`${fn}: the language must be "fi", "sv" or "en".`);
}

export function l10n(value: unknown, lang: unknown, defaultLanguage: Language): L10n | undefined {
  const text = asText(value);
  if (text !== undefined) {
    const s = text.trim();
    if (s === '') return undefined;
    const language = languageArg(lang, defaultLanguage, '$l10n');
    return language === 'fi' ? { fi: s } : language === 'sv' ? { fi: s, sv: s } : { fi: s, en: s };
  }
  if (!isPlainRecord(value)) return undefined;
  const pick = (k: Language): string | undefined => {
    if (!hasOwn(value, k)) return undefined;
    const t = asText(value[k])?.trim();
    return t === '' ? undefined : t;
  };
  const sv = pick('sv');
  const en = pick('en');
  const fi = pick('fi') ?? sv ?? en;
  if (fi === undefined) return undefined;
  const out: L10n = { fi };
  if (sv !== undefined) out.sv = sv;
  if (en !== undefined) out.en = en;
  return out;
}

// ---------------------------------------------------------------------------------------------
// $clean, $take, $sortByDateDesc

/** Drop null, undefined, functions, blank strings, and arrays/objects left empty, recursively. */
export function clean(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'function') return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const v = clean(value[i]);
      if (v !== undefined) out.push(v);
    }
    return out.length === 0 ? undefined : out;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const key of Object.keys(value)) {
      const v = clean((value as Record<string, unknown>)[key]);
      if (v !== undefined) {
        setOwn(out, key, v);
        any = true;
      }
    }
    return any ? out : undefined;
  }
  return value; // booleans (false included), bigints
}

function toList(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value : [value];
}

function countArg(n: unknown, fn: string, min: number): number {
  if (typeof n === 'number' && Number.isInteger(n) && n >= min) return n;
  throw mappingBug(`${fn}: the count must be a whole number of at least ${min}.`);
}

export function take(value: unknown, n: unknown): unknown[] | undefined {
  const count = countArg(n, '$take', 0);
  const list = toList(value);
  if (list === undefined) return undefined;
  const out = list.slice(0, count);
  return out.length === 0 ? undefined : out;
}

export function sortByDateDesc(value: unknown, field: unknown): unknown[] | undefined {
  if (typeof field !== 'string') throw mappingBug('$sortByDateDesc: the field must be a field name.');
  const list = toList(value);
  if (list === undefined) return undefined;
  // "Still going on" sorts as newest; items without a usable date sort last; ties keep their order.
  const keyed = list.map((item, index) => {
    const raw = isPlainRecord(item) && hasOwn(item, field) ? item[field] : undefined;
    const rank = isOngoingWord(raw) ? '9999-99-99' : toIsoDate(raw, 'start') ?? '';
    return { item, index, rank };
  });
  keyed.sort((a, b) => (a.rank === b.rank ? a.index - b.index : a.rank < b.rank ? 1 : -1));
  return keyed.map((k) => k.item);
}

// ---------------------------------------------------------------------------------------------
// $lookup

/** JSONata's own `$lookup(object, key)`, kept for calls whose first argument is an object or array. */
function lookupInObject(target: unknown, key: unknown): unknown {
  if (typeof key !== 'string') return undefined;
  if (Array.isArray(target)) {
    const out: unknown[] = [];
    for (const item of target) {
      const v = lookupInObject(item, key);
      if (Array.isArray(v)) out.push(...v);
      else if (v !== undefined) out.push(v);
    }
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
  }
  return isPlainRecord(target) && hasOwn(target, key) ? target[key] : undefined;
}

export function lookup(tables: ReadonlyMap<string, LookupTable>, table: unknown, key: unknown, column: unknown): unknown {
  if (table === undefined || table === null) return undefined;
  if (typeof table === 'object') return lookupInObject(table, key);
  if (typeof table !== 'string') throw mappingBug('$lookup: the first argument must be the name of a lookup table.');
  const t = tables.get(table);
  if (t === undefined) {
    const declared = [...tables.keys()];
    throw new TmtError('LOOKUP_UNKNOWN', `$lookup: no lookup table named "${table}" is declared${declared.length ? ` (declared: ${declared.join(', ')})` : ''}.`);
  }
  if (column !== undefined && column !== null) {
    if (typeof column !== 'string' || !t.columns.includes(column)) {
      throw mappingBug(`$lookup: lookup table "${table}" has no column ${typeof column === 'string' ? `"${column}"` : 'of that name'}; its columns are ${t.columns.map((c) => `"${c}"`).join(', ')}.`);
    }
  }
  const col = typeof column === 'string' ? column : undefined;
  if (Array.isArray(key)) {
    const out: string[] = [];
    for (const k of key) {
      const s = asText(k);
      const v = s === undefined ? undefined : t.get(s, col);
      if (v !== undefined) out.push(v);
    }
    return out.length === 0 ? undefined : out;
  }
  const s = asText(key);
  return s === undefined ? undefined : t.get(s, col);
}

// ---------------------------------------------------------------------------------------------

function dateMode(mode: unknown): DateMode {
  if (mode === undefined || mode === null || mode === 'start') return 'start';
  if (mode === 'end') return 'end';
  throw mappingBug('$date: the mode must be "start" or "end".');
}

/**
 * The helper functions, keyed by the name mappings call them by (without `$`). Pass the result as
 * bindings to every evaluation.
 */
export function createHelperBindings(options: HelperOptions = {}): Record<string, unknown> {
  const tables = options.lookups ?? new Map<string, LookupTable>();
  const language = options.language ?? 'en';
  if (!LANGUAGES.has(language)) throw new TmtError('INTERNAL', 'createHelperBindings: language must be fi, sv or en.');
  return {
    date: (value: unknown, mode?: unknown) => toIsoDate(value, dateMode(mode)),
    ongoing: (endValue: unknown) => isOngoing(endValue),
    interval: (start: unknown, end: unknown) => toInterval(start, end),
    l10n: (value: unknown, lang?: unknown) => l10n(value, lang, language),
    lookup: (table: unknown, key: unknown, column?: unknown) => lookup(tables, table, key, column),
    trim: (value: unknown) => tidyText(value),
    truncate: (value: unknown, n: unknown) => truncateText(value, countArg(n, '$truncate', 1)),
    clean: (value: unknown) => clean(value),
    take: (value: unknown, n: unknown) => take(value, n),
    sortByDateDesc: (value: unknown, field: unknown) => sortByDateDesc(value, field),
  };
}

export { normalizeLookupKey };
