/**
 * Progress on a terminal: done/total, rate and time left, redrawn in place on stderr at most a few
 * times a second. Silent when stderr is not a terminal (cron), with --json or --quiet.
 */
import type { CliIO } from './io.js';

export interface Progress {
  update(done: number, total: number | undefined): void;
  done(): void;
}

const NOOP: Progress = { update() {}, done() {} };

export function createProgress(io: CliIO, label: string, enabled: boolean, now: () => number = () => performance.now()): Progress {
  if (!enabled || !io.stderr.isTTY) return NOOP;
  const started = now();
  let last = 0;
  let drawn = false;
  const draw = (done: number, total: number | undefined) => {
    const secs = (now() - started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const parts = [`${label} ${done}${total !== undefined ? `/${total}` : ''}`];
    if (total) parts.push(`${Math.floor((100 * done) / total)}%`);
    parts.push(`${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/s`);
    if (total && rate > 0 && done < total) parts.push(`${formatDuration((total - done) / rate)} left`);
    io.stderr.write(`\r\x1b[2K${parts.join('  ')}`);
    drawn = true;
  };
  return {
    update(done, total) {
      const t = now();
      if (t - last < 150 && !(total !== undefined && done >= total)) return;
      last = t;
      draw(done, total);
    },
    done() {
      if (drawn) io.stderr.write('\r\x1b[2K');
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
