import { TmtError } from '../../errors.js';
import { startPermitServer } from '../../permits/permit-server.js';
import { PERMIT_STATUSES, type PermitRecord, type PermitStatus } from '../../permits/permit-store.js';
import { openSqliteState } from '../../state/sqlite-state.js';
import { closest } from '../../util/suggest.js';
import { intOption, type CommandContext, type CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Style } from '../io.js';
import { startSession } from '../setup.js';

const SUBCOMMANDS = ['serve', 'list', 'purge'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** Which options each subcommand takes (global options aside). */
const OPTIONS_OF: Record<Subcommand, string[]> = {
  serve: ['env', 'port', 'host', 'redirect-uri'],
  list: ['env', 'status'],
  purge: ['keep-days'],
};

export const DEFAULT_PERMIT_PORT = 8641;

export const permitsCommand: CommandDef = {
  name: 'permits',
  summary: "The organisation's side of the permit flow: serve the approval start and callback, list permits, purge old ones.",
  usage:
    'tmt-import permits serve [--env NAME] [--port N] [--host HOST] [--redirect-uri URL]\n' +
    '       tmt-import permits list [--env NAME] [--status STATUS] [--json]\n' +
    '       tmt-import permits purge [--keep-days N] [--json]',
  description:
    'Each import needs the person\'s own permit: the person approves on TMT\'s permit page and the\n' +
    'organisation exchanges the returned code for a single-use token.\n' +
    '\n' +
    '  serve  Runs until Ctrl-C (SIGINT/SIGTERM). Send a person\'s browser to\n' +
    '         /permits/start?person=<person key>: it redirects to TMT\'s permit page with a signed,\n' +
    '         single-use state; TMT sends the person back to /permits/callback, where the code is\n' +
    '         exchanged and the permit stored (person as a pseudonym, token owner-only). The client\n' +
    '         secret and subscription key come from the environment variables the project config\n' +
    '         names. Put /permits/start behind your service\'s own login: anyone who can call it can\n' +
    '         start an approval for any key (the person must still approve on TMT).\n' +
    '  list   Shows permits: pseudonym, environment, status, when obtained and expiring, the start of\n' +
    '         the token id (jti) and why a permit failed or how it was spent. Never tokens.\n' +
    '  purge  Deletes the tokens of expired and spent permits and the records of finished permits\n' +
    '         older than --keep-days (default 30). Suits a daily cron job.\n' +
    '\n' +
    `Statuses: ${PERMIT_STATUSES.join(', ')}.`,
  options: {
    env: { type: 'string', short: 'e', value: 'NAME', description: 'serve: the environment to obtain permits for (default sandbox). list: show only this environment.' },
    port: { type: 'string', short: 'p', value: 'N', description: `serve: port to listen on (default ${DEFAULT_PERMIT_PORT}; 0 = any free port).` },
    host: { type: 'string', value: 'HOST', description: 'serve: address to listen on (default 127.0.0.1).' },
    'redirect-uri': { type: 'string', value: 'URL', description: "serve: the callback URL registered with TMT (default: the environment's redirectUri, else this server's /permits/callback)." },
    status: { type: 'string', short: 's', value: 'STATUS', description: `list: show only permits with this status (${PERMIT_STATUSES.join(', ')}).` },
    'keep-days': { type: 'string', value: 'N', description: 'purge: keep records of finished permits for N days (default 30).' },
  },
  examples: [
    'tmt-import permits serve --env sandbox --port 8641',
    'tmt-import permits serve --env test --host 0.0.0.0 --redirect-uri https://cv.example.org/permits/callback',
    'tmt-import permits list --status active',
    'tmt-import permits list --env test --json',
    'tmt-import permits purge --keep-days 7',
  ],
  async run(ctx) {
    const [sub, ...extra] = ctx.positionals;
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      const near = sub === undefined ? undefined : closest(sub, [...SUBCOMMANDS]);
      throw new TmtError('CLI_USAGE', sub === undefined ? 'permits: name a subcommand: serve, list or purge' : `permits: unknown subcommand "${sub}"${near ? ` (did you mean "${near}"?)` : ''}`, {
        hint: 'Run `tmt-import permits --help`.',
      });
    }
    const subcommand = sub as Subcommand;
    if (extra.length > 0) throw new TmtError('CLI_USAGE', `permits ${subcommand}: unexpected argument "${extra[0]}"`, { hint: 'Run `tmt-import permits --help`.' });
    for (const name of Object.keys(permitsCommand.options)) {
      if (ctx.values[name] !== undefined && !OPTIONS_OF[subcommand].includes(name)) {
        throw new TmtError('CLI_USAGE', `permits ${subcommand} does not take --${name}`, { hint: 'Run `tmt-import permits --help`.' });
      }
    }
    if (subcommand === 'serve') return serve(ctx);
    if (subcommand === 'list') return list(ctx);
    return purge(ctx);
  },
};

async function serve(ctx: CommandContext): Promise<number> {
  const port = intOption(ctx.values, 'port', 0) ?? DEFAULT_PERMIT_PORT;
  if (port > 65535) throw new TmtError('CLI_USAGE', '--port must be at most 65535');
  const environment = stringOption(ctx, 'env') ?? 'sandbox';
  const host = stringOption(ctx, 'host') ?? '127.0.0.1';
  const redirectUri = stringOption(ctx, 'redirect-uri');
  if (redirectUri !== undefined && !/^https?:\/\/[^/]/.test(redirectUri)) throw new TmtError('CLI_USAGE', '--redirect-uri must be an http(s) URL');
  const session = await startSession(ctx, { command: 'permits serve' });
  if (!session.config.environments[environment]) {
    throw new TmtError('CONFIG_ENV_UNDEFINED', `environment "${environment}" is not defined (defined: ${Object.keys(session.config.environments).join(', ')})`);
  }
  const state = await openSqliteState(session.config.stateDir);
  let server;
  try {
    server = await startPermitServer({
      config: session.config,
      environment,
      env: ctx.io.env,
      store: state.permits,
      pseudonymize: session.pseudonymize(),
      host,
      port,
      ...(redirectUri !== undefined ? { redirectUri } : {}),
      logger: session.logger,
    });
  } catch (e) {
    await state.close();
    throw e;
  }
  const startUrl = `${server.url}/permits/start?person=<person key>`;
  if (session.json) {
    ctx.io.stdout.write(JSON.stringify({ environment, url: server.url, start: startUrl, redirectUri: server.redirectUri, health: `${server.url}/permits/health` }) + '\n');
  } else {
    const s = session.out;
    ctx.io.stdout.write(
      [
        `${s.bold('Permit server')} for environment "${environment}" listening on ${server.url}`,
        `  start an approval:  ${startUrl}`,
        `  callback:           ${server.redirectUri}   (the redirect URI registered with TMT)`,
        `  health:             ${server.url}/permits/health`,
        s.dim('Put /permits/start behind your service\'s own login: it starts an approval for any key it is given.'),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
  await waitForStopSignal();
  await server.close();
  await state.close();
  session.logger.info({ step: 'permit-serve' }, 'permit server stopped');
  return EXIT.OK;
}

async function list(ctx: CommandContext): Promise<number> {
  const status = stringOption(ctx, 'status');
  if (status !== undefined && !(PERMIT_STATUSES as readonly string[]).includes(status)) {
    const near = closest(status, [...PERMIT_STATUSES]);
    throw new TmtError('CLI_USAGE', `--status must be one of ${PERMIT_STATUSES.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`);
  }
  const environment = stringOption(ctx, 'env');
  const session = await startSession(ctx, { command: 'permits list' });
  const state = await openSqliteState(session.config.stateDir, { readonly: true });
  let records: PermitRecord[];
  try {
    records = await state.permits.list(environment !== undefined ? { environment } : {});
  } finally {
    await state.close();
  }
  const now = new Date();
  // An active permit whose time is up shows as expired (purge writes that down).
  const shown = records.map((r) => ({ ...r, status: effectiveStatus(r, now) })).filter((r) => status === undefined || r.status === status);
  if (session.json) {
    const permits = shown.map((r) => ({
      id: r.id,
      person: r.person,
      environment: r.environment,
      status: r.status,
      obtainedAt: r.obtainedAt,
      ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
      ...(r.jti ? { jtiPrefix: jtiPrefix(r.jti) } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.outcome ? { outcome: r.outcome } : {}),
    }));
    ctx.io.stdout.write(JSON.stringify({ permits, counts: countByStatus(shown) }, null, 2) + '\n');
    return EXIT.OK;
  }
  ctx.io.stdout.write(renderTable(shown, session.out));
  return EXIT.OK;
}

async function purge(ctx: CommandContext): Promise<number> {
  const keepDays = intOption(ctx.values, 'keep-days', 0) ?? 30;
  const session = await startSession(ctx, { command: 'permits purge' });
  const state = await openSqliteState(session.config.stateDir);
  let result: { tokensDeleted: number; recordsDeleted: number };
  try {
    result = await state.permits.purge(new Date(), { keepDays });
  } finally {
    await state.close();
  }
  session.logger.info({ step: 'permit-purge', ...result, keepDays }, 'permits purged');
  if (session.json) {
    ctx.io.stdout.write(JSON.stringify({ ...result, keepDays }, null, 2) + '\n');
  } else {
    ctx.io.stdout.write(
      `Deleted ${result.tokensDeleted} token${result.tokensDeleted === 1 ? '' : 's'} of expired or spent permits and ` +
        `${result.recordsDeleted} record${result.recordsDeleted === 1 ? '' : 's'} of permits finished more than ${keepDays} day${keepDays === 1 ? '' : 's'} ago.\n`,
    );
  }
  return EXIT.OK;
}

function effectiveStatus(r: PermitRecord, now: Date): PermitStatus {
  return r.status === 'active' && r.expiresAt !== undefined && Date.parse(r.expiresAt) <= now.getTime() ? 'expired' : r.status;
}

function jtiPrefix(jti: string): string {
  return jti.length > 8 ? `${jti.slice(0, 8)}…` : jti;
}

function countByStatus(records: Array<{ status: PermitStatus }>): Partial<Record<PermitStatus, number>> {
  const counts: Partial<Record<PermitStatus, number>> = {};
  for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function renderTable(records: PermitRecord[], s: Style): string {
  if (records.length === 0) return 'No permits.\n';
  const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
  const rows = records.map((r) => [r.person, r.environment, r.status, time(r.obtainedAt), time(r.expiresAt), r.jti ? jtiPrefix(r.jti) : '-', r.reason ?? r.outcome ?? '']);
  const head = ['PERSON', 'ENVIRONMENT', 'STATUS', 'OBTAINED', 'EXPIRES', 'JTI', 'NOTE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[], paint: (i: number, padded: string) => string = (_i, t) => t) =>
    cells.map((c, i) => paint(i, i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const colour = (st: string, text: string) => (st === 'active' ? s.green(text) : st === 'denied' || st === 'failed' ? s.red(text) : st === 'expired' ? s.yellow(text) : text);
  const out = [s.bold(line(head))];
  for (const row of rows) out.push(line(row, (i, t) => (i === 2 ? colour(row[2] ?? '', t) : t)));
  const counts = countByStatus(records);
  out.push('', `${records.length} permit${records.length === 1 ? '' : 's'}: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return out.join('\n') + '\n';
}

function stringOption(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new TmtError('CLI_USAGE', `--${name} needs a value`);
  return v;
}

/** Resolves on the first SIGINT or SIGTERM, then stops listening for both. */
function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
