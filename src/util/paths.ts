import { isAbsolute, relative } from 'node:path';

/** A path as shown to the user: relative to the working folder when inside it, else absolute. */
export function userPath(cwd: string, p: string): string {
  const r = relative(cwd, p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}
