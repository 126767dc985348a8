/**
 * `npm run bench`: how fast the declarative pipeline is compared with the same work written by
 * hand, how fast a real run imports into the local sandbox compared with the bare HTTP sends, and
 * how much memory a large NDJSON preview and a large postgres source take. Every figure is a rate
 * measured in this run, and comparisons are ratios against baselines measured in the same run (the
 * machine may be busy; absolute times mean little). See bench/README.md.
 *
 *   node dist/bench/bench.js [--persons N] [--runs N] [--e2e-persons N] [--e2e-workers N] [--preview-persons N]
 *                            [--no-e2e] [--no-preview] [--no-pg] [--seed N] [--quick]
 *
 * Exit code: 0 when done, 1 when the hand-written baseline and the pipeline disagree, when the
 * end-to-end run or its floor does not import what it should, when a peak memory is over budget,
 * or when a child process fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { resolveConfig } from '../src/config/project-config.js';
import { applyConsent } from '../src/consent/consent.js';
import { createPseudonymizer } from '../src/logging/pseudonym.js';
import { hasErrors, loadPipeline, type CompiledPipeline } from '../src/pipeline/load-pipeline.js';
import { createProfileValidator } from '../src/profile/validate-profile.js';
import { processPerson, type PersonResult } from '../src/runner/process-person.js';
import { runEndToEnd, type EndToEndResult } from './e2e.js';
import { DEFAULT_SEED, generatePersons, REPO_ROOT, writePersonsNdjson } from './generate.js';
import { comparableResult, createJsonResumeMapper, loadHandwrittenTables, processJsonResume, type ProcessContext } from './handwritten-jsonresume.js';
import { chooseWorkers } from '../src/runner/mapping-pool.js';

const PIPELINE = 'pipelines/jsonresume-files.pipeline.yaml';
const RSS_BUDGET_MB = 300;
const SECRET = 'bench-pseudonym-secret';
/** Concurrency of the end-to-end run and of its floor (sockets and sends in flight). */
const E2E_CONCURRENCY = 8;
/** Timed passes of the floor (the median counts). */
const FLOOR_PASSES = 3;

interface Options {
  persons: number;
  runs: number;
  e2ePersons: number;
  e2eWorkers: number;
  previewPersons: number;
  e2e: boolean;
  preview: boolean;
  pg: boolean;
  seed: number;
  sampleEvery: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { persons: 5_000, runs: 3, e2ePersons: 10_000, e2eWorkers: -1, previewPersons: 100_000, e2e: true, preview: true, pg: true, seed: DEFAULT_SEED, sampleEvery: 50 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (min = 1): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} needs a whole number of at least ${min}`);
      return n;
    };
    if (a === '--persons') o.persons = num();
    else if (a === '--runs') o.runs = num();
    else if (a === '--e2e-persons') o.e2ePersons = num();
    else if (a === '--e2e-workers') o.e2eWorkers = num(0);
    else if (a === '--preview-persons') o.previewPersons = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--no-e2e') o.e2e = false;
    else if (a === '--no-preview') o.preview = false;
    else if (a === '--no-pg') o.pg = false;
    else if (a === '--quick') Object.assign(o, { persons: 2_000, e2ePersons: 2_000, previewPersons: 20_000 });
    else throw new Error(`unknown option ${a}`);
  }
  o.sampleEvery = Math.max(1, Math.min(50, Math.floor(o.persons / 20)));
  // By default the run maps in as many threads as `tmt-import run` would choose for this input.
  if (o.e2eWorkers < 0) o.e2eWorkers = chooseWorkers(undefined, o.e2ePersons);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Output

/** Progress and notes: stderr, so stdout holds the report only. */
function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

const LABEL = 23;

function row(label: string, key: string, value: string): void {
  out(`${label.padEnd(LABEL)}${key.padEnd(14)}${value}`);
}

function rate(n: number): string {
  return String(Math.round(n)).padStart(6);
}

function ratio(r: number): string {
  return r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toPrecision(2);
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Where two JSON values first differ, as a JSON pointer. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`);
      if (d !== undefined) return d;
    }
  }
  return `${path || '/'}: pipeline ${JSON.stringify(a)?.slice(0, 200)} vs hand-written ${JSON.stringify(b)?.slice(0, 200)}`;
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Persons per second of one pass over `count` persons. */
async function timed(count: number, pass: () => Promise<void> | void): Promise<number> {
  const t = performance.now();
  await pass();
  return count / ((performance.now() - t) / 1000);
}

interface Item {
  origin: string;
  record: Record<string, unknown>;
}

/** Milliseconds spent on the sampled persons: the whole of processPerson, and each part on its own. */
interface Parts {
  persons: number;
  pipeline: number;
  jsonata: number;
  consent: number;
  validate: number;
}

/**
 * One pass of processPerson over every person, as preview does it; persons/s. For every
 * `sampleEvery`th person (from `offset`) the parts are also timed right after it, on their own:
 * the JSONata mapping; the person key, pseudonym, copy and consent rules; the validator. That extra
 * work is not counted in the pass's rate, and since it runs next to the person it explains, a busy
 * moment of the machine hits the whole and the parts alike.
 */
async function pipelinePass(items: readonly Item[], pipeline: CompiledPipeline, sample?: { every: number; offset: number; parts: Parts }): Promise<number> {
  const pseudonymize = createPseudonymizer(SECRET);
  const samplePseudonymize = createPseudonymizer(SECRET);
  let extra = 0;
  let ready = 0;
  const t = performance.now();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const t0 = performance.now();
    const { result } = await processPerson(item, pipeline, { pseudonymize });
    if (result.status === 'ready') ready++;
    if (!sample || i % sample.every !== sample.offset) continue;
    const t1 = performance.now();
    const mapped = (await pipeline.mapping.evaluate(item.record, pipeline.bindings)) ?? {};
    const t2 = performance.now();
    const key = await pipeline.key.evaluate(item.record);
    if (typeof key === 'string') samplePseudonymize(key.trim());
    const consent = await applyConsent(JSON.parse(JSON.stringify(mapped)) as Record<string, unknown>, item.record, pipeline.consent);
    const t3 = performance.now();
    if (Object.keys(consent.profile).length > 0) pipeline.validateProfile(consent.profile);
    const t4 = performance.now();
    const p = sample.parts;
    p.persons++;
    p.pipeline += t1 - t0;
    p.jsonata += t2 - t1;
    p.consent += t3 - t2;
    p.validate += t4 - t3;
    extra += t4 - t1;
  }
  if (ready < 0) throw new Error('unreachable');
  return items.length / ((performance.now() - t - extra) / 1000);
}

function handwrittenPass(items: readonly Item[], ctx: Omit<ProcessContext, 'pseudonymize'>): void {
  const run: ProcessContext = { ...ctx, pseudonymize: createPseudonymizer(SECRET) };
  let ready = 0;
  for (const item of items) if (processJsonResume(item, run).status === 'ready') ready++;
  if (ready < 0) throw new Error('unreachable');
}

async function main(): Promise<number> {
  const started = performance.now();
  const o = parseOptions(process.argv.slice(2));
  let exitCode = 0;
  out(`tmt-import bench (node ${process.version}, ${cpus().length} cpus)`);

  // Persons.
  let t = performance.now();
  // One stream of persons: the first `persons` for the pipeline section, the first `e2ePersons` for the run.
  const generated = generatePersons(Math.max(o.persons, o.e2e ? o.e2ePersons : 0), o.seed);
  const records = generated.slice(0, o.persons);
  const items: Item[] = records.map((record, i) => ({ origin: `generated.ndjson:${i + 1}`, record }));
  const avgKB = records.reduce((n, r) => n + JSON.stringify(r).length, 0) / records.length / 1024;
  note(`generated ${generated.length} persons (seed ${o.seed}, ${avgKB.toFixed(1)} KB of JSON each on average) in ${duration(performance.now() - t)}`);

  // The real pipeline, and the same work by hand.
  const { pipeline, issues } = await loadPipeline(PIPELINE, { config: resolveConfig({}, REPO_ROOT), cwd: REPO_ROOT });
  if (!pipeline || hasErrors(issues)) {
    out(`cannot load ${PIPELINE}: ${issues.map((i) => `${i.code} ${i.message}`).join('; ')}`);
    return 1;
  }
  const map = createJsonResumeMapper({ tables: loadHandwrittenTables(REPO_ROOT), language: pipeline.spec.mapping.language ?? 'en' });
  const hand = { map, validateProfile: createProfileValidator() };

  // Equality on a sample, before any timing: the baseline must do the same work.
  const checkPseudonyms = createPseudonymizer(SECRET);
  const handCheck: ProcessContext = { ...hand, pseudonymize: createPseudonymizer(SECRET) };
  let sampled = 0;
  for (let i = 0; i < items.length; i += o.sampleEvery) {
    const item = items[i]!;
    const jsonata = JSON.parse(JSON.stringify((await pipeline.mapping.evaluate(item.record, pipeline.bindings)) ?? {})) as unknown;
    const mapDiff = firstDifference(jsonata, map(item.record));
    const a: PersonResult = (await processPerson(item, pipeline, { pseudonymize: checkPseudonyms })).result;
    const b = processJsonResume(item, handCheck);
    const resultDiff = firstDifference(comparableResult(a), comparableResult(b));
    if (mapDiff !== undefined || resultDiff !== undefined) {
      out(`NOT EQUAL: person ${i} (seed ${o.seed}) differs: ${mapDiff !== undefined ? `mapping ${mapDiff}` : `result ${resultDiff}`}`);
      return 1;
    }
    sampled++;
  }
  out(`equal on ${sampled} sampled persons (every ${o.sampleEvery}th: mapping output and person result)`);

  // Warm-up: both sides get their code optimized before anything is timed.
  note('warming up');
  await pipelinePass(items.slice(0, Math.min(items.length, 500)), pipeline);
  handwrittenPass(items, hand);
  handwrittenPass(items, hand);

  // Interleaved runs, so that a busy moment of the machine hits both sides alike.
  const pipelineRates: number[] = [];
  const handRates: number[] = [];
  const parts: Parts = { persons: 0, pipeline: 0, jsonata: 0, consent: 0, validate: 0 };
  const partsEvery = 5;
  for (let r = 1; r <= o.runs; r++) {
    note(`run ${r}/${o.runs}: pipeline over ${items.length} persons (every ${partsEvery}th also timed by parts), then hand-written`);
    pipelineRates.push(await pipelinePass(items, pipeline, { every: partsEvery, offset: (r - 1) % partsEvery, parts }));
    handRates.push(await timed(items.length, () => handwrittenPass(items, hand)));
  }
  const pipelineRate = median(pipelineRates);
  const handRate = median(handRates);

  // The hand-written side by parts: its mapping alone, the validator alone (tight loops).
  const handMapRates: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    handMapRates.push(await timed(items.length, () => {
      for (const item of items) map(item.record);
    }));
  }
  const profiles: unknown[] = [];
  {
    const ctx: ProcessContext = { ...hand, pseudonymize: createPseudonymizer(SECRET) };
    for (const item of items) {
      const p = processJsonResume(item, ctx).profile;
      if (p !== undefined) profiles.push(p);
    }
  }
  const validateRates: number[] = [];
  for (let r = 0; r <= o.runs; r++) {
    const rateOfPass = await timed(items.length, () => {
      for (const p of profiles) hand.validateProfile(p);
    });
    if (r > 0) validateRates.push(rateOfPass); // the first pass warms the validator up
  }
  const handMapRate = median(handMapRates);
  const us = (personsPerSecond: number) => (1e6 / personsPerSecond).toFixed(0);
  const perPerson = (ms: number) => ((ms * 1000) / parts.persons).toFixed(0);
  const jsonataRate = (parts.persons * 1000) / parts.jsonata;

  row('map+consent+validate', 'pipeline', `${rate(pipelineRate)} persons/s   (median of ${o.runs}, ${o.persons} persons)`);
  row('', 'hand-written', `${rate(handRate)} persons/s`);
  row('', 'ratio', `${ratio(pipelineRate / handRate)}× of hand-written (hand-written is ${(handRate / pipelineRate).toFixed(1)}× faster)`);
  row('', 'jsonata only', `${rate(jsonataRate)} persons/s   (the compiled mapping alone)`);
  row('', 'hand map only', `${rate(handMapRate)} persons/s`);
  row('µs per person', 'pipeline', `${perPerson(parts.pipeline).padStart(6)}   = jsonata mapping ${perPerson(parts.jsonata)} + key, copy, consent rules ${perPerson(parts.consent)} + validate ${perPerson(parts.validate)}   (${parts.persons} persons timed by parts)`);
  row('', 'hand-written', `${us(handRate).padStart(6)}   parts alone (tight loops): mapping ${us(handMapRate)}, validate ${us(median(validateRates))}`);

  // A real run into the sandbox, and the bare sends as its floor.
  if (o.e2e) {
    t = performance.now();
    note(`end-to-end: runPipeline over ${o.e2ePersons} persons into an in-process sandbox, then the floor`);
    let e2e: EndToEndResult | undefined;
    try {
      e2e = await runEndToEnd({ pipelineFile: PIPELINE, records: generated.slice(0, o.e2ePersons), concurrency: E2E_CONCURRENCY, workers: o.e2eWorkers, floorPasses: FLOOR_PASSES, pseudonymSecret: SECRET, note });
    } catch (e) {
      out(`end-to-end run          FAILED: ${e instanceof Error ? e.message : String(e)}`);
      exitCode = 1;
    }
    if (e2e) {
      if (reportEndToEnd(e2e, o, pipelineRate, jsonataRate)) exitCode = 1;
      note(`  end-to-end took ${duration(performance.now() - t)} (setup ${duration(e2e.setupSeconds * 1000)})`);
    }
  }
  generated.length = 0;

  // Peak memory of a large NDJSON preview, in a child process of its own.
  if (o.preview) {
    const dir = mkdtempSync(join(tmpdir(), 'tmt-import-bench-'));
    try {
      const file = join(dir, 'persons.ndjson');
      t = performance.now();
      note(`writing ${o.previewPersons} persons as NDJSON to ${file}`);
      await writePersonsNdjson(file, o.previewPersons, o.seed);
      const sizeMB = statSync(file).size / (1 << 20);
      note(`  ${sizeMB.toFixed(0)} MB in ${duration(performance.now() - t)}; previewing in a child process (about ${duration((o.previewPersons / pipelineRate) * 1000)} at the pipeline's rate)`);
      // A child that takes four times longer than the in-process rate predicts has a problem: stop it.
      const limitMs = Math.max(120_000, (4 * o.previewPersons * 1000) / pipelineRate);
      const child = await runChild(file, limitMs);
      if (!child.report) {
        out(`preview ${o.previewPersons} NDJSON  FAILED: ${child.error}`);
        exitCode = 1;
      } else {
        const peakMB = child.report.maxRssKB / 1024;
        const over = peakMB > RSS_BUDGET_MB;
        if (over) exitCode = 1;
        const label = `preview ${o.previewPersons} NDJSON`;
        out(`${label.padEnd(LABEL)}peak RSS ${peakMB.toFixed(0)} MB (budget ${RSS_BUDGET_MB} MB: ${over ? 'OVER BUDGET' : 'OK'})   ${Math.round(child.report.rate)} persons/s`);
        row('', 'vs pipeline', `${ratio(child.report.rate / pipelineRate)}× of the in-process pipeline rate (measured minutes apart: the machine's load may differ)`);
        row('', 'memory', `RSS after loading the pipeline ${(child.report.rssAfterLoadKB / 1024).toFixed(0)} MB; NDJSON file ${sizeMB.toFixed(0)} MB`);
        const s = child.report.byStatus;
        row('', 'persons', `${child.report.persons} (ready ${s.ready ?? 0}, skipped ${s.skipped ?? 0}, invalid ${s.invalid ?? 0}) in ${duration(child.report.seconds * 1000)}`);
        if (child.report.persons !== o.previewPersons) {
          out(`preview read ${child.report.persons} persons, expected ${o.previewPersons}`);
          exitCode = 1;
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Peak memory of the postgres source, in a child process of its own (skips itself without a database).
  if (o.pg) {
    note('postgres source: node dist/bench/pg-memory.js');
    const pg = await runPgMemory();
    if (reportPgMemory(pg)) exitCode = 1;
  }

  out(`total ${duration(performance.now() - started)}`);
  return exitCode;
}

/** Prints the end-to-end section; true when something did not import as it should. */
function reportEndToEnd(r: EndToEndResult, o: Options, pipelineRate: number, jsonataRate: number): boolean {
  let bad = false;
  const floor = median(r.floorRates);
  const b = r.byOutcome;
  const others = Object.entries(b)
    .filter(([k]) => k !== 'imported' && k !== 'skipped' && k !== 'invalid')
    .map(([k, n]) => `, ${k} ${n}`)
    .join('');
  const label = `end-to-end run`;
  const threads = o.e2eWorkers > 0 ? `, ${o.e2eWorkers} mapping threads` : '';
  row(label, 'run', `${rate(r.rate)} persons/s   (${r.persons} persons in ${duration(r.seconds * 1000)}, concurrency ${E2E_CONCURRENCY}${threads}: imported ${b.imported ?? 0}, skipped ${b.skipped ?? 0}, invalid ${b.invalid ?? 0}${others})`);
  row('', 'floor', `${rate(floor)} requests/s (median of ${r.floorRates.length}: ${r.floorRates.map((x) => Math.round(x)).join(', ')}; the same client and sandbox, the ${r.sent} bodies the run sent, fresh tokens)`);
  row('', 'ratio', `${ratio(r.rate / floor)}× of the floor (run persons/s ÷ floor requests/s)`);
  row('', 'vs pipeline', `${ratio(r.rate / pipelineRate)}× of the map+consent+validate pipeline rate above (${r.mappingMs === undefined ? 'mapping in one thread' : 'the mapping bound'})`);
  // Everything runs on one thread (the sandbox is in this process), so the parts add up.
  const usRun = 1e6 / r.rate;
  const usMap = 1e6 / pipelineRate;
  const usSend = ((1e6 / floor) * r.sent) / r.persons;
  const usState = (r.stateMs * 1000) / r.persons;
  const usSource = 1e6 / r.sourceRate;
  const usRest = usRun - usMap - usSend - usState - usSource;
  const parts = `PUT ${usSend.toFixed(0)} (floor × ${r.sent} sent of ${r.persons}) + state store ${usState.toFixed(0)} + NDJSON source ${usSource.toFixed(0)}`;
  if (r.mappingMs === undefined) {
    // Mapping runs in other threads; the main thread still reads, sends, serves the sandbox and writes the state.
    row('', 'µs per person', `${usRun.toFixed(0).padStart(6)}   main thread: ${parts} = ${(usSend + usState + usSource).toFixed(0)}; mapping in ${o.e2eWorkers} threads: ${(usMap / o.e2eWorkers).toFixed(0)} if they scaled perfectly`);
  } else {
    row('', 'µs per person', `${usRun.toFixed(0).padStart(6)}   = map+consent+validate ${usMap.toFixed(0)} (pipeline rate) + ${parts} + rest ${usRest.toFixed(0)} (GC, scheduling)`);
    row('', 'jsonata in run', `${((r.mappingMs * 1000) / r.persons).toFixed(0).padStart(6)}   µs per person, against ${(1e6 / jsonataRate).toFixed(0)} in the pipeline section (wall time of the mapping's calls during the run)`);
  }
  if (r.aborted) {
    out(`end-to-end run aborted: ${r.aborted}`);
    bad = true;
  }
  if (r.persons !== o.e2ePersons) {
    out(`end-to-end run read ${r.persons} persons, expected ${o.e2ePersons}`);
    bad = true;
  }
  if ((b.imported ?? 0) !== r.sent || r.sandboxApplied !== r.sent) {
    out(`end-to-end run sent ${r.sent} profiles: ${b.imported ?? 0} reported imported, ${r.sandboxApplied} applied by the sandbox`);
    bad = true;
  }
  if (r.floorNotImported > 0) {
    out(`floor: ${r.floorNotImported} requests were not imported`);
    bad = true;
  }
  return bad;
}

interface PgMemoryReport {
  rows: number;
  errors: number;
  seconds: number;
  rate: number;
  maxRssMB: number;
  budgetMB: number;
  ok: boolean;
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  timedOut: boolean;
  error?: string;
}

/** Run a bench child (a script in dist/bench) with a time limit; stderr passes through. */
function spawnBenchChild(script: string, args: string[], limitMs: number): Promise<ChildRun> {
  const entry = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, limitMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, timedOut, error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, timedOut });
    });
  });
}

async function runPgMemory(): Promise<{ code: number | null; stdout: string; error?: string }> {
  const r = await spawnBenchChild('./pg-memory.js', [], 600_000);
  const error = r.error ?? (r.timedOut ? 'stopped after 10 minutes' : r.signal ? `killed by ${r.signal}` : undefined);
  return { code: r.code, stdout: r.stdout, ...(error ? { error } : {}) };
}

/** Prints the postgres section; true when it failed or went over its budget. */
function reportPgMemory(r: { code: number | null; stdout: string; error?: string }): boolean {
  const label = 'postgres source';
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let report: PgMemoryReport | undefined;
  try {
    report = JSON.parse(last) as PgMemoryReport;
  } catch {
    report = undefined;
  }
  if (!report) {
    if (r.code === 0 && last !== '') {
      out(`${label.padEnd(LABEL)}${last.replace(/^pg-memory: /, '')}`);
      return false;
    }
    out(`${label.padEnd(LABEL)}FAILED: ${r.error ?? `pg-memory exited with ${r.code}`}${last ? ` (${last})` : ''}`);
    return true;
  }
  out(`${`postgres ${report.rows} rows`.padEnd(LABEL)}peak RSS ${report.maxRssMB} MB (budget ${report.budgetMB} MB: ${report.maxRssMB > report.budgetMB ? 'OVER BUDGET' : 'OK'})   ${report.rate} rows/s`);
  row('', 'rows', `${report.rows} streamed through readPostgresSource in ${duration(report.seconds * 1000)}${report.errors ? `, ${report.errors} errors` : ''}`);
  return !report.ok || r.code !== 0;
}

interface ChildReport {
  persons: number;
  seconds: number;
  rate: number;
  maxRssKB: number;
  rssAfterLoadKB: number;
  byStatus: Record<string, number>;
}

async function runChild(file: string, limitMs: number): Promise<{ report?: ChildReport; error?: string }> {
  const r = await spawnBenchChild('./peak-rss.js', [file], limitMs);
  if (r.error) return { error: r.error };
  if (r.timedOut) return { error: `stopped after ${duration(limitMs)} (much slower than the in-process rate)` };
  if (r.code !== 0) return { error: `the child exited with ${r.code ?? r.signal}` };
  try {
    return { report: JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildReport };
  } catch {
    return { error: 'the child printed no report' };
  }
}

process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
});
