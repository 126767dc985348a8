/** A readable structural diff of two JSON values, as (pointer, expected, actual) rows. */
import { toPointer } from '../errors.js';

export interface DiffRow {
  pointer: string;
  /** Absent when the actual value has something the expected one lacks. */
  expected?: unknown;
  /** Absent when the actual value lacks something expected. */
  actual?: unknown;
  kind: 'changed' | 'missing' | 'extra';
}

export function jsonDiff(expected: unknown, actual: unknown, max = 100): DiffRow[] {
  const rows: DiffRow[] = [];
  const walk = (e: unknown, a: unknown, path: Array<string | number>) => {
    if (rows.length >= max) return;
    if (isObj(e) && isObj(a)) {
      for (const k of Object.keys(e)) {
        if (!Object.prototype.hasOwnProperty.call(a, k)) rows.push({ pointer: toPointer([...path, k]), expected: e[k], kind: 'missing' });
        else walk(e[k], a[k], [...path, k]);
      }
      for (const k of Object.keys(a)) {
        if (!Object.prototype.hasOwnProperty.call(e, k)) rows.push({ pointer: toPointer([...path, k]), actual: a[k], kind: 'extra' });
      }
      return;
    }
    if (Array.isArray(e) && Array.isArray(a)) {
      const n = Math.max(e.length, a.length);
      for (let i = 0; i < n; i++) {
        if (i >= a.length) rows.push({ pointer: toPointer([...path, i]), expected: e[i], kind: 'missing' });
        else if (i >= e.length) rows.push({ pointer: toPointer([...path, i]), actual: a[i], kind: 'extra' });
        else walk(e[i], a[i], [...path, i]);
      }
      return;
    }
    if (!Object.is(e, a)) rows.push({ pointer: toPointer(path), expected: e, actual: a, kind: 'changed' });
  };
  walk(expected, actual, []);
  return rows;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
