/** Drive the CLI in-process with captured output. */
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; tty?: boolean }): Promise<CliResult> {
  const capture = () => {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('utf8')));
    if (options.tty) {
      s.isTTY = true;
      s.columns = 100;
    }
    return { s, text: () => text };
  };
  const out = capture();
  const err = capture();
  const code = await main(args, { cwd: options.cwd, env: options.env ?? {}, stdout: out.s, stderr: err.s });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}
