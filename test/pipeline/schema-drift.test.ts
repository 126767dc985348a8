import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import type { PipelineSpec } from '../../src/pipeline/types.js';
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

test('the TypeScript pipeline type and the JSON Schema agree', () => {
  const schema = pipelineSchema();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.equal(validate(full), true, JSON.stringify(validate.errors));

  // Walk the schema's object properties; each must exist in the fully populated object.
  const missing: string[] = [];
  const defs = (schema.definitions ?? {}) as Record<string, any>;
  const walk = (s: any, value: any, path: string) => {
    if (!s || typeof s !== 'object') return;
    if (s.$ref) return walk(defs[s.$ref.replace('#/definitions/', '')], value, path);
    for (const sub of [...(s.allOf ?? []), ...(s.then ? [s.then] : [])]) walk(sub, value, path);
    if (s.properties && value && typeof value === 'object') {
      for (const k of Object.keys(s.properties)) {
        if (!(k in value)) missing.push(`${path}/${k}`);
        else walk(s.properties[k], value[k], `${path}/${k}`);
      }
    }
  };
  walk(schema, full, '');
  assert.deepEqual(missing, []);
});

test('the schema lists exactly the profile sections for consent rules', () => {
  const schema = pipelineSchema() as any;
  assert.deepEqual(Object.keys(schema.properties.consent.properties.sections.properties).sort(), [...PROFILE_SECTIONS].sort());
});
