/**
 * The JSONata implementation of the expression engine: compile once, evaluate per person with a time
 * and a depth limit, and turn every JSONata error into a coded TmtError that carries a location and
 * no personal data.
 *
 * How the limits are enforced, and what they cost (measured on a 60-line CV mapping, see the report in
 * docs/mapping-helpers.md#limits):
 * - Depth: JSONata's own `stack` guardrail. JSONata counts its evaluation depth on the environment it
 *   creates for each `evaluate` call (one level per nested expression node; a recursive call costs
 *   about three levels, so `maxDepth: 300` allows recursion roughly 100 deep). An integer compare per
 *   node: about +1%.
 * - Time: a `__createFrame_push` callback, which JSONata calls synchronously whenever it creates a
 *   variable frame (every block, function call and variable binding, so every loop, which in JSONata
 *   is always recursion or a higher-order function). It compares the clock with the start time that
 *   JSONata stores on the per-call environment (`timestamp`). Under +1%.
 *   JSONata's `timeout` guardrail reads the clock on every node instead (+8%), and
 *   `__evaluate_entry` / `__evaluate_exit` callbacks are awaited twice per node (+35%).
 * With the conversion of the result to plain data, the engine adds about 2-3% to an evaluation.
 * All state lives on the per-call environment, so concurrent evaluations of one compiled expression
 * never share a depth count or a deadline; the callback itself only closes over the limit.
 */

import jsonata from 'jsonata';
import { TmtError, isTmtError } from '../errors.js';
import { DEFAULT_LIMITS, type CompileOptions, type CompiledExpression, type EvaluationLimits, type ExpressionEngine } from './engine.js';

/** What JSONata throws: a plain object (or Error) with a code, a character position and inserts. */
interface EngineError {
  code?: unknown;
  position?: unknown;
  token?: unknown;
  message?: unknown;
  name?: unknown;
  value?: unknown;
  value2?: unknown;
  exp?: unknown;
  functionName?: unknown;
  index?: unknown;
  type?: unknown;
}

export interface SourceLocation {
  line: number;
  column: number;
}

/**
 * 1-based line and column of a JSONata error position inside `source`, shifted by `origin`.
 *
 * JSONata reports the offset just after the offending token; this points at the token's first
 * character when the token can be found there (function names, operators, quoted names), and after
 * the last non-blank character for "unexpected end of expression".
 *
 * With an `origin` (the expression's first character inside a YAML file), line 1 is shifted by the
 * origin's line and every line by the origin's column minus one, which is right for single-line
 * values and for block scalars (`|`, `>`), whose lines all share the indentation.
 */
export function locate(source: string, position: unknown, token?: unknown, origin?: SourceLocation): SourceLocation | undefined {
  if (typeof position !== 'number' || !Number.isFinite(position)) return undefined;
  const end = Math.max(0, Math.min(Math.trunc(position), source.length));
  let start: number;
  if (token === '(end)') {
    start = source.trimEnd().length;
  } else if ((typeof token === 'string' && token !== '') || typeof token === 'number') {
    start = tokenStart(source, end, String(token));
  } else {
    start = Math.max(0, end - 1);
  }
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < start; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = start - lineStart + 1;
  if (!origin) return { line, column };
  return { line: origin.line + line - 1, column: column + origin.column - 1 };
}

function tokenStart(source: string, end: number, token: string): number {
  const direct = end - token.length;
  if (direct >= 0 && source.slice(direct, end) === token) return direct > 0 && source[direct - 1] === '$' ? direct - 1 : direct;
  // A quoted name or string: "name", 'name', `name`.
  const q = end - token.length - 2;
  if (q >= 0) {
    const quote = source[q];
    if ((quote === '"' || quote === "'" || quote === '`') && source[end - 1] === quote && source.slice(q + 1, end - 1) === token) return q;
  }
  // A function call: JSONata points at or just past the `(`; find `$name` (or `name`) before it.
  for (const e of [end, end + 1]) {
    if (source[e - 1] !== '(') continue;
    let j = e - 2;
    while (j >= 0 && /\s/.test(source[j]!)) j--;
    const s = j + 1 - token.length;
    if (s >= 0 && source.slice(s, j + 1) === token) return s > 0 && source[s - 1] === '$' ? s - 1 : s;
  }
  return Math.max(0, end - 1);
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * Runtime messages for the JSONata codes whose standard message quotes a value from the data; the
 * value is left out. `{{token}}` (a function or operator name from the expression) is kept.
 */
const VALUE_FREE_MESSAGES: Readonly<Record<string, string>> = {
  D1001: 'Number out of range',
  D1002: 'Cannot negate a non-numeric value',
  T1003: 'Key in object structure must evaluate to a string',
  D1009: 'Multiple key definitions evaluate to the same key',
  D1013: 'Object property names starting with _jsonata_ are reserved for internal use',
  T2007: 'Type mismatch when comparing values in an order-by clause',
  T2009: 'The values either side of operator {{token}} must be of the same data type',
  T2011: 'The insert/update clause of the transform expression must evaluate to an object',
  T2012: 'The delete clause of the transform expression must evaluate to a string or array of strings',
  D2014: 'The size of the sequence allocated by the range operator (..) must not exceed 1e7',
  D2015: 'The maximum sequence length was exceeded',
  D3030: 'Unable to cast value to a number',
  D3060: 'The sqrt function cannot be applied to a negative number',
  D3061: 'The power function has resulted in a value that cannot be represented as a JSON number',
  D3100: 'The radix of the formatBase function must be between 2 and 36',
  D3110: 'The argument of the toMillis function must be an ISO 8601 formatted timestamp',
  D3120: 'Syntax error in expression passed to function eval',
  D3121: 'Dynamic error evaluating the expression passed to function eval',
  D3130: 'Formatting or parsing an integer as a sequence starting with this value is not supported',
  D3132: 'Unknown component specifier in date/time picture string',
  D3133: "The 'name' modifier can only be applied to months and days in the date/time picture string",
  D3140: 'Malformed URL passed to ${{{functionName}}}()',
};

/** Codes whose message is the text the mapping passed to `$error` / `$assert`. */
const AUTHORED_MESSAGE_CODES: ReadonlySet<string> = new Set(['D3137', 'D3141']);

function render(template: string, err: EngineError): string {
  return template
    .replace('{{{functionName}}}', typeof err.functionName === 'string' ? err.functionName : 'function')
    .replace('{{token}}', typeof err.token === 'string' ? JSON.stringify(err.token) : 'the operator');
}

function maskValues(message: string, err: EngineError): string {
  let out = message;
  for (const v of [err.value, err.value2, err.exp]) {
    if (v === undefined) continue;
    const s = JSON.stringify(v);
    if (s !== undefined && s.length > 0) out = out.split(s).join('…');
  }
  return out;
}

function engineCode(err: EngineError): string | undefined {
  return typeof err.code === 'string' && /^[A-Z]\d{4}$/.test(err.code) ? err.code : undefined;
}

/** A message for a runtime error that names the JSONata code but quotes no value from the data. */
function runtimeMessage(err: EngineError, code: string | undefined, authoredMessagesAreLiteral: boolean): string {
  if (code === undefined) {
    const kind = typeof err.name === 'string' && err.name !== '' ? err.name : 'error';
    return `The mapping failed with a ${kind} that has no JSONata code (from a function it called); its message is withheld because it may quote data.`;
  }
  const raw = typeof err.message === 'string' ? err.message : '';
  let text: string;
  if (AUTHORED_MESSAGE_CODES.has(code)) {
    const fn = code === 'D3137' ? '$error' : '$assert';
    text = authoredMessagesAreLiteral
      ? raw
      : `the mapping called ${fn}() (its message is withheld because it is not a literal string and may quote data)`;
  } else {
    const template = VALUE_FREE_MESSAGES[code];
    text = template !== undefined ? render(template, err) : maskValues(raw, err);
  }
  return `JSONata ${code}: ${text}`;
}

/**
 * True when every `$error(...)` / `$assert(...)` call in the expression passes its message as a
 * string literal, so the message written in the mapping can be shown as is.
 */
function authoredMessagesAreLiteral(ast: unknown): boolean {
  const seen = new Set<object>();
  let literal = true;
  const walk = (node: unknown, applied: boolean): void => {
    if (!literal || typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const n of node) walk(n, false);
      return;
    }
    const n = node as Record<string, unknown>;
    const proc = n['procedure'] as Record<string, unknown> | undefined;
    if (n['type'] === 'function' && proc?.['type'] === 'variable' && (proc['value'] === 'error' || proc['value'] === 'assert')) {
      const args = Array.isArray(n['arguments']) ? (n['arguments'] as Array<Record<string, unknown>>) : [];
      const message = args[proc['value'] === 'error' ? 0 : 1];
      if (applied || (message !== undefined && message['type'] !== 'string')) literal = false;
      walk(args, false);
      return;
    }
    if (n['type'] === 'variable' && (n['value'] === 'error' || n['value'] === 'assert')) {
      literal = false; // passed around as a function value
      return;
    }
    for (const key of Object.keys(n)) walk(n[key], n['type'] === 'apply' && key === 'rhs');
  };
  walk(ast, false);
  return literal;
}

// ---------------------------------------------------------------------------------------------
// Output

function isEngineFunction(v: object): boolean {
  const o = v as Record<string, unknown>;
  return o['_jsonata_lambda'] === true || o['_jsonata_function'] === true;
}

/**
 * Plain JSON data from a JSONata result: plain arrays (without JSONata's sequence markers) and
 * plain objects; functions and undefined values are left out. Keys such as `__proto__` stay data.
 */
function toPlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = toPlain(v[i]);
      if (x !== undefined) out.push(x);
    }
    return out;
  }
  if (isEngineFunction(v)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const x = toPlain((v as Record<string, unknown>)[key]);
    if (x === undefined) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value: x, enumerable: true, writable: true, configurable: true });
    else out[key] = x;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Engine

function resolveLimits(...parts: Array<Partial<EvaluationLimits> | undefined>): EvaluationLimits {
  const limits: EvaluationLimits = { ...DEFAULT_LIMITS };
  for (const p of parts) {
    if (p?.timeoutMs !== undefined) limits.timeoutMs = p.timeoutMs;
    if (p?.maxDepth !== undefined) limits.maxDepth = p.maxDepth;
  }
  if (!(Number.isFinite(limits.timeoutMs) && limits.timeoutMs > 0)) throw new TmtError('INTERNAL', 'The mapping time limit must be a positive number of milliseconds.');
  if (!(Number.isInteger(limits.maxDepth) && limits.maxDepth > 0)) throw new TmtError('INTERNAL', 'The mapping depth limit must be a positive whole number.');
  return limits;
}

interface Context {
  source: string;
  file: string | undefined;
  origin: SourceLocation | undefined;
  limits: EvaluationLimits;
  literalMessages: boolean;
}

function where(ctx: Context, position: unknown, token?: unknown): { file?: string; line?: number; column?: number } {
  const loc = locate(ctx.source, position, token, ctx.origin);
  return { ...(ctx.file !== undefined ? { file: ctx.file } : {}), ...(loc ?? {}) };
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function toRuntimeError(e: unknown, ctx: Context): TmtError {
  const err = (typeof e === 'object' && e !== null ? e : {}) as EngineError;
  if (isTmtError(e)) {
    // Raised by a helper (LOOKUP_UNKNOWN, a bad helper argument): keep its code, add where it was called.
    const { code: _code, message: _message, ...rest } = e.issues[0] ?? { code: e.code, message: e.message };
    return new TmtError(e.code, e.message, { ...rest, ...where(ctx, err.position, err.token) });
  }
  const code = engineCode(err);
  if (code === 'D1012') {
    return new TmtError('MAPPING_TIMEOUT', `The mapping ran longer than its time limit of ${ctx.limits.timeoutMs} ms (JSONata D1012).`, where(ctx, err.position, err.token));
  }
  if (code === 'D1011' || isStackOverflow(e)) {
    return new TmtError('MAPPING_DEPTH', `The mapping went deeper than its depth limit of ${ctx.limits.maxDepth}${code ? ` (JSONata ${code})` : ''}.`, where(ctx, err.position, err.token));
  }
  return new TmtError('MAPPING_RUNTIME', runtimeMessage(err, code, ctx.literalMessages), where(ctx, err.position, err.token));
}

function toSyntaxError(e: unknown, source: string, options: CompileOptions): TmtError {
  const err = (typeof e === 'object' && e !== null ? e : {}) as EngineError;
  const code = engineCode(err);
  const loc = locate(source, err.position, err.token, options.origin);
  const at = { ...(options.file !== undefined ? { file: options.file } : {}), ...(loc ?? {}) };
  if (code === undefined) {
    const why = isStackOverflow(e) ? 'the expression is nested too deeply' : 'the expression cannot be parsed';
    return new TmtError('MAPPING_SYNTAX', `JSONata: ${why}.`, at);
  }
  const text = typeof err.message === 'string' && err.message !== '' ? err.message : 'Syntax error';
  return new TmtError('MAPPING_SYNTAX', `JSONata ${code}: ${text}`, at);
}

/** The symbol under which JSONata looks up its frame-creation callback. */
const FRAME_PUSH = Symbol.for('jsonata.__createFrame_push');

/** The part of JSONata's environment the deadline check reads. */
interface EngineFrame {
  base?: { timestamp?: Date };
}

/**
 * Check the deadline whenever JSONata creates a frame. `base` is the environment of the current
 * `evaluate` call and `timestamp` the time that call started; frames of the compiled expression's
 * own environment have no `base` and are skipped.
 */
function installDeadline(expression: jsonata.Expression, timeoutMs: number): void {
  const check = (parent: EngineFrame): void => {
    const started = parent.base?.timestamp;
    if (started !== undefined && Date.now() - started.getTime() > timeoutMs) {
      throw { code: 'D1012', value: timeoutMs };
    }
  };
  // `assign` is typed for string names; JSONata's environment accepts symbols.
  (expression.assign as (name: string | symbol, value: unknown) => void)(FRAME_PUSH, check);
}

class JsonataExpression implements CompiledExpression {
  constructor(
    private readonly expression: jsonata.Expression,
    private readonly ctx: Context,
  ) {}

  async evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown> {
    let result: unknown;
    try {
      result = await this.expression.evaluate(input, bindings);
    } catch (e) {
      throw toRuntimeError(e, this.ctx);
    }
    try {
      return toPlain(result);
    } catch (e) {
      throw toRuntimeError(e, this.ctx);
    }
  }
}

/** A JSONata engine; `defaults` override DEFAULT_LIMITS for every expression it compiles. */
export function createJsonataEngine(defaults: Partial<EvaluationLimits> = {}): ExpressionEngine {
  resolveLimits(defaults);
  return {
    compile(source: string, options: CompileOptions = {}): CompiledExpression {
      if (typeof source !== 'string') throw new TmtError('INTERNAL', 'compile: the expression must be a string.');
      const limits = resolveLimits(defaults, options.limits);
      let expression: jsonata.Expression;
      try {
        expression = jsonata(source, { stack: limits.maxDepth });
      } catch (e) {
        throw toSyntaxError(e, source, options);
      }
      installDeadline(expression, limits.timeoutMs);
      return new JsonataExpression(expression, {
        source,
        file: options.file,
        origin: options.origin,
        limits,
        literalMessages: authoredMessagesAreLiteral(expression.ast()),
      });
    },
  };
}

/** The engine with DEFAULT_LIMITS. */
export const jsonataEngine: ExpressionEngine = createJsonataEngine();
