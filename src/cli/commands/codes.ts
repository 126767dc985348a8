import { ERROR_CATALOGUE, TmtError, type ErrorCode } from '../../errors.js';
import type { CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { makeStyle } from '../io.js';
import { closest } from '../../util/suggest.js';

export const codesCommand: CommandDef = {
  name: 'codes',
  summary: 'List the error codes, or explain one: what it means and what to do.',
  usage: 'tmt-import codes [CODE] [--json]',
  options: {},
  examples: ['tmt-import codes', 'tmt-import codes MAPPING_TIMEOUT'],
  async run(ctx) {
    const s = makeStyle(ctx.io, 'stdout', ctx.values['no-color'] === true);
    const wanted = ctx.positionals.map((c) => c.toUpperCase());
    for (const w of wanted) {
      if (!(w in ERROR_CATALOGUE)) {
        const near = closest(w, Object.keys(ERROR_CATALOGUE));
        throw new TmtError('CLI_USAGE', `unknown error code ${w}${near ? ` (did you mean ${near}?)` : ''}`);
      }
    }
    const codes = (wanted.length ? wanted : Object.keys(ERROR_CATALOGUE)) as ErrorCode[];
    if (ctx.values.json === true) {
      ctx.io.stdout.write(JSON.stringify(codes.map((code) => ({ code, ...ERROR_CATALOGUE[code] })), null, 2) + '\n');
      return EXIT.OK;
    }
    for (const code of codes) {
      const info = ERROR_CATALOGUE[code];
      ctx.io.stdout.write(`${s.cyan(code)}\n  ${info.summary}\n  ${s.dim(info.hint)}\n`);
    }
    return EXIT.OK;
  },
};
