/**
 * Obtaining a permit without a browser, for the demo and tests: follow the real redirect chain
 * start → TMT's permit page → callback with got. This only ends in a permit when the permit page
 * approves by itself, as the local sandbox does with auto-approve on (its GET /authorize redirects
 * straight back with a code); TMT's real page needs a person. The permit server, the state check,
 * the token exchange and the store all run exactly as for a person.
 */
import { got } from 'got';

export interface ObtainPermitOptions {
  /** Base URL of a running permit server (RunningPermitServer.url). */
  permitServerUrl: string;
  /** The person's key, as the pipeline's source.key gives it. */
  personKey: string;
  /** Whole-chain timeout (default 30 s). */
  timeoutMs?: number;
}

export interface ObtainPermitResult {
  ok: boolean;
  /** active: a permit was stored; denied: the approval was cancelled or refused; failed: anything else. */
  status: 'active' | 'denied' | 'failed';
  /** HTTP status of the last answer in the chain (0 when none came). */
  httpStatus: number;
}

export async function obtainPermitViaRedirects(o: ObtainPermitOptions): Promise<ObtainPermitResult> {
  const start = new URL('/permits/start', o.permitServerUrl);
  start.searchParams.set('person', o.personKey);
  try {
    const res = await got.get(start, {
      followRedirect: true,
      maxRedirects: 10,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: o.timeoutMs ?? 30_000 },
      responseType: 'text',
    });
    const said = String(res.headers['x-permit-status'] ?? '');
    const status = said === 'active' ? 'active' : said === 'denied' ? 'denied' : 'failed';
    return { ok: status === 'active' && res.statusCode === 200, status, httpStatus: res.statusCode };
  } catch {
    return { ok: false, status: 'failed', httpStatus: 0 };
  }
}
