/** Exit codes: the scheduler's contract. Listed in the README; only the CLI sets them. */
export const EXIT = {
  /** Everything done; every person processed as expected. */
  OK: 0,
  /** Configuration or usage error: bad pipeline, config, flags. Nothing was processed. */
  CONFIG: 1,
  /** Finished, but some persons failed (invalid, refused) or some mapping tests failed. */
  PARTIAL: 2,
  /** The run was aborted (too many failures, credentials refused, interrupted). */
  ABORTED: 3,
  /** Another run of the same pipeline holds the lock. */
  LOCKED: 4,
  /** A bug in tmt-import. */
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
