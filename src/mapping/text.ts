/** Text helpers behind `$trim` and `$truncate`. */

/** A string for a string or a finite number; undefined for anything else. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Trim, collapse runs of spaces and tabs into one space, drop spaces around line breaks, keep single
 * and double line breaks (three or more become two). Undefined when nothing is left.
 */
export function tidyText(value: unknown): string | undefined {
  const s = asText(value);
  if (s === undefined) return undefined;
  const out = s
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return out === '' ? undefined : out;
}

export const ELLIPSIS = '\u2026';

/**
 * At most `max` characters counted in Unicode code points (a surrogate pair is never split). When the
 * text is cut it ends with `…` (which counts); the cut moves back to the last whitespace when that lies
 * within the last 20% of `max`.
 */
export function truncateText(value: unknown, max: number): string | undefined {
  const s = asText(value);
  if (s === undefined || s === '') return undefined;
  // Fast path: UTF-16 length is never smaller than the code point count.
  if (s.length <= max) return s;
  const points = Array.from(s);
  if (points.length <= max) return s;
  const keep = max - 1;
  let cut = keep;
  const floor = Math.ceil(max * 0.8);
  for (let i = keep; i >= floor && i > 0; i--) {
    // A cut at i keeps points[0..i-1]; cutting there is clean when points[i] is whitespace.
    if (/\s/u.test(points[i]!)) {
      cut = i;
      break;
    }
  }
  let head = points.slice(0, cut).join('');
  head = head.replace(/\s+$/u, '');
  return head + ELLIPSIS;
}
