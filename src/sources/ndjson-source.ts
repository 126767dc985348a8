/**
 * NDJSON / JSON Lines: one person per non-blank line, streamed with memory bounded by the read
 * chunk and the longest line (the file is never read whole). A bad line becomes an error item
 * naming its line number and reading goes on with the next line.
 *
 * Built as a hand-written iterator rather than an async generator: each read chunk is split and
 * parsed at once, and items already parsed are handed out without another trip through the
 * event loop (`takeBuffered`), so the cost per line stays close to JSON.parse alone.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import type { FileReadContext, SourceItem } from './types.js';
import { isAbort, isJsonObject, jsonSyntaxIssue, notObjectIssue, readErrorIssue } from './json-source.js';

/** Read size; large chunks keep the per-chunk cost low next to JSON.parse. */
const CHUNK_BYTES = 256 * 1024;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** An item iterator that may hold items ready to be taken synchronously. */
export interface BufferedItemIterator extends AsyncIterableIterator<SourceItem> {
  /** An item that is already parsed, or undefined when the next one needs a read (or the end is reached). */
  takeBuffered(): SourceItem | undefined;
}

/** Reads one NDJSON file line by line. Never throws: problems become error items. */
export function readNdjsonFile(ctx: FileReadContext): BufferedItemIterator {
  return new NdjsonReader(ctx);
}

class NdjsonReader implements BufferedItemIterator {
  readonly #ctx: FileReadContext;
  #stream: ReadStream | undefined;
  #chunks: AsyncIterator<string> | undefined;
  #queue: SourceItem[] = [];
  #next = 0;
  #rest = '';
  #lineNo = 0;
  #first = true;
  #ended = false;

  constructor(ctx: FileReadContext) {
    this.#ctx = ctx;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  takeBuffered(): SourceItem | undefined {
    if (this.#next < this.#queue.length && !this.#ctx.signal?.aborted) return this.#queue[this.#next++];
    return undefined;
  }

  async next(): Promise<IteratorResult<SourceItem, undefined>> {
    for (;;) {
      if (this.#ctx.signal?.aborted) {
        this.#close();
        return DONE;
      }
      const item = this.#queue[this.#next];
      if (item !== undefined) {
        this.#next++;
        return { value: item, done: false };
      }
      if (this.#ended) return DONE;
      await this.#fill();
    }
  }

  async return(): Promise<IteratorResult<SourceItem, undefined>> {
    this.#close();
    return DONE;
  }

  #close(): void {
    this.#ended = true;
    this.#queue = [];
    this.#next = 0;
    this.#stream?.destroy();
  }

  /** Reads the next chunk and parses its complete lines into the queue. */
  async #fill(): Promise<void> {
    this.#queue = [];
    this.#next = 0;
    const { signal, display } = this.#ctx;
    if (this.#chunks === undefined) {
      this.#stream = createReadStream(this.#ctx.path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES, signal });
      this.#chunks = (this.#stream as AsyncIterable<string>)[Symbol.asyncIterator]();
    }
    let r: IteratorResult<string>;
    try {
      r = await this.#chunks.next();
    } catch (e) {
      this.#close();
      if (!isAbort(e, signal)) {
        const at = this.#lineNo + 1;
        const failed = this.#lineNo === 0 && this.#rest === '';
        this.#queue = [{ origin: failed ? display : `${display}:${at}`, error: readErrorIssue(e, display, failed ? {} : { line: at }) }];
      }
      return;
    }
    if (r.done) {
      this.#close();
      this.#queue = [];
      // Last line without a newline at the end.
      const rest = this.#rest;
      this.#rest = '';
      if (rest.length > 0) {
        const end = rest.charCodeAt(rest.length - 1) === 0x0d ? rest.length - 1 : rest.length;
        const item = parseLine(end === rest.length ? rest : rest.slice(0, end), ++this.#lineNo, display);
        if (item !== undefined) this.#queue.push(item);
      }
      return;
    }

    let text = this.#rest.length === 0 ? r.value : this.#rest + r.value;
    if (this.#first) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const queue = this.#queue;
    let lineNo = this.#lineNo;
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      lineNo++;
      const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      if (end > start) {
        const item = parseLine(text.slice(start, end), lineNo, display);
        if (item !== undefined) queue.push(item);
      }
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.#lineNo = lineNo;
    this.#rest = start === 0 ? text : text.slice(start);
  }
}

/** One line → item, or undefined for a blank line. */
function parseLine(line: string, lineNo: number, display: string): SourceItem | undefined {
  const c = line.charCodeAt(0);
  // Only lines starting with whitespace can be blank; avoid trim() for the rest.
  if ((c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || c === 0xa0 || c === 0xfeff) && line.trim() === '') return undefined;
  const origin = display + ':' + lineNo;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { origin, error: jsonSyntaxIssue(line, e, display, lineNo) };
  }
  if (isJsonObject(value)) return { origin, record: value };
  return { origin, error: notObjectIssue(value, display, '', `line ${lineNo}`, { line: lineNo }) };
}
