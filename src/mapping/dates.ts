/**
 * Date helpers behind `$date`, `$ongoing`, `$interval` and `$sortByDateDesc`: turn the many ways CVs
 * write dates into TMT's `yyyy-MM-dd`, with the partial-date rule (a start becomes the first day of
 * its period, an end the last day).
 */

export type DateMode = 'start' | 'end';

/** Words that mean "still going on" (compared lower-cased, trimmed, without a trailing dot). */
export const ONGOING_WORDS: ReadonlySet<string> = new Set([
  // English
  'present', 'current', 'currently', 'now', 'ongoing', 'today',
  // Finnish
  'nykyään', 'nyt', 'jatkuu', 'nykyinen', 'toistaiseksi',
  // Swedish
  'pågående', 'pågår', 'nu', 'tills vidare',
]);

const MONTHS: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  const english = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
  const finnish = ['tammikuu', 'helmikuu', 'maaliskuu', 'huhtikuu', 'toukokuu', 'kesäkuu', 'heinäkuu', 'elokuu', 'syyskuu', 'lokakuu', 'marraskuu', 'joulukuu'];
  const swedish = ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti', 'september', 'oktober', 'november', 'december'];
  english.forEach((name, i) => {
    m.set(name, i + 1);
    m.set(name.slice(0, 3), i + 1);
  });
  m.set('sept', 9);
  finnish.forEach((name, i) => {
    m.set(name, i + 1); // tammikuu
    m.set(name + 'ssa', i + 1); // tammikuussa ("in January")
    m.set(name + 'ta', i + 1); // tammikuuta (as in "15. tammikuuta 2020")
  });
  swedish.forEach((name, i) => m.set(name, i + 1));
  return m;
})();

const RE_YEAR = /^(\d{4})$/;
const RE_YEAR_MONTH = /^(\d{4})[-/](\d{1,2})$/;
const RE_YMD = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/;
const RE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[t ]\d{2}:\d{2}/;
const RE_MONTH_SLASH_YEAR = /^(\d{1,2})\/(\d{4})$/;
const RE_MONTH_DOT_YEAR = /^(\d{1,2})\.(\d{4})$/;
const RE_DMY_DOTS = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const RE_NAME_YEAR = /^(\p{L}+)\.?,?\s+(\d{4})$/u;
const RE_DAY_NAME_YEAR = /^(\d{1,2})\.?\s+(\p{L}+)\.?,?\s+(\d{4})$/u;
const RE_NAME_DAY_YEAR = /^(\p{L}+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/u;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A parsed date with its precision: day may be missing (month precision), month too (year precision). */
interface PartialDate {
  year: number;
  month?: number;
  day?: number;
}

function normalizeWords(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
}

/** True for the words that mean "still going on" (`present`, `nykyään`, `pågående`, ...). */
export function isOngoingWord(value: unknown): boolean {
  return typeof value === 'string' && ONGOING_WORDS.has(normalizeWords(value));
}

function parsePartial(value: unknown): PartialDate | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 1000 && value <= 9999 ? { year: value } : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const s = value.trim().toLowerCase().replace(/\s+/g, ' ');
  if (s === '') return undefined;
  let m: RegExpExecArray | null;
  if ((m = RE_YMD.exec(s)) || (m = RE_TIMESTAMP.exec(s))) return { year: +m[1]!, month: +m[2]!, day: +m[3]! };
  if ((m = RE_YEAR.exec(s))) return { year: +m[1]! };
  if ((m = RE_YEAR_MONTH.exec(s))) return { year: +m[1]!, month: +m[2]! };
  if ((m = RE_MONTH_SLASH_YEAR.exec(s)) || (m = RE_MONTH_DOT_YEAR.exec(s))) return { year: +m[2]!, month: +m[1]! };
  if ((m = RE_DMY_DOTS.exec(s))) return { year: +m[3]!, month: +m[2]!, day: +m[1]! };
  if ((m = RE_NAME_YEAR.exec(s))) {
    const month = MONTHS.get(m[1]!);
    return month === undefined ? undefined : { year: +m[2]!, month };
  }
  if ((m = RE_DAY_NAME_YEAR.exec(s))) {
    const month = MONTHS.get(m[2]!);
    return month === undefined ? undefined : { year: +m[3]!, month, day: +m[1]! };
  }
  if ((m = RE_NAME_DAY_YEAR.exec(s))) {
    const month = MONTHS.get(m[1]!);
    return month === undefined ? undefined : { year: +m[3]!, month, day: +m[2]! };
  }
  return undefined;
}

/**
 * `yyyy-MM-dd` for a CV date, or undefined (missing, "still going on", unparseable, or not a real
 * calendar date). A partial date becomes the first day of its period for `start`, the last for `end`.
 */
export function toIsoDate(value: unknown, mode: DateMode = 'start'): string | undefined {
  const d = parsePartial(value);
  if (d === undefined || d.year < 1000) return undefined;
  const month = d.month ?? (mode === 'start' ? 1 : 12);
  if (month < 1 || month > 12) return undefined;
  const last = daysInMonth(d.year, month);
  const day = d.day ?? (mode === 'start' ? 1 : last);
  if (day < 1 || day > last) return undefined;
  return `${pad(d.year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** True when an end value is missing, empty or a "still going on" word. */
export function isOngoing(endValue: unknown): boolean {
  if (endValue === undefined || endValue === null) return true;
  if (typeof endValue === 'string') return endValue.trim() === '' || isOngoingWord(endValue);
  if (Array.isArray(endValue)) return endValue.length === 0;
  return false;
}

export interface Interval {
  startDate: string;
  endDate?: string;
  ongoing: boolean;
}

/** A TMT interval, or undefined when the start is missing or unparseable. */
export function toInterval(start: unknown, end: unknown): Interval | undefined {
  const startDate = toIsoDate(start, 'start');
  if (startDate === undefined) return undefined;
  if (isOngoing(end)) return { startDate, ongoing: true };
  const endDate = toIsoDate(end, 'end');
  return endDate === undefined ? { startDate, ongoing: false } : { startDate, endDate, ongoing: false };
}
