/**
 * The pipeline file, as TypeScript. schemas/pipeline.schema.json is the source of truth; a test
 * (test/pipeline/schema-drift.test.ts) fails when the two drift apart.
 */
import type { ProfileSection } from '../profile/sections.js';

export interface FileSourceSpec {
  type: 'file';
  format: 'json' | 'ndjson' | 'linkedin';
  path: string | string[];
  key: string;
}

/** A paginated HTTP API (docs/sources.md). `${NAME}` / `${NAME:-default}` in url, query and header values read environment variables. */
export interface HttpSourceSpec {
  type: 'http';
  url: string;
  key: string;
  /** JSONata over one page's body giving the person records (a list, or one object). */
  records: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  auth?: HttpAuthSpec;
  pagination?: HttpPaginationSpec;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

export interface HttpAuthSpec {
  type: 'bearer' | 'api-key';
  /** bearer: the environment variable holding the token. */
  tokenEnv?: string;
  /** api-key: the header that carries the key, and the environment variable holding it. */
  header?: string;
  valueEnv?: string;
}

export interface HttpPaginationSpec {
  type: 'none' | 'page' | 'offset' | 'cursor' | 'link';
  /** Query parameter of the page number (page), the offset (offset) or the cursor (cursor). */
  param?: string;
  /** page: the first page's number (default 1). */
  start?: number;
  /** Query parameter of the page size (page) or limit (offset), and its value. */
  sizeParam?: string;
  size?: number;
  /** cursor: JSONata over the page body giving the next cursor (none: the last page). */
  next?: string;
  /** Stop after this many pages. */
  maxPages?: number;
}

/** A PostgreSQL query (docs/sources.md). */
export interface PostgresSourceSpec {
  type: 'postgres';
  /** Connection string; `${NAME}` / `${NAME:-default}` read environment variables; never a literal password. */
  connection: string;
  key: string;
  query?: string;
  queryFile?: string;
  params?: Record<string, SqlParamValue>;
  /** Collect consecutive rows with the same value of this column into one record (ORDER BY it). */
  groupBy?: string;
  /** With groupBy: the key holding the group's rows (default `rows`). */
  rowsKey?: string;
  fetchSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export type SqlParamValue = string | number | boolean | null | Array<string | number | boolean | null>;

export type SourceSpec = FileSourceSpec | HttpSourceSpec | PostgresSourceSpec;

export interface PermitsSpec {
  from: 'store' | 'field';
  field?: string;
}

export interface LookupSpec {
  file: string;
  key?: string;
  value?: string;
}

export interface MappingSpec {
  file: string;
  language?: 'fi' | 'sv' | 'en';
  lookups?: Record<string, string | LookupSpec>;
  limits?: { timeoutMs?: number; maxDepth?: number };
}

export interface ConsentRuleSpec {
  when: string;
  withhold?: string[];
}

export interface ConsentSpec {
  default?: 'deny';
  sections: Partial<Record<ProfileSection, ConsentRuleSpec>>;
}

export interface TargetSpec {
  environment: string;
}

export interface RunSpec {
  concurrency?: number;
  maxFailures?: number | string;
  limit?: number;
}

export interface PipelineSpec {
  $schema?: string;
  name: string;
  description?: string;
  source: SourceSpec;
  permits?: PermitsSpec;
  mapping: MappingSpec;
  consent: ConsentSpec;
  target: TargetSpec;
  run?: RunSpec;
}
