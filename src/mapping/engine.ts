/**
 * The one small interface between tmt-import and its expression engine. Everything else
 * (consent conditions, person keys, mappings) goes through it, so the engine can be replaced.
 */

export interface EvaluationLimits {
  /** Wall-clock limit for one evaluation, in milliseconds. */
  timeoutMs: number;
  /** Maximum evaluation (call/recursion) depth. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: EvaluationLimits = { timeoutMs: 2000, maxDepth: 300 };

export interface CompileOptions {
  /** Shown in error locations (path of the .jsonata file, or `pipeline.yaml#/consent/...`). */
  file?: string;
  /** Line and column of the expression's first character inside `file` (for expressions embedded in YAML). */
  origin?: { line: number; column: number };
  limits?: Partial<EvaluationLimits>;
}

export interface CompiledExpression {
  /**
   * Evaluate against one input. Rejects with a TmtError coded MAPPING_RUNTIME, MAPPING_TIMEOUT or
   * MAPPING_DEPTH, or with the code a helper raised (e.g. LOOKUP_UNKNOWN); never with a raw engine error.
   */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

export interface ExpressionEngine {
  /** Compile once; throws TmtError coded MAPPING_SYNTAX with file, line and column. */
  compile(source: string, options?: CompileOptions): CompiledExpression;
}
