/**
 * A fixed-window rate limit per subscription key, as an API gateway applies it. A key's window
 * opens with its first request and lasts `windowSeconds`; the answer carries the numbers for the
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers.
 */
import type { RateLimitSettings } from './types.js';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window closes (at least 1). */
  resetSeconds: number;
}

interface Window {
  start: number;
  count: number;
}

/** Windows kept before closed ones are swept. */
const SWEEP_AT = 10_000;

export class FixedWindowLimiter {
  private settings: RateLimitSettings;
  private readonly windows = new Map<string, Window>();

  constructor(settings: RateLimitSettings, private readonly now: () => number) {
    this.settings = { ...settings };
  }

  get current(): RateLimitSettings {
    return { ...this.settings };
  }

  /** New settings apply at once; every window starts afresh. */
  configure(settings: RateLimitSettings): void {
    this.settings = { ...settings };
    this.windows.clear();
  }

  reset(): void {
    this.windows.clear();
  }

  /** Counts one request for `key`. */
  take(key: string): RateLimitDecision {
    const now = this.now();
    const windowMs = this.settings.windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || now >= w.start + windowMs || now < w.start) {
      if (!w && this.windows.size >= SWEEP_AT) this.sweep(now, windowMs);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    const { limit } = this.settings;
    if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    w.count += 1;
    return { allowed: true, limit, remaining: limit - w.count, resetSeconds };
  }

  private sweep(now: number, windowMs: number): void {
    for (const [k, w] of this.windows) if (now >= w.start + windowMs) this.windows.delete(k);
  }
}

export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  return { 'RateLimit-Limit': String(d.limit), 'RateLimit-Remaining': String(d.remaining), 'RateLimit-Reset': String(d.resetSeconds) };
}
