/**
 * JSON files: a file holding one object is one person; a file holding an array is one person per
 * element. Also home to the JSON error helpers the other readers share: error messages name
 * positions only, never the text (V8's own messages can quote the input, so they are not passed on).
 */
import { readFile } from 'node:fs/promises';
import { issue, type Issue } from '../errors.js';
import type { FileReadContext, SourceItem } from './types.js';

/** Reads one JSON file. Never throws: problems become error items. */
export async function* readJsonFile(ctx: FileReadContext): AsyncGenerator<SourceItem, void, undefined> {
  if (ctx.signal?.aborted) return;
  let text: string;
  try {
    text = await readFile(ctx.path, { encoding: 'utf8', signal: ctx.signal });
  } catch (e) {
    if (isAbort(e, ctx.signal)) return;
    yield { origin: ctx.display, error: readErrorIssue(e, ctx.display) };
    return;
  }
  text = stripBom(text);

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    yield { origin: ctx.display, error: jsonSyntaxIssue(text, e, ctx.display) };
    return;
  }

  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (ctx.signal?.aborted) return;
      const origin = `${ctx.display}#${i}`;
      const element: unknown = value[i];
      if (isJsonObject(element)) yield { origin, record: element };
      else yield { origin, error: notObjectIssue(element, ctx.display, `/${i}`, `element ${i} of the array`) };
    }
    return;
  }
  if (isJsonObject(value)) yield { origin: ctx.display, record: value };
  else yield { origin: ctx.display, error: notObjectIssue(value, ctx.display, '', 'the file') };
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** A plain JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** True when `e` comes from the reader being aborted through `signal`. */
export function isAbort(e: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  return e instanceof Error && e.name === 'AbortError';
}

/** SOURCE_RECORD_NOT_OBJECT for a JSON value; names its JSON type, never its content. */
export function notObjectIssue(value: unknown, file: string, pointer: string, what: string, extra: Partial<Issue> = {}): Issue {
  return issue('SOURCE_RECORD_NOT_OBJECT', `${what} is ${jsonTypeName(value)}, not an object`, { file, pointer, ...extra });
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    default: return typeof v;
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links',
};

/** SOURCE_UNREADABLE from a file system error; the message names the system error code only. */
export function readErrorIssue(e: unknown, file: string, extra: Partial<Issue> = {}): Issue {
  const code = typeof (e as { code?: unknown } | null)?.code === 'string' ? (e as { code: string }).code : undefined;
  const why = code === undefined ? 'unknown error' : (READ_ERRORS[code] ?? code);
  return issue('SOURCE_UNREADABLE', `cannot read ${file}: ${why}`, { file, ...extra });
}

/** 1-based line and column of a UTF-16 offset in `text` (lines end at `\n`; a `\r` before it belongs to the line). */
export function lineColumnAt(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(pos, 0), text.length);
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < end; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: end - lineStart + 1 };
}

export interface JsonErrorPlace {
  /** UTF-16 offset into the text. */
  pos: number;
  /** What is wrong there, in words that never quote the text. */
  reason: string;
}

/**
 * Where (and why) a JSON text is invalid. First the position in V8's message ("at position N",
 * newer engines also "(line L column C)"); the message text itself is discarded. When V8 gives no
 * position (e.g. "Unexpected token 'x', "…" is not valid JSON"), the text is scanned.
 */
export function placeJsonError(text: string, error: unknown): JsonErrorPlace | undefined {
  const scanned = locateJsonError(text);
  const message = error instanceof Error ? error.message : '';
  const m = /at position (\d+)/.exec(message);
  if (m?.[1] !== undefined) {
    const pos = Number(m[1]);
    return { pos, reason: scanned && scanned.pos === pos ? scanned.reason : 'not valid JSON here' };
  }
  return scanned;
}

/**
 * SOURCE_JSON_INVALID with line and column. `firstLine` is the file line the text starts on (an
 * NDJSON line is parsed on its own); when given, the issue names that line even if no position is known.
 */
export function jsonSyntaxIssue(text: string, error: unknown, file: string, firstLine?: number): Issue {
  const place = placeJsonError(text, error);
  if (!place) return issue('SOURCE_JSON_INVALID', 'invalid JSON', { file, ...(firstLine !== undefined ? { line: firstLine } : {}) });
  const { line, column } = lineColumnAt(text, place.pos);
  const at = (firstLine ?? 1) + line - 1;
  return issue('SOURCE_JSON_INVALID', `invalid JSON: ${place.reason} at line ${at}, column ${column}`, { file, line: at, column });
}

/**
 * Finds the first syntax error of a JSON text (RFC 8259), iteratively (no recursion limit).
 * Returns undefined for valid JSON. Only used after JSON.parse failed, so speed is secondary.
 */
export function locateJsonError(s: string): JsonErrorPlace | undefined {
  const n = s.length;
  let i = 0;
  const stack: number[] = []; // 0x5b '[' or 0x7b '{'
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const HEX4 = /[0-9a-fA-F]{4}/y;

  const skipWs = (): void => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const unexpected = (): JsonErrorPlace =>
    i >= n ? { pos: n, reason: 'unexpected end of input' } : { pos: i, reason: 'unexpected character' };
  const scanString = (): JsonErrorPlace | undefined => {
    i++; // opening quote
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return { pos: i, reason: 'control character in a string' };
      if (c === 0x5c) {
        const e = s.charCodeAt(i + 1);
        if (Number.isNaN(e)) break;
        if (e === 0x75 /* u */) {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(s)) return { pos: i + 1, reason: 'bad escape in a string' };
          i += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
        } else {
          return { pos: i + 1, reason: 'bad escape in a string' };
        }
        continue;
      }
      i++;
    }
    return { pos: n, reason: 'unterminated string' };
  };
  /** A member key and its colon; leaves `i` before the value. */
  const scanKey = (): JsonErrorPlace | undefined => {
    skipWs();
    if (s.charCodeAt(i) !== 0x22) return i >= n ? unexpected() : { pos: i, reason: 'expected a property name' };
    const err = scanString();
    if (err) return err;
    skipWs();
    if (s.charCodeAt(i) !== 0x3a) return i >= n ? unexpected() : { pos: i, reason: "expected ':'" };
    i++;
    return undefined;
  };

  for (;;) {
    // Expect a value.
    skipWs();
    if (i >= n) return unexpected();
    const c = s.charCodeAt(i);
    if (c === 0x7b /* { */) {
      i++;
      skipWs();
      if (s.charCodeAt(i) === 0x7d) i++;
      else {
        stack.push(0x7b);
        const err = scanKey();
        if (err) return err;
        continue;
      }
    } else if (c === 0x5b /* [ */) {
      i++;
      skipWs();
      if (s.charCodeAt(i) === 0x5d) i++;
      else {
        stack.push(0x5b);
        continue;
      }
    } else if (c === 0x22) {
      const err = scanString();
      if (err) return err;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(s)) return i + 1 >= n ? { pos: n, reason: 'unexpected end of input' } : { pos: i + 1, reason: 'bad number' };
      i = NUMBER.lastIndex;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e /* t f n */) {
      const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
      for (let k = 0; k < word.length; k++, i++) if (s.charCodeAt(i) !== word.charCodeAt(k)) return unexpected();
    } else {
      return unexpected();
    }

    // After a value: close containers or move to the next element.
    for (;;) {
      skipWs();
      const top = stack[stack.length - 1];
      if (top === undefined) return i < n ? { pos: i, reason: 'unexpected text after the JSON value' } : undefined;
      if (i >= n) return unexpected();
      const d = s.charCodeAt(i);
      if (d === 0x2c /* , */) {
        i++;
        if (top === 0x7b) {
          const err = scanKey();
          if (err) return err;
        }
        break;
      }
      if ((top === 0x7b && d === 0x7d) || (top === 0x5b && d === 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      return { pos: i, reason: top === 0x7b ? "expected ',' or '}'" : "expected ',' or ']'" };
    }
  }
}
