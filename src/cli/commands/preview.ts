import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { TmtError } from '../../errors.js';
import { hasErrors, loadPipeline } from '../../pipeline/load-pipeline.js';
import { previewPipeline } from '../../runner/preview.js';
import type { PersonResult } from '../../runner/process-person.js';
import { intOption, type CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { createProgress } from '../progress.js';
import { renderIssues, renderPersonRow, renderPreviewSummary } from '../render.js';
import { startSession } from '../setup.js';
import { INPUT_OPTIONS, mapperFor, WORKERS_OPTION } from '../mapper-setup.js';

const FORMATS = ['table', 'json', 'ndjson'] as const;

export const previewCommand: CommandDef = {
  name: 'preview',
  summary: 'Show, person by person, exactly what would be sent, what would be withheld and why. Never uses the network.',
  usage: 'tmt-import preview <pipeline.yaml> [--input PATH|GLOB] [--limit N] [--format table|json|ndjson] [--out FILE] [--assume-consent]',
  description:
    'Runs the pipeline\'s plan with the send step replaced by output: key → map → consent → validate.\n' +
    'Each person gets a pseudonym (never the key), a status (ready, skipped, invalid), the profile\n' +
    'that would be sent, what was withheld and by which rule, and coded issues with JSON pointers.\n' +
    'A summary follows (counts per status and per issue code). Exit code 0 when no person is\n' +
    'invalid, 2 when some are, 1 for a pipeline or usage error.',
  options: {
    ...INPUT_OPTIONS,
    format: { type: 'string', short: 'f', value: 'FORMAT', description: 'table (default), json (one document), or ndjson (one object per person: person, status, profile, withheld, issues).' },
    out: { type: 'string', short: 'o', value: 'FILE', description: 'Write the per-person output to FILE; the summary still goes to stdout.' },
    workers: WORKERS_OPTION,
    'assume-consent': { type: 'boolean', description: 'Evaluate as if every person permitted every section that has a rule (to judge a mapping on exports whose consent is recorded elsewhere). Output is marked not sendable.' },
  },
  examples: [
    'tmt-import preview pipelines/jsonresume-files.pipeline.yaml',
    'tmt-import preview pipelines/jsonresume-files.pipeline.yaml --format ndjson --out preview.ndjson',
    "tmt-import preview pipelines/jsonresume-files.pipeline.yaml --input 'exports/*.json' --assume-consent --limit 20",
  ],
  async run(ctx) {
    const [file, ...extra] = ctx.positionals;
    if (!file || extra.length > 0) throw new TmtError('CLI_USAGE', 'preview: name exactly one pipeline file', { hint: 'Example: tmt-import preview pipelines/jsonresume-files.pipeline.yaml' });
    const format = (ctx.values.format ?? (ctx.values.json === true ? 'json' : 'table')) as string;
    if (!(FORMATS as readonly string[]).includes(format)) throw new TmtError('CLI_USAGE', `--format must be one of ${FORMATS.join(', ')}`);
    const limit = intOption(ctx.values, 'limit');
    const session = await startSession(ctx, { command: 'preview' });
    const { pipeline, issues } = await loadPipeline(file, { config: session.config, cwd: ctx.io.cwd, env: ctx.io.env });
    if (!pipeline || hasErrors(issues)) {
      ctx.io.stderr.write(renderIssues(issues, session.err));
      return EXIT.CONFIG;
    }
    const s = session.out;
    const outFile = typeof ctx.values.out === 'string' ? ctx.values.out : undefined;
    let sink: NodeJS.WritableStream = ctx.io.stdout;
    let fileStream: WriteStream | undefined;
    if (outFile) {
      fileStream = createWriteStream(resolve(ctx.io.cwd, outFile), { flags: 'w' });
      await Promise.race([once(fileStream, 'open'), once(fileStream, 'error').then(([e]) => {
        throw new TmtError('CLI_OUT_FILE', `cannot write ${outFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      })]);
      sink = fileStream;
    }
    const write = async (text: string) => {
      if (!sink.write(text)) await once(sink, 'drain');
    };
    const plain = { ...s, color: false, bold: (t: string) => t, dim: (t: string) => t, red: (t: string) => t, green: (t: string) => t, yellow: (t: string) => t, cyan: (t: string) => t };
    let first = true;
    if (format === 'json') await write(`{"pipeline":${JSON.stringify(pipeline.name)},"sendable":${!ctx.values['assume-consent']},"persons":[`);
    const progress = createProgress(ctx.io, 'previewing', !session.quiet && !session.json && (outFile !== undefined || format !== 'table'));
    const onPerson = async (r: PersonResult) => {
      if (format === 'ndjson') await write(JSON.stringify(r) + '\n');
      else if (format === 'json') {
        await write((first ? '\n' : ',\n') + JSON.stringify(r));
        first = false;
      } else await write(renderPersonRow(r, outFile ? plain : s));
    };
    const input = typeof ctx.values.input === 'string' ? ctx.values.input : undefined;
    const mapper = await mapperFor(ctx, session, file, pipeline, { assumeConsent: ctx.values['assume-consent'] === true, ...(input !== undefined ? { input } : {}) });
    const summary = await previewPipeline({
      mapper,
      pipeline,
      pseudonymize: session.pseudonymize(),
      cwd: ctx.io.cwd,
      ...(typeof ctx.values.input === 'string' ? { input: ctx.values.input } : {}),
      ...(limit !== undefined ? { limit } : {}),
      assumeConsent: ctx.values['assume-consent'] === true,
      logger: session.logger,
      onPerson,
      onProgress: (d, t) => progress.update(d, t),
      estimateTotal: Boolean(ctx.io.stderr.isTTY) && !session.quiet,
    });
    progress.done();
    await mapper.close();
    if (format === 'json') await write(`\n],"summary":${JSON.stringify(summary)}}\n`);
    if (fileStream) {
      fileStream.end();
      await once(fileStream, 'close');
    }
    // The summary: on stdout with table output or --out; inside the document for json; on stderr
    // for ndjson on stdout, which must hold person objects only.
    if (outFile) ctx.io.stdout.write(session.json ? JSON.stringify({ summary }) + '\n' : renderPreviewSummary(summary, s));
    else if (format === 'table') ctx.io.stdout.write(renderPreviewSummary(summary, s));
    else if (format === 'ndjson' && !session.quiet) ctx.io.stderr.write(renderPreviewSummary(summary, session.err));
    if (summary.persons === 0) {
      ctx.io.stderr.write(session.err.yellow('No persons were read: check the source path (or --input).\n'));
    }
    return summary.byStatus.invalid > 0 ? EXIT.PARTIAL : EXIT.OK;
  },
};
