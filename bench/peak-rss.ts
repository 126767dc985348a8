/**
 * Child process of the benchmark: previews one NDJSON file with the JSON Resume pipeline and reports
 * its own peak memory. Run in a fresh process so that the peak belongs to the preview alone.
 *
 *   node dist/bench/peak-rss.js <persons.ndjson> [--every N]
 *
 * Loads pipelines/jsonresume-files.pipeline.yaml, reads the file as NDJSON (the pipeline's own
 * source is a folder of JSON files), runs previewPipeline and writes each person's result as an
 * NDJSON line into a sink that discards it (what `preview --format ndjson > /dev/null` does).
 * Progress goes to stderr every N persons (default 10,000); at the end one JSON line goes to stdout:
 * { persons, seconds, rate, maxRssKB, rssAfterLoadKB, byStatus, outputBytes }.
 */
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { resolveConfig } from '../src/config/project-config.js';
import { createPseudonymizer } from '../src/logging/pseudonym.js';
import { hasErrors, loadPipeline } from '../src/pipeline/load-pipeline.js';
import { previewPipeline } from '../src/runner/preview.js';
import { REPO_ROOT } from './generate.js';

const PIPELINE = 'pipelines/jsonresume-files.pipeline.yaml';

function mb(kb: number): string {
  return `${Math.round(kb / 1024)} MB`;
}

async function run(): Promise<number> {
  const args = process.argv.slice(2);
  const file = args[0];
  const everyAt = args.indexOf('--every');
  const every = everyAt >= 0 ? Number(args[everyAt + 1]) : 10_000;
  if (!file || !(every > 0)) {
    process.stderr.write('usage: node dist/bench/peak-rss.js <persons.ndjson> [--every N]\n');
    return 1;
  }

  const { pipeline: loaded, issues } = await loadPipeline(PIPELINE, { config: resolveConfig({}, REPO_ROOT), cwd: REPO_ROOT });
  if (!loaded || hasErrors(issues)) {
    process.stderr.write(`cannot load ${PIPELINE}: ${issues.map((i) => `${i.code} ${i.message}`).join('; ')}\n`);
    return 1;
  }
  const source = loaded.spec.source;
  if (source.type !== 'file') {
    process.stderr.write(`${PIPELINE} no longer reads files (source.type ${String(source.type)})\n`);
    return 1;
  }
  const pipeline = { ...loaded, spec: { ...loaded.spec, source: { ...source, format: 'ndjson' as const } } };
  const rssAfterLoadKB = Math.round(process.memoryUsage().rss / 1024);

  // The output side of `preview --format ndjson > /dev/null`: serialized, then dropped.
  let outputBytes = 0;
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      outputBytes += chunk.length;
      callback();
    },
  });
  const write = async (text: string) => {
    if (!sink.write(text)) await once(sink, 'drain');
  };

  const started = performance.now();
  const summary = await previewPipeline({
    pipeline,
    pseudonymize: createPseudonymizer('bench-pseudonym-secret'),
    cwd: REPO_ROOT,
    input: file,
    onPerson: (r) => write(JSON.stringify(r) + '\n'),
    onProgress(done) {
      if (done % every !== 0) return;
      const secs = (performance.now() - started) / 1000;
      process.stderr.write(`  preview  ${String(done).padStart(7)} persons  ${String(Math.round(done / secs)).padStart(4)} persons/s  rss ${mb(process.memoryUsage().rss / 1024)}  peak ${mb(process.resourceUsage().maxRSS)}\n`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  sink.end();
  const report = {
    persons: summary.persons,
    seconds: Math.round(seconds * 10) / 10,
    rate: summary.persons / seconds,
    maxRssKB: process.resourceUsage().maxRSS,
    rssAfterLoadKB,
    byStatus: summary.byStatus,
    outputBytes,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
  return 0;
}

process.exitCode = await run().catch((e: unknown) => {
  process.stderr.write(`peak-rss: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
});
