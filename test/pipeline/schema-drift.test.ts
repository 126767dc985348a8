import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import type { HttpSourceSpec, PipelineSpec, PostgresSourceSpec } from '../../src/pipeline/types.js';
import { pipelineSchema } from '../../src/pipeline/validate-structure.js';
import { PROFILE_SECTIONS } from '../../src/profile/sections.js';

// Every key the TypeScript type allows, filled in. If the type gains a key the schema lacks, the
// schema rejects this object; if the schema gains a key the type lacks, the walk below finds it.
const full: Required<PipelineSpec> = {
  $schema: '../schemas/pipeline.schema.json',
  name: 'all-keys',
  description: 'every key',
  source: { type: 'file', format: 'json', path: ['a/*.json'], key: 'basics.email' },
  permits: { from: 'field', field: 'permit.token' },
  mapping: { file: 'm.jsonata', language: 'fi', lookups: { a: 'a.csv', b: { file: 'b.csv', key: 'k', value: 'v' } }, limits: { timeoutMs: 100, maxDepth: 50 } },
  consent: { default: 'deny', sections: Object.fromEntries(PROFILE_SECTIONS.map((s) => [s, { when: 'true', withhold: ['description.skills'] }])) },
  target: { environment: 'sandbox' },
  run: { concurrency: 2, maxFailures: '5%', limit: 10 },
};

const fullHttp: Required<HttpSourceSpec> = {
  type: 'http',
  url: '${CV_URL:-http://127.0.0.1:8650}/persons',
  key: 'email',
  records: 'items',
  query: { since: '2024-01-01', active: true, max: 3 },
  headers: { Accept: 'application/json' },
  auth: { type: 'api-key', tokenEnv: 'UNUSED_WITH_API_KEY', header: 'X-Api-Key', valueEnv: 'CV_KEY' },
  pagination: { type: 'cursor', param: 'cursor', start: 1, sizeParam: 'limit', size: 50, next: 'nextCursor', maxPages: 10 },
  timeoutMs: 1000,
  retries: 2,
  backoffMs: 100,
};

const fullPostgres: Required<PostgresSourceSpec> = {
  type: 'postgres',
  connection: '${CV_DB_URL}',
  key: 'email',
  query: 'SELECT * FROM persons WHERE updated >= :since ORDER BY person_id',
  queryFile: 'persons.sql',
  params: { since: '2024-01-01', ids: [1, 2], flag: null },
  groupBy: 'person_id',
  rowsKey: 'rows',
  fetchSize: 100,
  connectTimeoutMs: 1000,
  statementTimeoutMs: 0,
};

test('the TypeScript pipeline type and the JSON Schema agree', () => {
  const schema = pipelineSchema();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.equal(validate(full), true, JSON.stringify(validate.errors));
  for (const source of [fullHttp, fullPostgres]) assert.equal(validate({ ...full, source }), true, JSON.stringify(validate.errors));

  // Walk the schema's object properties; each must exist in the fully populated object.
  const missing: string[] = [];
  const defs = (schema.definitions ?? {}) as Record<string, any>;
  const walk = (s: any, value: any, path: string) => {
    if (!s || typeof s !== 'object') return;
    if (s.$ref) return walk(defs[s.$ref.replace('#/definitions/', '')], value, path);
    // A conditional branch (`if: {properties: {type: {const}}}`) applies only to values of that type.
    const applies = (sub: any) => {
      const c = sub?.if?.properties?.type?.const;
      return c === undefined || !value || typeof value !== 'object' || value.type === c;
    };
    for (const sub of [...(s.allOf ?? []).filter(applies), ...(s.then && applies(s) ? [s.then] : [])]) walk(sub, value, path);
    if (s.properties && value && typeof value === 'object') {
      for (const k of Object.keys(s.properties)) {
        if (!(k in value)) missing.push(`${path}/${k}`);
        else walk(s.properties[k], value[k], `${path}/${k}`);
      }
    }
  };
  walk(schema, full, '');
  walk(schema, { ...full, source: fullHttp }, '');
  walk(schema, { ...full, source: fullPostgres }, '');
  assert.deepEqual(missing, []);
});

test('the schema lists exactly the profile sections for consent rules', () => {
  const schema = pipelineSchema() as any;
  assert.deepEqual(Object.keys(schema.properties.consent.properties.sections.properties).sort(), [...PROFILE_SECTIONS].sort());
});
