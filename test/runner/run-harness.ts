/** A real sandbox, a real permit server and store, and the simple fixture project, all on loopback. */
import { join } from 'node:path';
import { resolveConfig, type ProjectConfig } from '../../src/config/project-config.js';
import { createPseudonymizer, type Pseudonymizer } from '../../src/logging/pseudonym.js';
import { obtainPermitViaRedirects } from '../../src/permits/auto-approve.js';
import { startPermitServer, type RunningPermitServer } from '../../src/permits/permit-server.js';
import type { PermitStore } from '../../src/permits/permit-store.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/sandbox-server.js';
import { openSqliteState } from '../../src/state/sqlite-state.js';
import type { StateStore } from '../../src/state/state-store.js';
import { tempDir } from '../helpers.js';
import { simpleProject, writeFiles, type FixtureFiles } from '../fixtures.js';

export const CLIENT_SECRET = 'client-secret-for-tests';
export const SUBSCRIPTION_KEY = 'subscription-key-for-tests';
export const PSEUDONYM_SECRET = 'pseudonym-secret-for-tests';

export interface Harness {
  dir: string;
  sandbox: RunningSandbox;
  config: ProjectConfig;
  env: Record<string, string>;
  /** The state database the permit server writes to (as a run in another process would open it). */
  state: StateStore;
  /** state.permits */
  store: PermitStore;
  permitServer: RunningPermitServer;
  pseudonymize: Pseudonymizer;
  grant(key: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(o: { files?: FixtureFiles; sandbox?: SandboxOptions } = {}): Promise<Harness> {
  const t = tempDir();
  simpleProject(t.dir, o.files ?? {});
  const sandbox = await startSandbox({
    port: 0,
    autoApprove: true,
    clients: [{ clientId: 'tmt-import-sandbox', clientSecret: CLIENT_SECRET, name: 'Test Organisation Oy', redirectUris: ['http://127.0.0.1/permits/callback'] }],
    subscriptionKeys: [SUBSCRIPTION_KEY],
    ...o.sandbox,
  });
  const environments = { sandbox: { baseUrl: sandbox.url, tokenUrl: `${sandbox.url}/v1/request-token`, authorizeUrl: `${sandbox.url}/authorize` } };
  writeFiles(t.dir, {
    'tmt-import.config.yaml': `stateDir: .state\nlogLevel: warn\nenvironments:\n  sandbox:\n    baseUrl: ${sandbox.url}\n    tokenUrl: ${sandbox.url}/v1/request-token\n    authorizeUrl: ${sandbox.url}/authorize\n`,
  });
  const config = resolveConfig({ stateDir: '.state', environments }, t.dir);
  const env = { TMT_SANDBOX_CLIENT_SECRET: CLIENT_SECRET, TMT_SANDBOX_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY, TMT_IMPORT_PSEUDONYM_SECRET: PSEUDONYM_SECRET };
  const state = await openSqliteState(config.stateDir);
  const store = state.permits;
  const pseudonymize = createPseudonymizer(PSEUDONYM_SECRET);
  const permitServer = await startPermitServer({ config, environment: 'sandbox', env, store, pseudonymize, port: 0, sweepEveryMs: 0 });
  return {
    dir: t.dir,
    sandbox,
    config,
    env,
    state,
    store,
    permitServer,
    pseudonymize,
    async grant(key: string) {
      const r = await obtainPermitViaRedirects({ permitServerUrl: permitServer.url, personKey: key });
      return r.status;
    },
    async close() {
      await permitServer.close();
      await state.close();
      await sandbox.close();
      t.cleanup();
    },
  };
}

export function stateDirOf(h: Harness): string {
  return join(h.dir, '.state');
}
