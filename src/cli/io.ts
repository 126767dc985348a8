/** What a command may touch of the outside world: injected, so tests drive the CLI in-process. */
export interface CliIO {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  cwd: string;
}

export interface Style {
  color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** Colours only on a terminal, never with NO_COLOR (any value) or --no-color; FORCE_COLOR forces them. */
export function makeStyle(io: CliIO, stream: 'stdout' | 'stderr', noColorFlag = false): Style {
  const s = io[stream];
  const color = !noColorFlag && !('NO_COLOR' in io.env && io.env.NO_COLOR !== undefined) && (io.env.FORCE_COLOR ? io.env.FORCE_COLOR !== '0' : Boolean(s.isTTY) && io.env.TERM !== 'dumb');
  const wrap = (open: string, close: string) => (t: string) => (color ? `\x1b[${open}m${t}\x1b[${close}m` : t);
  return { color, bold: wrap('1', '22'), dim: wrap('2', '22'), red: wrap('31', '39'), green: wrap('32', '39'), yellow: wrap('33', '39'), cyan: wrap('36', '39') };
}
