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

export type SourceSpec = FileSourceSpec;

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
