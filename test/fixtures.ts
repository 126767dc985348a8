/** Small, self-contained pipelines written into temp folders for tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveConfig, type ProjectConfig } from '../src/config/project-config.js';

export const SIMPLE_MAPPING = `/* test mapping */
{
  "employments": work.{
    "employer": $l10n(name),
    "title": $l10n(position),
    "interval": $interval(startDate, endDate)
  },
  "languageSkills": languages.{
    "code": $lookup('languages', language),
    "level": $lookup('cefr', fluency)
  }[code]
}
`;

export const SIMPLE_PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: simple
source:
  type: file
  format: json
  path: persons/*.json
  key: basics.email
permits:
  from: store
mapping:
  file: mapping.jsonata
  language: en
  lookups:
    languages: { file: languages.csv, key: name, value: code }
    cefr: cefr.yaml
consent:
  default: deny
  sections:
    employments: { when: "consent.work = true", withhold: [employer] }
    languageSkills:
      when: consent.languages = true
target:
  environment: sandbox
run:
  concurrency: 2
  maxFailures: 10%
`;

export interface FixtureFiles {
  [relativePath: string]: string | object;
}

export function writeFiles(dir: string, files: FixtureFiles): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

export function person(email: string, consent: Record<string, boolean>, extra: Record<string, unknown> = {}): object {
  return {
    basics: { name: 'Testi Henkilö', email },
    work: [{ name: 'Acme Oy', position: 'Developer', startDate: '2019-03', endDate: '2021' }],
    languages: [{ language: 'Finnish', fluency: 'Native speaker' }, { language: 'Klingon', fluency: 'Beginner' }],
    consent,
    ...extra,
  };
}

/** A complete simple project: pipeline, mapping, lookups and three persons. */
export function simpleProject(dir: string, overrides: FixtureFiles = {}): void {
  writeFiles(dir, {
    'simple.pipeline.yaml': SIMPLE_PIPELINE,
    'mapping.jsonata': SIMPLE_MAPPING,
    'languages.csv': 'name,code\nFinnish,fi\nSwedish,sv\nEnglish,en\n',
    'cefr.yaml': 'Native speaker: L1\nBeginner: A1\nFluent: C1\n',
    'persons/1.json': person('aino@example.org', { work: true, languages: true }),
    'persons/2.json': person('bertil@example.org', { work: false, languages: true }),
    'persons/3.json': person('chen@example.org', {}),
    ...overrides,
  });
}

export function testConfig(stateDir: string): ProjectConfig {
  return resolveConfig({ stateDir }, stateDir);
}
