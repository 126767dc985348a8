/**
 * The schema of the SQLite state database, as an ordered list of migrations. Migration N takes the
 * database from `PRAGMA user_version` N-1 to N; each is applied in one transaction together with
 * the new user_version, so a database is always at one whole version. Never edit a migration that
 * was released: add the next one.
 */

/** "TMTI": marks the file as a tmt-import state database (PRAGMA application_id). */
export const APPLICATION_ID = 0x544d5449;

export interface Migration {
  version: number;
  description: string;
  steps: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'permits, tokens, runs, outcomes, receipts, dead letters',
    steps: [
      `CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID`,

      // One row per permit obtained (or failed to obtain). Times are ISO-8601 UTC strings from
      // Date#toISOString, so they compare correctly as text. The rowid keeps insertion order.
      `CREATE TABLE permits (
        id          TEXT PRIMARY KEY,
        person      TEXT NOT NULL,
        environment TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('active', 'in-flight', 'spent', 'expired', 'denied', 'failed')),
        jti         TEXT,
        obtained_at TEXT NOT NULL,
        expires_at  TEXT,
        reason      TEXT,
        outcome     TEXT,
        run_id      TEXT,
        updated_at  TEXT NOT NULL
      )`,
      `CREATE INDEX permits_by_person ON permits (person, environment, obtained_at)`,
      `CREATE INDEX permits_by_status ON permits (status, expires_at)`,

      // The secret apart from the record, and only while the permit can be used: the row is deleted
      // when the permit is spent, expires or is purged (secure_delete overwrites it on disk).
      `CREATE TABLE permit_tokens (
        permit_id TEXT PRIMARY KEY REFERENCES permits (id) ON DELETE CASCADE,
        token     TEXT NOT NULL
      ) WITHOUT ROWID`,

      `CREATE TABLE runs (
        run_id        TEXT PRIMARY KEY,
        pipeline      TEXT NOT NULL,
        pipeline_hash TEXT NOT NULL,
        environment   TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'aborted')),
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        summary       TEXT
      )`,
      `CREATE INDEX runs_by_pipeline ON runs (pipeline, environment, status, started_at)`,
      `CREATE INDEX runs_by_start ON runs (started_at)`,

      // The latest outcome of each person in each run.
      `CREATE TABLE person_outcomes (
        run_id    TEXT NOT NULL,
        person    TEXT NOT NULL,
        origin    TEXT NOT NULL,
        outcome   TEXT NOT NULL,
        reason    TEXT,
        status    INTEGER,
        permit_id TEXT,
        jti       TEXT,
        at        TEXT NOT NULL,
        PRIMARY KEY (run_id, person)
      ) WITHOUT ROWID`,
      `CREATE INDEX person_outcomes_in_flight ON person_outcomes (run_id) WHERE outcome = 'in-flight'`,
      `CREATE INDEX person_outcomes_by_person ON person_outcomes (person, at)`,

      // The audit chain: append-only (the triggers refuse changes), each row linked to the one before.
      `CREATE TABLE receipts (
        seq           INTEGER PRIMARY KEY,
        receipt_id    TEXT NOT NULL UNIQUE,
        run_id        TEXT NOT NULL,
        pipeline      TEXT NOT NULL,
        pipeline_hash TEXT NOT NULL,
        environment   TEXT NOT NULL,
        person        TEXT NOT NULL,
        jti           TEXT,
        sections_sent TEXT NOT NULL,
        withheld      TEXT NOT NULL,
        http_status   INTEGER,
        outcome       TEXT NOT NULL,
        at            TEXT NOT NULL,
        prev_hash     TEXT NOT NULL,
        hash          TEXT NOT NULL
      )`,
      `CREATE INDEX receipts_by_person ON receipts (person, seq)`,
      `CREATE TRIGGER receipts_no_update BEFORE UPDATE ON receipts BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END`,
      `CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END`,

      `CREATE TABLE dead_letters (
        id          TEXT PRIMARY KEY,
        run_id      TEXT NOT NULL,
        pipeline    TEXT NOT NULL,
        environment TEXT NOT NULL,
        person      TEXT NOT NULL,
        origin      TEXT NOT NULL,
        reason      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        payload     TEXT,
        status      TEXT NOT NULL CHECK (status IN ('open', 'retried', 'resolved')),
        resolved_at TEXT,
        resolution  TEXT
      )`,
      `CREATE INDEX dead_letters_by_pipeline ON dead_letters (pipeline, status, created_at)`,
      `CREATE INDEX dead_letters_by_status ON dead_letters (status, created_at)`,
      `CREATE INDEX dead_letters_by_person ON dead_letters (person)`,
      `CREATE INDEX dead_letters_with_payload ON dead_letters (created_at) WHERE payload IS NOT NULL`,
    ],
  },
  {
    version: 2,
    description: 'source checkpoint per run, so that a resumed run reads on from the last completed page',
    steps: [`ALTER TABLE runs ADD COLUMN checkpoint TEXT`],
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
