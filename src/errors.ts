/**
 * Coded errors and issues. Every problem a user can meet has a stable code listed in
 * `ERROR_CATALOGUE` (and, from it, in docs/errors.md); a test keeps the two in step.
 */

export interface ErrorInfo {
  /** One line: what went wrong. */
  readonly summary: string;
  /** What the user can do about it. */
  readonly hint: string;
}

export const ERROR_CATALOGUE = {
  // Command line
  CLI_USAGE: { summary: 'The command line is not understood.', hint: 'Run `tmt-import <command> --help` for the options and an example.' },
  CLI_OUT_FILE: { summary: 'The --out file cannot be written.', hint: 'Check that the folder exists and is writable.' },

  // Project config
  CONFIG_INVALID: { summary: 'The project config file does not have the expected shape.', hint: 'Compare it with the config reference in the README; the message names the key.' },
  CONFIG_UNREADABLE: { summary: 'The project config file cannot be read or parsed.', hint: 'Fix the syntax at the reported line, or remove the file to use the defaults.' },
  CONFIG_ENV_UNDEFINED: { summary: 'The pipeline targets an environment that the project config does not define.', hint: 'Use one of the defined environments (sandbox, test, production by default) or add it under `environments` in the project config.' },

  CONFIG_SECRET_MISSING: { summary: 'An environment variable named in the config for a secret is not set.', hint: 'Export the variable named in the message before running; secrets are never read from files or pipelines.' },
  CONFIG_PRODUCTION_LOCKED: { summary: 'Sending to production was not explicitly allowed.', hint: 'Production needs both `--env production` on the command line and `allowProduction: true` in the project config.' },

  // Pipeline files: structure
  PIPELINE_NOT_FOUND: { summary: 'The pipeline file does not exist or cannot be read.', hint: 'Check the path; pipeline files are usually named `*.pipeline.yaml`.' },
  PIPELINE_YAML_SYNTAX: { summary: 'The pipeline file is not valid YAML.', hint: 'Fix the syntax at the reported line and column.' },
  PIPELINE_NOT_OBJECT: { summary: 'The pipeline file does not hold a mapping of sections.', hint: 'A pipeline is a YAML mapping with name, source, mapping, consent and target sections.' },
  PIPELINE_UNKNOWN_KEY: { summary: 'A key in the pipeline file is not part of the pipeline format.', hint: 'Remove it or correct its spelling (a suggestion is shown when one is close).' },
  PIPELINE_MISSING_KEY: { summary: 'A required key is missing from the pipeline file.', hint: 'Add the key named in the message.' },
  PIPELINE_WRONG_TYPE: { summary: 'A value in the pipeline file has the wrong type.', hint: 'Use the type named in the message.' },
  PIPELINE_BAD_VALUE: { summary: 'A value in the pipeline file is not allowed.', hint: 'Use one of the allowed values named in the message.' },

  // Pipeline files: meaning
  PIPELINE_FILE_MISSING: { summary: 'A file the pipeline refers to does not exist.', hint: 'Paths in a pipeline are relative to the pipeline file; check the path.' },
  SOURCE_NO_MATCH: { summary: 'The source path or glob matches no file.', hint: 'Check the path (relative to the pipeline file) or pass --input.' },
  MAPPING_SYNTAX: { summary: 'The JSONata mapping does not compile.', hint: 'Fix the expression at the reported line and column.' },
  CONSENT_SYNTAX: { summary: 'A consent condition is not a valid JSONata expression.', hint: 'Fix the `when` expression of the named section.' },
  KEY_SYNTAX: { summary: 'The person key expression is not valid JSONata.', hint: 'Fix `source.key`; it is evaluated against each source record.' },
  CONSENT_RULE_MISSING: { summary: 'The mapping can produce a profile section that has no consent rule.', hint: 'Add a rule under `consent.sections` for the section, or stop mapping it. Without a rule it is never sent.' },
  LOOKUP_UNREADABLE: { summary: 'A lookup table cannot be read or parsed.', hint: 'Lookup tables are CSV with a header row, or YAML mappings of key to value.' },
  LOOKUP_UNKNOWN: { summary: 'The mapping calls $lookup with a table the pipeline does not declare.', hint: 'Declare the table under `mapping.lookups`.' },

  // Sources, per person
  SOURCE_UNREADABLE: { summary: 'A source file cannot be read.', hint: 'Check that the file exists and is readable.' },
  SOURCE_JSON_INVALID: { summary: 'A source file or line is not valid JSON.', hint: 'Fix the JSON at the reported position; the other persons are processed.' },
  SOURCE_RECORD_NOT_OBJECT: { summary: 'A source record is not a JSON object.', hint: 'Each person must be an object; arrays of persons are read one by one.' },
  SOURCE_CSV_INVALID: { summary: 'A row of a CSV file in an export cannot be parsed.', hint: 'Fix the row (quotes, column count) at the reported line.' },
  SOURCE_EXPORT_EMPTY: { summary: 'An export folder holds none of the expected CSV files.', hint: 'Point the source at the unpacked export folder (with Positions.csv, Profile.csv, ...).' },
  KEY_MISSING: { summary: 'The person key expression gave no value for a record.', hint: 'Check `source.key` against the record; without a key the person cannot be matched to a permit.' },

  // Mapping, per person
  MAPPING_RUNTIME: { summary: 'The mapping failed for a person.', hint: 'Run `tmt-import test` with a case built from this kind of record; the message names the JSONata error.' },
  MAPPING_TIMEOUT: { summary: 'The mapping took longer than its time limit for a person.', hint: 'Simplify the mapping or raise `mapping.limits.timeoutMs`.' },
  MAPPING_DEPTH: { summary: 'The mapping recursed deeper than its depth limit for a person.', hint: 'Look for unbounded recursion, or raise `mapping.limits.maxDepth`.' },
  MAPPING_NOT_OBJECT: { summary: 'The mapping did not produce an object.', hint: 'The mapping must evaluate to an object whose keys are profile sections.' },
  CONSENT_EVAL: { summary: 'A consent condition failed to evaluate for a person.', hint: 'The section is withheld; fix the `when` expression.' },

  // Profile contract
  PROFILE_SCHEMA: { summary: 'The profile does not match the PUT /v1/profile contract.', hint: 'The pointer names the field; compare it with the profile reference in the README.' },
  PROFILE_UNKNOWN_FIELD: { summary: 'The profile has a field that TMT does not accept.', hint: 'Remove the field from the mapping output.' },
  PROFILE_TOO_MANY: { summary: 'A profile list holds more items than TMT accepts.', hint: 'Lists hold at most 20 items (code lists 120); cut them in the mapping, e.g. with $take.' },
  PROFILE_TOO_LONG: { summary: 'A profile text or code is longer than TMT accepts.', hint: 'Cut the text in the mapping with $truncate.' },
  PROFILE_DATE_INVALID: { summary: 'A profile date is not a real calendar date in yyyy-MM-dd form.', hint: 'Convert source dates with $date.' },
  PROFILE_START_IN_FUTURE: { summary: 'A start date lies in the future.', hint: 'TMT requires start dates in the past; drop or fix the item.' },
  PROFILE_END_BEFORE_START: { summary: 'An end date lies before its start date.', hint: 'Check the source dates.' },
  PROFILE_ONGOING_WITH_END: { summary: 'An interval is marked ongoing but has an end date.', hint: 'Ongoing intervals must leave endDate out (or null).' },
  PROFILE_FI_MISSING: { summary: 'A localized text has no Finnish (fi) value.', hint: 'Build localized texts with $l10n, which fills fi as TMT expects.' },
  PROFILE_EMPTY_ARRAY: { summary: 'A profile list is empty.', hint: 'Never send a section as []: it could wipe what the person has in TMT. Leave the key out.' },
  PROFILE_ESCO_URI: { summary: 'A skill or occupation URI is not an ESCO URI.', hint: 'Use http://data.europa.eu/esco/skill/<uuid> or .../occupation/<uuid> from a lookup table.' },
  PROFILE_URL_INVALID: { summary: 'An external link URL is not an http(s) URL with a dotted host.', hint: 'Fix the URL or leave the link out.' },
  PROFILE_CODE_INVALID: { summary: 'A code does not have the shape of its TMT code set.', hint: 'Map source values to codes with a lookup table.' },
  PROFILE_EMPTY: { summary: 'Nothing is left to send for a person.', hint: 'The person permitted none of the mapped sections, or the mapping produced none.' },

  // Permits (the organisation's side of the OAuth2 permit flow)
  PERMIT_MISSING: { summary: 'The person has no permit for this environment.', hint: 'Send the person to the permit start page (tmt-import permits serve) to approve an import.' },
  PERMIT_EXPIRED: { summary: "The person's permit has expired.", hint: 'The person must approve again: permits are short-lived and single-use.' },
  PERMIT_SPENT: { summary: "The person's permit was already used.", hint: 'Each import needs a new permit: the person must approve again.' },
  PERMIT_DENIED: { summary: 'The person cancelled the approval (or TMT refused it).', hint: 'Nothing is imported for this person unless they approve again.' },
  PERMIT_STATE_INVALID: { summary: 'The callback state is missing, forged or expired.', hint: 'Start the approval again from /permits/start; a state is valid for a limited time and once.' },
  PERMIT_EXCHANGE_FAILED: { summary: 'The token endpoint refused to exchange the authorization code.', hint: 'Check the client id, client secret and subscription key of the environment; codes are single-use and short-lived.' },
  PERMIT_STORE_UNREADABLE: { summary: 'The permit store in the state folder cannot be read.', hint: 'Check the state folder and its permissions; a damaged store is never replaced silently.' },

  // Target (the TMT import API)
  TARGET_REJECTED: { summary: 'TMT refused the profile as invalid (HTTP 400).', hint: 'Read the problem details; fix the mapping or the data, then the person must approve again.' },
  TARGET_UNAUTHORIZED: { summary: 'TMT refused the subscription key or the token (HTTP 401/403).', hint: 'Check the subscription key for the environment; a refused token means the person needs a new permit.' },
  TARGET_CREDENTIALS: { summary: 'The run stopped early: TMT refused every request (401/403).', hint: 'Check the subscription key and client credentials of the environment before burning more permits.' },
  TARGET_RATE_LIMITED: { summary: 'TMT kept answering 429 (too many requests) after all retries.', hint: 'Lower run.concurrency or run again later; the permit may still be usable.' },
  TARGET_UNAVAILABLE: { summary: 'TMT could not be reached or answered 5xx after all retries.', hint: 'Check the network, the base URL and TMT status; the outcome of an interrupted send may be unknown.' },
  TARGET_UNEXPECTED: { summary: 'TMT answered with a status the interface does not describe.', hint: 'Read the status and body in the message; report it if it persists.' },

  PERMIT_SERVER_START_FAILED: { summary: 'The permit server could not start.', hint: 'Choose another --port or --host, or stop what is using it.' },

  RUN_TOO_MANY_FAILURES: { summary: 'The run stopped: more persons failed than run.maxFailures allows.', hint: 'Look at the reasons in the report (often the target is down or the mapping is wrong); persons not reached keep their permits.' },
  RUN_INTERRUPTED: { summary: 'The run was interrupted (SIGINT or SIGTERM) and stopped cleanly.', hint: 'Run the pipeline again: it continues the interrupted run without resending anyone.' },
  RUN_NOTHING_TO_RESUME: { summary: '--resume was given but no interrupted run of this pipeline exists.', hint: 'Run without --resume to start a new run.' },

  // Sandbox
  SANDBOX_START_FAILED: { summary: 'The local sandbox could not start.', hint: 'Choose another --port, or stop what is using it.' },

  // Live sources
  SOURCE_ENV_MISSING: { summary: 'An environment variable the source names is not set.', hint: 'Export the variable named in the message (a URL, a connection string, a token) before running; secrets are never written in pipelines.' },
  SOURCE_URL_INVALID: { summary: 'The source URL or connection string is not usable.', hint: 'Use an http(s) URL (http source) or a postgres:// connection string (postgres source); check the value of the environment variable it comes from.' },
  SOURCE_SECRET_IN_PIPELINE: { summary: 'A password or key is written in the pipeline file.', hint: 'Move it to an environment variable: `${NAME}` in connection or url, or auth.tokenEnv / auth.valueEnv.' },
  SOURCE_EXPRESSION_SYNTAX: { summary: 'A source expression (records, pagination.next) is not valid JSONata.', hint: 'Fix the expression at the reported line and column; it is evaluated against each page body.' },
  SOURCE_SQL_UNREADABLE: { summary: 'The SQL file of a postgres source cannot be read.', hint: 'Check source.queryFile (relative to the pipeline file).' },
  SOURCE_SQL_INVALID: { summary: 'The SQL query of a postgres source does not fit its pipeline settings.', hint: 'Give query or queryFile (one of them); every :name placeholder needs a value under params; with groupBy the query must ORDER BY the group column.' },
  SOURCE_UNREACHABLE: { summary: 'The source could not be reached (name lookup, refused connection, timeout), after all retries.', hint: 'Check the host and port in the URL or connection string, the network, and that the service or database is running.' },
  SOURCE_AUTH_REFUSED: { summary: 'The source refused the credentials (HTTP 401/403, or a refused database login).', hint: 'Check the token, key or password in the environment variable the pipeline names, and the account\'s rights.' },
  SOURCE_HTTP_ERROR: { summary: 'The HTTP source answered a page with an error status (after all retries for 429 and 5xx).', hint: 'Check the URL, query parameters and the service status; the persons already read are kept, and a resumed run starts from the failed page.' },
  SOURCE_PAGE_INVALID: { summary: 'A page of the HTTP source is not valid JSON.', hint: 'The service returned something else than JSON (an error page, a truncated answer); the message names the page. Check the service, then run again.' },
  SOURCE_RECORDS_NOT_FOUND: { summary: 'The records expression found nothing on a page (or failed on it).', hint: 'Check source.records against the page shape (e.g. items or data.persons); an empty list ends the listing, nothing at all is an error.' },
  SOURCE_PAGINATION_INVALID: { summary: 'The HTTP source cannot go on to the next page.', hint: 'Check source.pagination: the cursor expression, or a next link that points to another host or back to the same page.' },
  SOURCE_QUERY_FAILED: { summary: 'The PostgreSQL query failed (syntax, missing table or column, permission, timeout, lost connection).', hint: 'Read the SQLSTATE and message; run the query in psql with the same parameters. Rows already read are kept.' },
  SOURCE_ROW_INVALID: { summary: 'A row of the PostgreSQL query cannot become a person record.', hint: 'With groupBy, the query must return the group column; check the column name.' },

  // Durable state
  STATE_CORRUPT: { summary: 'The state database is damaged, is not a tmt-import database, or was written by a newer tmt-import.', hint: 'Restore the file named in the message from a backup (or upgrade tmt-import if it is newer). It is never replaced silently: it holds the permits and the record of what was sent.' },
  STATE_MISSING: { summary: 'The state folder shows that a state database existed, but the database file is gone or was replaced.', hint: 'Restore the database file from a backup. To start afresh on purpose, remove the state.json marker named in the message: stored permits, outcomes and receipts are then lost, and persons may need new permits.' },
  STATE_LOCKED: { summary: 'Another run of the same pipeline holds the pipeline lock.', hint: 'Wait for that run to finish. If the process named in the message is gone (e.g. the machine restarted), remove the lock file named in the message.' },
  STATE_BUSY: { summary: 'The state database stayed locked by another process for longer than the busy timeout.', hint: 'Another tmt-import process is writing to the same state folder; try again. If it persists, look for a hung tmt-import process.' },
  STATE_UNWRITABLE: { summary: 'The state folder or database cannot be created, read or written.', hint: 'Check that the state folder (stateDir in the project config) exists or can be created, is owned by this user, and that the disk is not full.' },
  STATE_INTERRUPTED: { summary: 'The process stopped during the send; the outcome is unknown.', hint: "Check the person's profile in TMT. The permit counts as spent: the person must approve again before another import." },
  STATE_NOT_FOUND: { summary: 'No record with that id is in the state database.', hint: 'Check the id against the listing (tmt-import dead-letters list, tmt-import receipts verify).' },

  // Mapping tests
  TEST_FILE_INVALID: { summary: 'A mapping test file does not have the expected shape.', hint: 'Each case needs `name`, `input`, and `expect` or `expectError`.' },
  TEST_FAILED: { summary: 'A mapping test case failed.', hint: 'Read the diff: - is expected, + is what the mapping produced.' },

  // Internal
  INTERNAL: { summary: 'An unexpected internal error.', hint: 'This is a bug in tmt-import; please report it with the command you ran.' },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type Severity = 'error' | 'warning';

/** A located, coded problem. Carries no personal data: messages name keys and positions, not values. */
export interface Issue {
  code: ErrorCode;
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** JSON pointer into the document the issue is about (pipeline file, profile, record). */
  pointer?: string;
  /** What the user can do about it; defaults to the catalogue's hint. */
  hint?: string;
}

export function issue(code: ErrorCode, message: string, extra: Partial<Omit<Issue, 'code' | 'message'>> = {}): Issue {
  return { code, severity: extra.severity ?? 'error', message, ...extra };
}

/** An error that stops an operation; carries one or more issues. */
export class TmtError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];

  constructor(code: ErrorCode, message: string, extra: Partial<Omit<Issue, 'code' | 'message'>> & { cause?: unknown; issues?: Issue[] } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'TmtError';
    this.code = code;
    const { cause: _cause, issues, ...rest } = extra;
    this.issues = issues ?? [issue(code, message, rest)];
  }

  static fromIssues(issues: Issue[]): TmtError {
    const first = issues[0] ?? issue('INTERNAL', 'no issues given');
    return new TmtError(first.code, first.message, { issues });
  }
}

export function isTmtError(e: unknown): e is TmtError {
  return e instanceof TmtError;
}

/** `file:line:column`, or as much of it as is known. */
export function formatLocation(i: Pick<Issue, 'file' | 'line' | 'column'>): string {
  if (!i.file) return '';
  if (i.line === undefined) return i.file;
  return `${i.file}:${i.line}:${i.column ?? 1}`;
}

/** One human line for an issue: `file:line:col CODE message (pointer)`. */
export function formatIssue(i: Issue, opts: { hint?: boolean } = {}): string {
  const loc = formatLocation(i);
  const parts = [loc, `${i.severity === 'warning' ? 'warning ' : ''}${i.code}`, i.message];
  let line = parts.filter(Boolean).join(' ');
  if (i.pointer !== undefined && !i.message.includes(i.pointer)) line += ` (at ${i.pointer || '/'})`;
  if (opts.hint) line += `\n    hint: ${i.hint ?? ERROR_CATALOGUE[i.code].hint}`;
  return line;
}

/** JSON pointer from path segments (RFC 6901). */
export function toPointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
