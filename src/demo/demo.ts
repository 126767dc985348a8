/**
 * The demo behind `npm start`: a complete import into a local TMT sandbox, through the real code
 * paths. It starts the sandbox in-process (auto-approve on), obtains a permit for every example
 * person through the organisation's permit server (start → authorize → callback → token
 * exchange → store), runs the pipeline, and reports what the sandbox now holds.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ProjectConfig } from '../config/project-config.js';
import { TmtError } from '../errors.js';
import { obtainPermitViaRedirects } from '../permits/auto-approve.js';
import { startPermitServer, type RunningPermitServer } from '../permits/permit-server.js';
import { hasErrors, loadPipeline } from '../pipeline/load-pipeline.js';
import { runPipeline, type RunPersonResult, type RunReport } from '../runner/run.js';
import { startSandbox, type RunningSandbox } from '../sandbox/sandbox-server.js';
import { openSource } from '../sources/open-source.js';
import { openSqliteState } from '../state/sqlite-state.js';
import type { StateStore } from '../state/state-store.js';
import { createImportClient } from '../target/import-client.js';

export interface DemoOptions {
  pipelineFile: string;
  cwd: string;
  config: ProjectConfig;
  logger: Logger;
  runId: string;
  /** Where the demo keeps its state (permits, runs, receipts). */
  stateDir: string;
  pseudonymize: (key: string) => string;
  concurrency?: number;
  /** Called with progress text for the person watching. */
  say(line: string): void;
  onPerson?(r: RunPersonResult): void;
  /** Keep the sandbox open after the run (until the returned close() is called). */
  keepOpen?: boolean;
}

export interface DemoResult {
  report: RunReport;
  permitsGranted: number;
  permitsFailed: number;
  sandboxUrl: string;
  /** Persons (sandbox ids) with a stored profile, and their sections. */
  held: Array<{ person: string; sections: string[] }>;
  close(): Promise<void>;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const clientSecret = randomBytes(18).toString('base64url');
  const subscriptionKey = randomBytes(18).toString('base64url');
  const clientId = o.config.environments.sandbox?.clientId ?? 'tmt-import-sandbox';
  // The demo's own state folder, kept so that its receipts can be verified afterwards.
  const stateDir = o.stateDir;
  let sandbox: RunningSandbox | undefined;
  let permitServer: RunningPermitServer | undefined;
  let state: StateStore | undefined;
  const cleanup = async () => {
    await permitServer?.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    await state?.close().catch(() => undefined);
  };
  try {
    sandbox = await startSandbox({
      port: 0,
      autoApprove: true,
      clients: [{ clientId, clientSecret, name: 'tmt-import demo organisation', redirectUris: ['http://127.0.0.1/permits/callback'] }],
      subscriptionKeys: [subscriptionKey],
      rateLimit: { limit: 10_000, windowSeconds: 1 },
      logger: o.logger.child({ component: 'sandbox' }),
    });
    o.say(`Sandbox (a local stand-in for TMT) listening on ${sandbox.url}`);
    const sandboxEnv = { ...o.config.environments.sandbox!, baseUrl: sandbox.url, tokenUrl: `${sandbox.url}/v1/request-token`, authorizeUrl: `${sandbox.url}/authorize`, clientId };
    const config: ProjectConfig = { ...o.config, stateDir, environments: { ...o.config.environments, sandbox: sandboxEnv } };
    const env = { [sandboxEnv.clientSecretEnv]: clientSecret, [sandboxEnv.subscriptionKeyEnv]: subscriptionKey };
    const pseudonymize = o.pseudonymize;

    const { pipeline, issues } = await loadPipeline(o.pipelineFile, { config, cwd: o.cwd });
    if (!pipeline || hasErrors(issues)) throw TmtError.fromIssues(issues.filter((i) => i.severity === 'error'));
    if (pipeline.environmentName !== 'sandbox') throw new TmtError('CLI_USAGE', `the demo imports into the sandbox; ${pipeline.displayFile} targets "${pipeline.environmentName}"`);

    state = await openSqliteState(stateDir);
    const store = state.permits;
    permitServer = await startPermitServer({ config, environment: 'sandbox', env, store, pseudonymize, port: 0, logger: o.logger.child({ component: 'permits' }) });
    o.say(`Permit server (the organisation's side) listening on ${permitServer.url}`);

    // Every example person approves an import: the real permit flow, with the sandbox approving.
    let granted = 0;
    let failed = 0;
    for await (const item of openSource(pipeline.spec.source, { baseDir: pipeline.dir, cwd: o.cwd }).items) {
      if (item.record === undefined) continue;
      const key = await pipeline.key.evaluate(item.record).catch(() => undefined);
      if (typeof key !== 'string' || key === '') continue;
      const r = await obtainPermitViaRedirects({ permitServerUrl: permitServer.url, personKey: key });
      if (r.ok) granted++;
      else failed++;
    }
    o.say(`Permits obtained through start → authorize → callback → token exchange: ${granted}${failed ? ` (${failed} failed)` : ''}`);

    const client = createImportClient({ environmentName: 'sandbox', environment: sandboxEnv, subscriptionKey, maxSockets: o.concurrency ?? 4, logger: o.logger });
    let report: RunReport;
    try {
      report = await runPipeline({
        runId: o.runId,
        pipeline,
        environmentName: 'sandbox',
        environment: sandboxEnv,
        state,
        client,
        pseudonymize,
        cwd: o.cwd,
        concurrency: o.concurrency ?? 4,
        logger: o.logger,
        ...(o.onPerson ? { onPerson: o.onPerson } : {}),
      });
    } finally {
      client.close();
    }
    const held = [...new Set(sandbox.imports().filter((i) => i.status === 204).map((i) => i.personId))].map((person) => ({ person, sections: Object.keys(sandbox!.profile(person) ?? {}) }));
    const result: DemoResult = { report, permitsGranted: granted, permitsFailed: failed, sandboxUrl: sandbox.url, held, close: cleanup };
    if (!o.keepOpen) await cleanup();
    return result;
  } catch (e) {
    await cleanup();
    throw e;
  }
}
