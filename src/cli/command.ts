/** How a command is declared: its flags, its help, and the function it calls. */
import { parseArgs } from 'node:util';
import { TmtError } from '../errors.js';
import type { CliIO } from './io.js';

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** For string options: the placeholder shown in help, e.g. FILE. */
  value?: string;
  description: string;
}

export interface CommandDef {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options: Record<string, OptionDef>;
  examples: string[];
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  io: CliIO;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionDef> = {
  config: { type: 'string', value: 'FILE', description: 'Project config file (default: found from the working folder: tmt-import.config.yaml, .tmt-importrc, package.json "tmt-import" key, ...).' },
  'state-dir': { type: 'string', value: 'DIR', description: "State folder (permits, runs, receipts, dead letters), instead of the config's stateDir." },
  'log-level': { type: 'string', value: 'LEVEL', description: 'fatal, error, warn, info, debug, trace or silent (default: from the config, else info; logs go to stderr).' },
  json: { type: 'boolean', description: 'Machine-readable JSON on stdout instead of text.' },
  quiet: { type: 'boolean', short: 'q', description: 'No progress display and no logs below warn.' },
  'no-color': { type: 'boolean', description: 'No colours (NO_COLOR in the environment does the same).' },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

export function parseCommandArgs(cmd: CommandDef, argv: string[]): CommandContext['values'] & { _: string[] } {
  const all = { ...GLOBAL_OPTIONS, ...cmd.options };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [k, o] of Object.entries(all)) options[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { ...(values as CommandContext['values']), _: positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(e);
    throw new TmtError('CLI_USAGE', `${cmd.name}: ${msg.split('\n')[0]}`, { hint: `Run \`tmt-import ${cmd.name} --help\`.` });
  }
}

export function renderHelp(cmd: CommandDef): string {
  const lines = [`Usage: ${cmd.usage}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description);
  const fmt = (name: string, o: OptionDef) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}`;
  };
  const own = Object.entries(cmd.options);
  if (own.length > 0) {
    lines.push('', 'Options:');
    for (const [k, o] of own) lines.push(fmt(k, o));
  }
  lines.push('', 'Global options:');
  for (const [k, o] of Object.entries(GLOBAL_OPTIONS)) lines.push(fmt(k, o));
  lines.push('', 'Examples:');
  for (const ex of cmd.examples) lines.push(`  ${ex}`);
  return lines.join('\n') + '\n';
}

export function intOption(values: CommandContext['values'], name: string, min = 1): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min) throw new TmtError('CLI_USAGE', `--${name} must be a whole number of at least ${min}`);
  return n;
}
