import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { readFileSource } from '../../src/sources/file-source.js';
import { parseCsvTable } from '../../src/sources/linkedin-source.js';
import type { FileSourceSpec, SourceItem } from '../../src/sources/types.js';

async function collect(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of it) out.push(item);
  return out;
}

const spec = (path: string | string[]): FileSourceSpec => ({ type: 'file', format: 'linkedin', path });

/** Writes a complete export the way LinkedIn does (BOM, CRLF, quoted multi-line cells, a Notes preamble). */
function writeFullExport(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
  writeFileSync(
    join(dir, 'Profile.csv'),
    '\uFEFF' +
      crlf(
        'First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location,Twitter Handles,Websites,Instant Messengers\n' +
          'Aino,Virtanen,,,,"Developer, backend","Builds things.\nLikes tests.",Software Development,00100,"Helsinki, Finland",,,\n',
      ),
  );
  writeFileSync(join(dir, 'Email Addresses.csv'), 'Email Address,Confirmed,Primary,Updated On\naino@example.org,Yes,Yes,1/2/20\nold@example.org,Yes,No,Not Available\n');
  writeFileSync(
    join(dir, 'Positions.csv'),
    crlf('Company Name,Title,Description,Location,Started On,Finished On\nAcme Oy,Developer,"Wrote ""good"" code\nand reviewed it",Helsinki,Jan 2020,\nBeta Ab,Trainee,,,Jun 2018,Dec 2019\n'),
  );
  writeFileSync(join(dir, 'Education.csv'), 'School Name,Start Date,End Date,Notes,Degree Name,Activities\nUniversity of Helsinki,2014,2019,,Master of Science,\n');
  // Lower-case name: matched case-insensitively.
  writeFileSync(join(dir, 'skills.csv'), 'Name\nTypeScript\nSQL\n\n');
  writeFileSync(join(dir, 'Languages.csv'), 'Name,Proficiency\nFinnish,Native or bilingual proficiency\nEnglish,Full professional proficiency\n');
  writeFileSync(
    join(dir, 'Certifications.csv'),
    'Notes:\n"This file lists the certifications you added, including the ones, that expired."\n\nName,Url,Authority,Started On,Finished On,License Number\nCloud Practitioner,https://example.org/c,Example Authority,Mar 2021,,ABC-1\n',
  );
  writeFileSync(join(dir, 'Projects.csv'), 'Title,Description,Url,Started On,Finished On\nImporter,Imports CVs,,Feb 2023,\n');
  writeFileSync(join(dir, 'Connections.csv'), 'First Name,Last Name\nOther,Person\n');
  writeFileSync(join(dir, 'tmt-consent.json'), '{"workExperience": true, "education": false}');
}

test('linkedin: a full export folder is one person with every file read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFullExport(join(dir, 'exports', 'aino'));
    const items = await collect(readFileSource(spec('exports/aino'), { baseDir: dir, displayBase: dir }));
    assert.equal(items.length, 1);
    assert.equal(items[0]?.origin, 'exports/aino');
    assert.equal(items[0]?.error, undefined);
    assert.deepEqual(items[0]?.record, {
      profile: {
        'First Name': 'Aino',
        'Last Name': 'Virtanen',
        Headline: 'Developer, backend',
        Summary: 'Builds things.\nLikes tests.',
        Industry: 'Software Development',
        'Zip Code': '00100',
        'Geo Location': 'Helsinki, Finland',
      },
      emails: [
        { 'Email Address': 'aino@example.org', Confirmed: 'Yes', Primary: 'Yes', 'Updated On': '1/2/20' },
        { 'Email Address': 'old@example.org', Confirmed: 'Yes', Primary: 'No', 'Updated On': 'Not Available' },
      ],
      positions: [
        { 'Company Name': 'Acme Oy', Title: 'Developer', Description: 'Wrote "good" code\nand reviewed it', Location: 'Helsinki', 'Started On': 'Jan 2020' },
        { 'Company Name': 'Beta Ab', Title: 'Trainee', 'Started On': 'Jun 2018', 'Finished On': 'Dec 2019' },
      ],
      education: [{ 'School Name': 'University of Helsinki', 'Start Date': '2014', 'End Date': '2019', 'Degree Name': 'Master of Science' }],
      skills: [{ Name: 'TypeScript' }, { Name: 'SQL' }],
      languages: [
        { Name: 'Finnish', Proficiency: 'Native or bilingual proficiency' },
        { Name: 'English', Proficiency: 'Full professional proficiency' },
      ],
      certifications: [{ Name: 'Cloud Practitioner', Url: 'https://example.org/c', Authority: 'Example Authority', 'Started On': 'Mar 2021', 'License Number': 'ABC-1' }],
      projects: [{ Title: 'Importer', Description: 'Imports CVs', 'Started On': 'Feb 2023' }],
      consent: { workExperience: true, education: false },
    });
  } finally {
    cleanup();
  }
});

test('linkedin: missing files give empty lists; profile and consent are left out', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'Skills.csv'), 'Name\nJava\n');
    const items = await collect(readFileSource(spec('.'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items, [
      { origin: '.', record: { emails: [], positions: [], education: [], skills: [{ Name: 'Java' }], languages: [], certifications: [], projects: [] } },
    ]);
  } finally {
    cleanup();
  }
});

test('linkedin: a broken CSV makes the person one SOURCE_CSV_INVALID naming file and line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const exp = join(dir, 'ex');
    writeFullExport(exp);
    // Row 3 (line 4, after a multi-line cell) has one cell too many.
    writeFileSync(join(exp, 'Positions.csv'), 'Company Name,Title,Description,Location,Started On,Finished On\nAcme,Dev,"two\nlines",Hki,Jan 2020,\nSecret Corp,Boss,x,y,Jan 2019,Dec 2019,extra\n');
    let items = await collect(readFileSource(spec('ex'), { baseDir: dir, displayBase: dir }));
    assert.equal(items.length, 1);
    let err = items[0]?.error;
    assert.equal(items[0]?.record, undefined);
    assert.equal(err?.code, 'SOURCE_CSV_INVALID');
    assert.equal(err?.file, 'ex/Positions.csv');
    assert.equal(err?.line, 4);
    assert.match(err?.message ?? '', /7 cells but the header has 6/);
    assert.ok(!/Secret|Boss/.test(err?.message ?? ''));

    // An unclosed quote: reported at the line where its row starts (CRLF file, after a blank line).
    writeFileSync(join(exp, 'Positions.csv'), 'Company Name,Title,Description,Location,Started On,Finished On\r\nAcme,Dev,"a\r\nb",Hki,Jan 2020,\r\n\r\nSecret Corp,Boss,"never closed,y,Jan 2019,\r\n');
    items = await collect(readFileSource(spec('ex'), { baseDir: dir, displayBase: dir }));
    err = items[0]?.error;
    assert.equal(err?.code, 'SOURCE_CSV_INVALID');
    assert.equal(err?.line, 5);
    assert.match(err?.message ?? '', /never closed/);
    assert.ok(!/Secret|Boss/.test(err?.message ?? ''));

    // A stray quote inside an unquoted cell: csv-parse quotes the value in its own message; ours does not.
    writeFileSync(join(exp, 'Positions.csv'), 'Company Name,Title\nAcme,Dev\nSecret "Corp",Boss\n');
    items = await collect(readFileSource(spec('ex'), { baseDir: dir, displayBase: dir }));
    err = items[0]?.error;
    assert.equal(err?.code, 'SOURCE_CSV_INVALID');
    assert.equal(err?.line, 3);
    assert.ok(!/Secret|Corp|Boss/.test(err?.message ?? ''), err?.message);
  } finally {
    cleanup();
  }
});

test('linkedin: preamble lines before the header are skipped and line numbers count them', () => {
  const text = 'Notes:\n"When exporting, some values may be missing.\nSee the help page."\n\nName,Proficiency\nFinnish,Native\nSwedish\n';
  const r = parseCsvTable(text, { file: 'Languages.csv', columns: ['Name', 'Proficiency'] });
  assert.ok('error' in r);
  assert.equal(r.error.line, 7);
  const ok = parseCsvTable('Notes:\nsomething\nName,Proficiency\nFinnish,Native\n', { file: 'Languages.csv', columns: ['Name', 'Proficiency'] });
  assert.deepEqual(ok, { rows: [{ Name: 'Finnish', Proficiency: 'Native' }] });
  // Without a recognisable header the first line is the header.
  const unknown = parseCsvTable('Nimi,Taso\nSuomi,Äidinkieli\n', { file: 'Languages.csv', columns: ['Name', 'Proficiency'] });
  assert.deepEqual(unknown, { rows: [{ Nimi: 'Suomi', Taso: 'Äidinkieli' }] });
});

test('linkedin: a folder with none of the files is SOURCE_EXPORT_EMPTY; a broken consent file is SOURCE_JSON_INVALID', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'exports', 'a'), { recursive: true });
    mkdirSync(join(dir, 'exports', 'b'), { recursive: true });
    writeFileSync(join(dir, 'exports', 'a', 'Connections.csv'), 'First Name\nX\n');
    writeFileSync(join(dir, 'exports', 'a', 'tmt-consent.json'), '{}');
    writeFileSync(join(dir, 'exports', 'b', 'Skills.csv'), 'Name\nGo\n');
    writeFileSync(join(dir, 'exports', 'b', 'TMT-Consent.json'), '{\n  "languages": yes\n}');
    const items = await collect(readFileSource(spec('exports/*/'), { baseDir: dir, displayBase: dir }));
    assert.deepEqual(items.map((i) => i.origin), ['exports/a', 'exports/b']);
    assert.equal(items[0]?.error?.code, 'SOURCE_EXPORT_EMPTY');
    assert.equal(items[1]?.error?.code, 'SOURCE_JSON_INVALID');
    assert.equal(items[1]?.error?.file, 'exports/b/TMT-Consent.json');
    assert.equal(items[1]?.error?.line, 2);
    assert.equal(items[1]?.error?.column, 16);
  } finally {
    cleanup();
  }
});

test('linkedin: a path that is a file or cannot be read is SOURCE_UNREADABLE', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'Positions.csv'), 'Company Name\nAcme\n');
    const items = await collect(readFileSource(spec('Positions.csv'), { baseDir: dir, displayBase: dir }));
    assert.equal(items.length, 1);
    assert.equal(items[0]?.error?.code, 'SOURCE_UNREADABLE');
    assert.match(items[0]?.error?.message ?? '', /not an export folder/);
  } finally {
    cleanup();
  }
});

test('linkedin: __proto__ and constructor headers are own data properties, prototypes untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'Skills.csv'), 'Name,__proto__,constructor,hasOwnProperty\nTS,"{""polluted"":true}",ctor,own\n');
    const items = await collect(readFileSource(spec('.'), { baseDir: dir, displayBase: dir }));
    const rec = items[0]?.record as { skills: Record<string, unknown>[] };
    const row = rec.skills[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepEqual(Object.keys(row), ['Name', '__proto__', 'constructor', 'hasOwnProperty']);
    assert.equal(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, '{"polluted":true}');
    assert.equal(row.constructor, 'ctor');
    assert.equal((row as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.equal(JSON.parse(JSON.stringify(row)).__proto__, '{"polluted":true}');
  } finally {
    cleanup();
  }
});

test('linkedin: repeated and empty header cells, whitespace-only cells and empty rows', () => {
  const r = parseCsvTable(' Name ,Name,,Proficiency\nFinnish,dup,x, \n,,,\n,Swedish,,Basic\n', { file: 'Languages.csv', columns: ['Name', 'Proficiency'] });
  assert.deepEqual(r, { rows: [{ Name: 'Finnish' }, { Name: 'Swedish', Proficiency: 'Basic' }] });
});
