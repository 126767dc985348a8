/**
 * The command line: argv → a command's library calls → rendering. The only place that decides
 * exit codes. Bad input never shows a stack trace; a bug says so.
 */
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE, isTmtError } from '../errors.js';
import { parseCommandArgs, renderHelp, type CommandDef } from './command.js';
import { codesCommand } from './commands/codes.js';
import { demoCommand } from './commands/demo.js';
import { permitsCommand } from './commands/permits.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';
import { deadLettersCommand, purgeCommand, receiptsCommand } from './commands/state-commands.js';
import { previewCommand } from './commands/preview.js';
import { testCommand } from './commands/test.js';
import { validateCommand } from './commands/validate.js';
import { EXIT } from './exit-codes.js';
import { makeStyle, type CliIO } from './io.js';
import { renderIssues } from './render.js';
import { closest } from '../util/suggest.js';

export const COMMANDS: CommandDef[] = [validateCommand, previewCommand, runCommand, testCommand, permitsCommand, receiptsCommand, deadLettersCommand, purgeCommand, sandboxCommand, demoCommand, codesCommand];

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function renderOverview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tmt-import: declarative imports of CV data into Job Market Finland (TMT) jobseeker profiles.',
    '',
    'Usage: tmt-import <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `tmt-import <command> --help` for a command\'s options and examples.',
    '',
    'Examples:',
    '  tmt-import validate pipelines/*.pipeline.yaml',
    '  tmt-import preview pipelines/jsonresume-files.pipeline.yaml --limit 5',
    '  tmt-import test',
    '',
    `Exit codes: ${EXIT.OK} ok, ${EXIT.CONFIG} configuration or usage error, ${EXIT.PARTIAL} some persons or tests failed,`,
    `            ${EXIT.ABORTED} run aborted, ${EXIT.LOCKED} pipeline locked by another run, ${EXIT.INTERNAL} internal error.`,
    '',
  ].join('\n');
}

/** The exit code of a command that stopped with a coded error. */
export function exitCodeFor(code: string): number {
  if (code === 'INTERNAL') return EXIT.INTERNAL;
  if (code === 'STATE_LOCKED') return EXIT.LOCKED;
  return EXIT.CONFIG;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  const err = makeStyle(io, 'stderr', argv.includes('--no-color'));
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(target ? renderHelp(target) : renderOverview());
    return EXIT.OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    const near = closest(name, COMMANDS.map((c) => c.name));
    io.stderr.write(`${err.red('error')} ${err.cyan('CLI_USAGE')}  unknown command "${name}".${near ? ` Did you mean "${near}"?` : ''}\n    ${err.dim('hint: run `tmt-import --help` for the list of commands.')}\n`);
    return EXIT.CONFIG;
  }
  try {
    const values = parseCommandArgs(cmd, rest);
    if (values.help === true) {
      io.stdout.write(renderHelp(cmd));
      return EXIT.OK;
    }
    const { _: positionals, ...flags } = values;
    return await cmd.run({ io, values: flags, positionals });
  } catch (e) {
    if (isTmtError(e)) {
      io.stderr.write(renderIssues(e.issues, err));
      return exitCodeFor(e.code);
    }
    const debug = io.env.TMT_IMPORT_DEBUG === '1';
    io.stderr.write(`${err.red('error')} ${err.cyan('INTERNAL')}  ${ERROR_CATALOGUE.INTERNAL.summary} ${e instanceof Error ? e.name : ''}\n    ${err.dim(`hint: ${ERROR_CATALOGUE.INTERNAL.hint}${debug ? '' : ' Set TMT_IMPORT_DEBUG=1 for details.'}`)}\n`);
    if (debug && e instanceof Error) io.stderr.write(`${e.stack ?? e.message}\n`);
    return EXIT.INTERNAL;
  }
}
