/** What every sandbox route handler works with. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import type { ProfileValidator } from '../profile/validate-profile.js';
import type { FaultPlan } from './faults.js';
import type { RequestTarget } from './http-io.js';
import type { FixedWindowLimiter } from './rate-limit.js';
import type { SandboxState } from './sandbox-state.js';

export interface SandboxContext {
  state: SandboxState;
  faults: FaultPlan;
  limiter: FixedWindowLimiter;
  validator: ProfileValidator;
  logger: Logger;
  now: () => number;
  /** Waits `ms`; resolves false when the sandbox closed meanwhile. */
  sleep(ms: number): Promise<boolean>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, ctx: SandboxContext, params: string[]) => Promise<void> | void;

/** Realm named in WWW-Authenticate challenges. */
export const REALM = 'tmt-sandbox';
