/**
 * The profile rules a JSON Schema cannot say: dates are real calendar dates, a start lies in the
 * past, an ongoing period has no end, an end is not before its start.
 *
 * Runs after the schema on the same (possibly invalid) profile, so it checks every type it reads
 * and leaves shape problems to the schema: a date string is looked at only when it has the
 * schema's yyyy-MM-dd shape, so one bad date never gives two issues.
 */
import { issue, type Issue } from '../errors.js';

/** The time zone whose calendar decides what "today" is for TMT. */
export const TMT_TIME_ZONE = 'Europe/Helsinki';

/** Sections whose items have an `interval` of {startDate, endDate, ongoing}. */
const INTERVAL_SECTIONS = ['employments', 'projects', 'businessActivities'] as const;

/** Same month and day ranges as the schema's `date` pattern; the day may still overflow the month. */
const DATE_SHAPE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

type Obj = Record<string, unknown>;

/** Returns today's date (yyyy-MM-dd) in TMT's time zone; computed at most once per profile. */
export type Today = () => string;

const formats = new Map<string, Intl.DateTimeFormat>();

export function todayIn(timeZone: string, now: () => Date): Today {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  const fmt = format;
  return () => {
    let y = '';
    let m = '';
    let d = '';
    for (const part of fmt.formatToParts(now())) {
      if (part.type === 'year') y = part.value;
      else if (part.type === 'month') m = part.value;
      else if (part.type === 'day') d = part.value;
    }
    return `${y.padStart(4, '0')}-${m}-${d}`;
  };
}

/** Appends to `out` the issues the rules find in `profile`. */
export function checkProfileRules(profile: unknown, today: Today, out: Issue[]): void {
  if (!isObj(profile)) return;
  let todayValue: string | undefined;
  const isNotPast = (date: string): boolean => date >= (todayValue ??= today());

  const general = profile['generalInfo'];
  if (isObj(general)) calendarDate(general['startDate'], '/generalInfo/startDate', out);

  for (const section of INTERVAL_SECTIONS) {
    const items = profile[section];
    if (!Array.isArray(items)) continue;
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      if (!isObj(item) || !isObj(item['interval'])) continue;
      const base = `/${section}/${i}/interval`;
      const interval = item['interval'];
      const start = calendarDate(interval['startDate'], `${base}/startDate`, out);
      const end = calendarDate(interval['endDate'], `${base}/endDate`, out);
      if (start !== undefined && isNotPast(start)) {
        out.push(issue('PROFILE_START_IN_FUTURE', `${base}/startDate must lie in the past (before today in Finland)`, { pointer: `${base}/startDate` }));
      }
      const endGiven = interval['endDate'] !== undefined && interval['endDate'] !== null;
      if (interval['ongoing'] === true && endGiven) {
        out.push(issue('PROFILE_ONGOING_WITH_END', `${base}/endDate must be null or left out when ongoing is true`, { pointer: `${base}/endDate` }));
      } else if (start !== undefined && end !== undefined && end < start) {
        out.push(issue('PROFILE_END_BEFORE_START', `${base}/endDate must not be before startDate`, { pointer: `${base}/endDate` }));
      }
    }
  }

  const educations = profile['educations'];
  if (Array.isArray(educations)) {
    for (let i = 0; i < educations.length; i++) {
      const item: unknown = educations[i];
      if (!isObj(item) || !isObj(item['interval'])) continue;
      const base = `/educations/${i}/interval`;
      const interval = item['interval'];
      // Studies may be about to start ("1" = starting or going on), so no past rule for the start.
      const start = calendarDate(interval['startDate'], `${base}/startDate`, out);
      for (const key of ['endDate', 'abortedDate'] as const) {
        const date = calendarDate(interval[key], `${base}/${key}`, out);
        if (start !== undefined && date !== undefined && date < start) {
          out.push(issue('PROFILE_END_BEFORE_START', `${base}/${key} must not be before startDate`, { pointer: `${base}/${key}` }));
        }
      }
    }
  }
}

/**
 * The date when `value` is a real calendar date in yyyy-MM-dd form; undefined otherwise. Reports
 * only dates that have the schema's shape but do not exist (2023-02-30); the schema reports the rest.
 */
function calendarDate(value: unknown, pointer: string, out: Issue[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_SHAPE.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (day > daysInMonth(year, month)) {
    out.push(issue('PROFILE_DATE_INVALID', `${pointer} is not a calendar date (the day does not exist in that month)`, { pointer }));
    return undefined;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
