/**
 * YAML read with positions, so that every problem can be reported as file:line:column.
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import { issue, type Issue, fromPointer } from '../errors.js';

export interface YamlFile {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Plain data (never contains prototype-changing keys as anything but data). */
  value: unknown;
}

export interface Position {
  line: number;
  column: number;
}

/** Parse YAML keeping positions. Syntax errors (and duplicate keys) come back as issues. */
export function parseYamlFile(file: string, text: string): { yaml?: YamlFile; issues: Issue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const issues: Issue[] = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+.*$/, '');
    return issue('PIPELINE_YAML_SYNTAX', `invalid YAML: ${message}`, { file, line: pos.line, column: pos.col });
  });
  if (issues.length > 0) return { issues };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { issues: [issue('PIPELINE_YAML_SYNTAX', `invalid YAML: ${e instanceof Error ? e.message : String(e)}`, { file, line: 1, column: 1 })] };
  }
  return { yaml: { file, text, doc, lines, value }, issues: [] };
}

/**
 * Position of the node at a JSON pointer. With `key: true`, the position of the key of the last
 * segment (for "unknown key" problems); when the pointer does not exist, the deepest existing parent.
 */
export function positionOf(y: YamlFile, pointer: string, opts: { key?: boolean } = {}): Position {
  const segments = fromPointer(pointer);
  let node: unknown = y.doc.contents;
  let best: Node | null = isNodeLike(node) ? (node as Node) : null;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      if (last && opts.key && isNodeLike(pair.key)) {
        best = pair.key as Node;
        break;
      }
      node = pair.value;
      if (isNodeLike(node)) best = node as Node;
      else if (isNodeLike(pair.key)) best = pair.key as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      node = item;
      if (isNodeLike(node)) best = node as Node;
    } else break;
  }
  const offset = best?.range?.[0] ?? 0;
  const pos = y.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/**
 * Where the text of a scalar string starts (inside quotes, or on the first line of a block scalar),
 * so that positions reported by an expression engine can be mapped back into the YAML file.
 */
export function scalarTextOrigin(y: YamlFile, pointer: string): Position | undefined {
  const node = y.doc.getIn(fromPointer(pointer), true);
  if (!isScalar(node) || !node.range) return undefined;
  const start = node.range[0];
  const pos = y.lines.linePos(start);
  switch (node.type) {
    case 'QUOTE_DOUBLE':
    case 'QUOTE_SINGLE':
      return { line: pos.line, column: pos.col + 1 };
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED': {
      // The text starts on the line after the indicator, at its indentation.
      const nl = y.text.indexOf('\n', start);
      if (nl < 0) return { line: pos.line, column: pos.col };
      const next = y.lines.linePos(nl + 1);
      const indent = /^[ ]*/.exec(y.text.slice(nl + 1))?.[0].length ?? 0;
      return { line: next.line, column: indent + 1 };
    }
    default:
      return { line: pos.line, column: pos.col };
  }
}

function isNodeLike(n: unknown): boolean {
  return typeof n === 'object' && n !== null && 'range' in n;
}
