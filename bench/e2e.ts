/**
 * The end-to-end part of the benchmark: a real `runPipeline` of the JSON Resume pipeline against
 * the local TMT sandbox (in this process), and next to it the raw floor: the same import client
 * sending the same bodies to the same sandbox with nothing else to do.
 *
 * Setup, not timed: the persons as an NDJSON file in a temp folder, a copy of the shipped pipeline
 * that reads it and targets the sandbox, a sandbox without a practical rate limit, a state folder
 * with one permit per person (a token issued by the sandbox, as an approval would give).
 *
 * Timed: the run (wall time of runPipeline: source, map, consent, validate, permit lookup, state
 * writes, receipts, PUTs); then the floor (PUT only, fresh tokens, the bodies the run sent).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { resolveConfig, type EnvironmentConfig } from '../src/config/project-config.js';
import { createPseudonymizer } from '../src/logging/pseudonym.js';
import { decodeJwtClaims } from '../src/permits/token-exchange.js';
import { hasErrors, loadPipeline, type CompiledPipeline } from '../src/pipeline/load-pipeline.js';
import { processPerson } from '../src/runner/process-person.js';
import { openSource } from '../src/sources/open-source.js';
import { workerMapper, type Mapper } from '../src/runner/mapping-pool.js';
import { runPipeline, type RunOutcome } from '../src/runner/run.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/sandbox-server.js';
import { openSqliteState } from '../src/state/sqlite-state.js';
import type { StateStore } from '../src/state/state-store.js';
import { createImportClient, type ImportClient } from '../src/target/import-client.js';
import { REPO_ROOT } from './generate.js';

const CLIENT_ID = 'bench-organisation';
const CLIENT_SECRET = 'bench-client-secret';
const SUBSCRIPTION_KEY = 'bench-subscription-key';
/** Persons whose profiles warm up the HTTP path (client and sandbox) before anything is timed. */
const WARM_UP_PERSONS = 200;

export interface EndToEndOptions {
  /** The pipeline file the temp copy is made of (relative to the repository root). */
  pipelineFile: string;
  records: ReadonlyArray<Record<string, unknown>>;
  concurrency: number;
  /** Mapping threads for the run (0: in the main thread, runPipeline's default). */
  workers: number;
  /** Timed passes of the floor; the rate is their median. */
  floorPasses: number;
  pseudonymSecret: string;
  note(text: string): void;
}

export interface EndToEndResult {
  persons: number;
  seconds: number;
  /** Persons per second of the run (every person read, whatever the outcome). */
  rate: number;
  byOutcome: Partial<Record<RunOutcome, number>>;
  aborted?: string;
  /** PUTs the run made (one per person that had something to send). */
  sent: number;
  /** Profiles the sandbox applied during the run (204). */
  sandboxApplied: number;
  /** Milliseconds spent inside the state store (SQLite; its calls are synchronous). */
  stateMs: number;
  /** Milliseconds from each call of the JSONata mapping to its result, during the run (undefined with worker threads). */
  mappingMs?: number;
  /** Persons per second of reading the NDJSON source alone (before the run; also warms the file cache). */
  sourceRate: number;
  /** Requests per second of each floor pass. */
  floorRates: number[];
  /** Floor requests that were not answered 204 (over all passes). */
  floorNotImported: number;
  setupSeconds: number;
}

/** The pipeline file with its relative paths made absolute, reading `ndjson` and sending to the sandbox. */
function pipelineCopy(pipelineFile: string, ndjson: string): string {
  const original = resolve(REPO_ROOT, pipelineFile);
  const base = dirname(original);
  const spec = parseYaml(readFileSync(original, 'utf8')) as { source: object; mapping: { file: string; lookups?: Record<string, unknown> }; target?: object };
  spec.source = { ...spec.source, format: 'ndjson', path: ndjson };
  spec.mapping.file = resolve(base, spec.mapping.file);
  const lookups = spec.mapping.lookups ?? {};
  for (const [name, lookup] of Object.entries(lookups)) {
    if (typeof lookup === 'string') lookups[name] = resolve(base, lookup);
    else if (lookup && typeof lookup === 'object' && 'file' in lookup && typeof lookup.file === 'string') lookups[name] = { ...lookup, file: resolve(base, lookup.file) };
  }
  spec.target = { ...spec.target, environment: 'sandbox' };
  return stringifyYaml(spec);
}

/**
 * The state store with the time spent in its calls added up. The SQLite store does its work
 * synchronously (the promise it returns is already settled), so the time of the call is the time
 * of the work.
 */
function timedState(state: StateStore, acc: { ms: number }): StateStore {
  const wrap = <T extends object>(target: T, extra?: Record<PropertyKey, unknown>): T =>
    new Proxy(target, {
      get(t, prop) {
        if (extra && prop in extra) return extra[prop];
        const v = Reflect.get(t, prop, t) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          const s = performance.now();
          try {
            return (v as (...a: unknown[]) => unknown).apply(t, args);
          } finally {
            acc.ms += performance.now() - s;
          }
        };
      },
    });
  return wrap(state, { permits: wrap(state.permits) });
}

async function resetSandbox(sandbox: RunningSandbox): Promise<void> {
  const r = await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`the sandbox reset answered ${r.status}`);
}

/** Sends every body with a fresh token for its person, `concurrency` at a time; requests/s. */
async function floorPass(sandbox: RunningSandbox, client: ImportClient, sends: ReadonlyArray<{ person: string; body: string }>, concurrency: number): Promise<{ rate: number; notImported: number }> {
  await resetSandbox(sandbox);
  const tokens = sends.map((s) => sandbox.issueToken(s.person).access_token);
  let next = 0;
  let notImported = 0;
  const worker = async () => {
    for (let i = next++; i < sends.length; i = next++) {
      const outcome = await client.putProfile(tokens[i]!, sends[i]!.body);
      if (outcome.kind !== 'imported') notImported++;
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rate: sends.length / ((performance.now() - t) / 1000), notImported };
}

export async function runEndToEnd(o: EndToEndOptions): Promise<EndToEndResult> {
  const setupStarted = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'tmt-import-bench-e2e-'));
  let sandbox: RunningSandbox | undefined;
  let state: StateStore | undefined;
  let mapper: Mapper | undefined;
  const clients: ImportClient[] = [];
  try {
    const ndjson = join(dir, 'persons.ndjson');
    writeFileSync(ndjson, o.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    sandbox = await startSandbox({
      port: 0,
      rateLimit: { limit: 1_000_000, windowSeconds: 1 },
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, name: 'Bench Organisation Oy', redirectUris: ['http://127.0.0.1/permits/callback'] }],
      subscriptionKeys: [SUBSCRIPTION_KEY],
    });
    const config = resolveConfig(
      { stateDir: 'state', environments: { sandbox: { baseUrl: sandbox.url, tokenUrl: `${sandbox.url}/v1/request-token`, authorizeUrl: `${sandbox.url}/authorize`, clientId: CLIENT_ID } } },
      dir,
    );
    const environment: EnvironmentConfig = config.environments.sandbox!;
    const pipelineFile = join(dir, 'jsonresume-files.pipeline.yaml');
    writeFileSync(pipelineFile, pipelineCopy(o.pipelineFile, ndjson));
    const { pipeline, issues } = await loadPipeline(pipelineFile, { config, cwd: dir });
    if (!pipeline || hasErrors(issues)) throw new Error(`cannot load the copy of ${o.pipelineFile}: ${issues.map((i) => `${i.code} ${i.message}`).join('; ')}`);
    if (pipeline.environmentName !== 'sandbox') throw new Error(`the copy of ${o.pipelineFile} targets ${pipeline.environmentName}, not the sandbox`);

    // A permit per person, straight from the sandbox (the token an approval would give).
    state = await openSqliteState(config.stateDir);
    const pseudonymize = createPseudonymizer(o.pseudonymSecret);
    let permits = 0;
    for (const record of o.records) {
      const key = await personKey(pipeline, record);
      if (key === undefined) continue;
      const person = pseudonymize(key);
      const t = sandbox.issueToken(person);
      await state.permits.add({ person, environment: 'sandbox', token: t.access_token, jti: t.jti, expiresAt: new Date(Date.now() + t.expires_in * 1000).toISOString() });
      permits++;
    }
    o.note(`  e2e setup: ${o.records.length} persons as NDJSON, ${permits} permits in a temp state folder, sandbox at ${sandbox.url}`);

    const newClient = () => {
      const c = createImportClient({ environmentName: 'sandbox', environment, subscriptionKey: SUBSCRIPTION_KEY, maxSockets: o.concurrency });
      clients.push(c);
      return c;
    };

    // Warm-up of the HTTP path (client and sandbox): a few profiles with throwaway tokens.
    const warmUp: Array<{ person: string; body: string }> = [];
    for (let i = 0; i < Math.min(WARM_UP_PERSONS, o.records.length); i++) {
      const { result } = await processPerson({ origin: `warm-up:${i + 1}`, record: o.records[i]! }, pipeline, { pseudonymize });
      if (result.status === 'ready' && result.person && result.profile) warmUp.push({ person: result.person, body: JSON.stringify(result.profile) });
    }
    const floorClient = newClient();
    await floorPass(sandbox, floorClient, warmUp, o.concurrency);
    await resetSandbox(sandbox);
    // Mapping threads start before the run, as `tmt-import run` starts them before runPipeline.
    if (o.workers > 0) mapper = await workerMapper({ pipelineFile, cwd: dir, config, env: process.env, pseudonymSecret: o.pseudonymSecret, assumeConsent: false }, o.workers);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // The source alone: reading and parsing the NDJSON file.
    let read = 0;
    const sourceStarted = performance.now();
    for await (const item of openSource(pipeline.spec.source, { baseDir: pipeline.dir, cwd: dir }).items) if (item.record !== undefined) read++;
    const sourceRate = read / ((performance.now() - sourceStarted) / 1000);

    // The run. The client is the real one; the wrapper only keeps what was sent, for the floor.
    const runClient = newClient();
    const sent: Array<{ token: string; body: string }> = [];
    const recording: ImportClient = {
      url: runClient.url,
      putProfile(token, body) {
        sent.push({ token, body });
        return runClient.putProfile(token, body);
      },
      close: () => runClient.close(),
    };
    const stateTime = { ms: 0 };
    // The mapping's calls timed from call to result (JSONata awaits only settled promises, so
    // little else runs in between).
    const mappingTime = { ms: 0 };
    const mapping = pipeline.mapping;
    const timedPipeline: CompiledPipeline = {
      ...pipeline,
      mapping: {
        async evaluate(input, bindings) {
          const s = performance.now();
          try {
            return await mapping.evaluate(input, bindings);
          } finally {
            mappingTime.ms += performance.now() - s;
          }
        },
      },
    };
    o.note(`  e2e run: ${o.records.length} persons, concurrency ${o.concurrency}, ${o.workers > 0 ? `${o.workers} mapping threads` : 'mapping in the main thread'}`);
    const t = performance.now();
    const report = await runPipeline({
      runId: `bench-${randomBytes(4).toString('hex')}`,
      pipeline: timedPipeline,
      environmentName: 'sandbox',
      environment,
      state: timedState(state, stateTime),
      client: recording,
      pseudonymize,
      cwd: dir,
      concurrency: o.concurrency,
      ...(mapper ? { mapper } : {}),
    });
    const seconds = (performance.now() - t) / 1000;
    const sandboxApplied = sandbox.imports().filter((i) => i.status === 204).length;

    // The floor: the same bodies, fresh tokens for the same persons, an emptied sandbox.
    const sends = sent.map((s) => ({ person: decodeJwtClaims(s.token)?.sub ?? '', body: s.body }));
    const floorRates: number[] = [];
    let floorNotImported = 0;
    for (let pass = 1; pass <= o.floorPasses; pass++) {
      o.note(`  e2e floor ${pass}/${o.floorPasses}: ${sends.length} PUTs of the bodies the run sent, concurrency ${o.concurrency}`);
      const f = await floorPass(sandbox, floorClient, sends, o.concurrency);
      floorRates.push(f.rate);
      floorNotImported += f.notImported;
    }
    return {
      persons: report.persons,
      seconds,
      rate: report.persons / seconds,
      byOutcome: report.byOutcome,
      ...(report.aborted ? { aborted: `${report.aborted.code}: ${report.aborted.message}` } : {}),
      sent: sent.length,
      sandboxApplied,
      stateMs: stateTime.ms,
      ...(mapper ? {} : { mappingMs: mappingTime.ms }),
      sourceRate,
      floorRates,
      floorNotImported,
      setupSeconds,
    };
  } finally {
    for (const c of clients) c.close();
    await mapper?.close();
    await state?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The person key as processPerson reads it (trimmed; a string or a finite number). */
async function personKey(pipeline: CompiledPipeline, record: Record<string, unknown>): Promise<string | undefined> {
  try {
    const k = (await pipeline.key.evaluate(record)) as unknown;
    if ((typeof k === 'string' && k.trim() !== '') || (typeof k === 'number' && Number.isFinite(k))) return String(k).trim();
  } catch {
    /* no key: the run reports the person invalid */
  }
  return undefined;
}
