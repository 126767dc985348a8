/**
 * Secrets (OAuth2 client secret, KIPA subscription key) come only from environment variables
 * whose names the project config gives; never from pipelines or files. Values are never logged.
 */
import { TmtError } from '../errors.js';

/**
 * The value of the environment variable `name`, or TmtError CONFIG_SECRET_MISSING naming the
 * variable (never a value). `what` says what the secret is for, e.g. 'the OAuth2 client secret of
 * environment "test"'. An empty value counts as missing.
 */
export function requireSecret(env: Record<string, string | undefined>, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value.length === 0) {
    throw new TmtError('CONFIG_SECRET_MISSING', `${what}: the environment variable ${name} is not set`, {
      hint: `Export ${name} before running; the project config names it, the value is never read from files.`,
    });
  }
  return value;
}
