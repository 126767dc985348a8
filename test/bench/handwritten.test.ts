/**
 * The benchmark compares the pipeline with a hand-written version of the same work
 * (bench/handwritten-jsonresume.ts). That comparison means something only while both give the same
 * profiles: when mappings/jsonresume.jsonata or the pipeline's consent rules change, this test
 * fails until the hand-written version follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolveConfig } from '../../src/config/project-config.js';
import { createPseudonymizer } from '../../src/logging/pseudonym.js';
import { hasErrors, loadPipeline, type CompiledPipeline } from '../../src/pipeline/load-pipeline.js';
import { createProfileValidator } from '../../src/profile/validate-profile.js';
import { processPerson, type PersonResult } from '../../src/runner/process-person.js';
import { generatePersons } from '../../bench/generate.js';
import { comparableResult, createJsonResumeMapper, loadHandwrittenTables, processJsonResume, type ProcessContext } from '../../bench/handwritten-jsonresume.js';
import { repoRoot } from '../helpers.js';

async function setup(): Promise<{ pipeline: CompiledPipeline; ctx: ProcessContext }> {
  const { pipeline, issues } = await loadPipeline('pipelines/jsonresume-files.pipeline.yaml', { config: resolveConfig({}, repoRoot), cwd: repoRoot });
  assert.ok(pipeline && !hasErrors(issues), JSON.stringify(issues));
  const map = createJsonResumeMapper({ tables: loadHandwrittenTables(repoRoot), language: pipeline.spec.mapping.language ?? 'en' });
  return { pipeline, ctx: { map, validateProfile: createProfileValidator(), pseudonymize: createPseudonymizer('s') } };
}

/** Mapping output and the whole person result agree; returns the pipeline's result. */
async function assertSame(pipeline: CompiledPipeline, ctx: ProcessContext, origin: string, record: unknown): Promise<PersonResult> {
  const jsonata = JSON.parse(JSON.stringify((await pipeline.mapping.evaluate(record, pipeline.bindings)) ?? {})) as unknown;
  assert.deepStrictEqual(ctx.map(record), jsonata, `mapping differs for ${origin}`);
  const { result } = await processPerson({ origin, record }, pipeline, { pseudonymize: createPseudonymizer('s') });
  assert.deepStrictEqual(comparableResult(processJsonResume({ origin, record }, ctx)), comparableResult(result), `result differs for ${origin}`);
  return result;
}

test('the hand-written JSON Resume mapping equals the JSONata mapping on the shipped examples', async () => {
  const { pipeline, ctx } = await setup();
  let n = 0;
  for (const folder of ['examples/jsonresume', 'examples/jsonresume-wild']) {
    for (const f of readdirSync(`${repoRoot}/${folder}`).filter((x) => x.endsWith('.json'))) {
      const record = JSON.parse(readFileSync(`${repoRoot}/${folder}/${f}`, 'utf8')) as unknown;
      await assertSame(pipeline, ctx, `${folder}/${f}`, record);
      n++;
    }
  }
  assert.ok(n >= 25, `only ${n} examples`);
});

test('the hand-written JSON Resume mapping equals the JSONata mapping on 200 generated persons', async () => {
  const { pipeline, ctx } = await setup();
  const persons = generatePersons(200);
  const statuses = new Map<string, number>();
  let cutShort = 0;
  let cutLong = 0;
  for (let i = 0; i < persons.length; i++) {
    const result = await assertSame(pipeline, ctx, `generated:${i + 1}`, persons[i]);
    statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    // Texts the mapping cut (they end with an ellipsis), by length: titles (128) and descriptions (4000).
    for (const m of JSON.stringify(result.profile ?? {}).matchAll(/"((?:[^"\\]|\\.)*)…"/g)) {
      const length = [...JSON.parse(`"${m[1]!}"`) as string].length + 1;
      if (length <= 128) cutShort++;
      else if (length > 3000 && length <= 4000) cutLong++;
    }
  }
  // The sample is varied enough to mean something.
  assert.ok((statuses.get('ready') ?? 0) > 150, JSON.stringify([...statuses]));
  assert.ok((statuses.get('skipped') ?? 0) > 0, JSON.stringify([...statuses]));
  assert.ok(cutShort > 0 && cutLong > 0, `texts cut: ${cutShort} titles, ${cutLong} descriptions`);
});

test('the person generator is deterministic for a seed', () => {
  assert.deepStrictEqual(generatePersons(20, 7), generatePersons(20, 7));
  assert.notDeepStrictEqual(generatePersons(20, 7), generatePersons(20, 8));
});
