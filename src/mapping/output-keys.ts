/**
 * Which top-level keys can a mapping produce? Read from the expression's syntax tree, so that
 * `validate` can demand a consent rule for every profile section a mapping may send.
 */
import jsonata from 'jsonata';

export interface OutputKeys {
  /** Literal keys of the object(s) the mapping returns. */
  keys: string[];
  /** True when some key is computed at run time, or the result is not an object literal. */
  dynamic: boolean;
}

interface AstNode {
  type?: string;
  value?: unknown;
  expressions?: AstNode[];
  arguments?: AstNode[];
  lhs?: unknown;
  then?: AstNode;
  else?: AstNode;
  steps?: AstNode[];
  procedure?: AstNode;
}

/** Analyse a JSONata source; returns undefined when it does not parse (the compiler reports that). */
export function mappingOutputKeys(source: string): OutputKeys | undefined {
  let ast: AstNode;
  try {
    ast = jsonata(source).ast() as AstNode;
  } catch {
    return undefined;
  }
  const keys = new Set<string>();
  let dynamic = false;
  const visit = (node: AstNode | undefined, depth: number): void => {
    if (!node || depth > 50) {
      dynamic = true;
      return;
    }
    switch (node.type) {
      case 'block':
        visit(node.expressions?.[node.expressions.length - 1], depth + 1);
        return;
      case 'condition':
        visit(node.then, depth + 1);
        if (node.else) visit(node.else, depth + 1);
        return;
      case 'function': {
        // A helper wrapped around the result ($clean({...}), $merge([...])): look at its arguments.
        const objectArgs = (node.arguments ?? []).filter((a) => isObjectish(a));
        if (objectArgs.length === 0) dynamic = true;
        for (const a of objectArgs) visit(a, depth + 1);
        return;
      }
      case 'unary':
        if (node.value === '{' && Array.isArray(node.lhs)) {
          for (const pair of node.lhs as Array<[AstNode, AstNode]>) {
            const k = pair[0];
            if (k?.type === 'string' && typeof k.value === 'string') keys.add(k.value);
            else dynamic = true;
          }
          return;
        }
        if (node.value === '[') {
          for (const e of node.expressions ?? []) visit(e, depth + 1);
          return;
        }
        dynamic = true;
        return;
      default:
        dynamic = true;
    }
  };
  visit(ast, 0);
  return { keys: [...keys], dynamic };
}

function isObjectish(n: AstNode | undefined): boolean {
  if (!n) return false;
  if (n.type === 'unary' && (n.value === '{' || n.value === '[')) return true;
  if (n.type === 'block' || n.type === 'condition' || n.type === 'function') return true;
  return false;
}
