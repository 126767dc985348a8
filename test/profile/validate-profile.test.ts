import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../helpers.js';
import type { ErrorCode, Issue } from '../../src/errors.js';
import { PROFILE_SECTIONS, LIST_SECTIONS } from '../../src/profile/sections.js';
import { createProfileValidator, validateProfile, PROFILE_SCHEMA_ID, PROFILE_SCHEMA_FILE } from '../../src/profile/validate-profile.js';
import { definitionCode } from '../../src/profile/schema-issues.js';

// Real ESCO 1.2 URIs (from the reference ESCO files), never made up.
const OCC_SOFTWARE_DEVELOPER = 'http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1';
const OCC_ICT_PROJECT_MANAGER = 'http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525';
const SKILL_TEAMWORK = 'http://data.europa.eu/esco/skill/a5b0cd5c-e13a-4ab3-8d93-4d242adcfb01';
const SKILL_MANAGE_TEAM = 'http://data.europa.eu/esco/skill/cb668e89-6ef5-4ff3-ab4a-506010e7e70b';

/** "Now" for every test: noon UTC on 15 June 2024 (15:00 in Helsinki). */
const NOW = new Date('2024-06-15T12:00:00Z');
const validate = createProfileValidator({ now: () => NOW });

type Json = Record<string, any>;

/** A valid profile touching every section and every field. */
function fullProfile(): Json {
  const desc = (fi: string): Json => ({
    description: { fi, sv: `${fi} (sv)`, en: `${fi} (en)` },
    occupations: [{ uri: OCC_SOFTWARE_DEVELOPER }],
    skills: [{ uri: SKILL_TEAMWORK }, { uri: SKILL_MANAGE_TEAM }],
  });
  return {
    generalInfo: {
      caption: { fi: 'Ohjelmistokehittäjä', en: 'Software developer' },
      description: { fi: 'Kokenut kehittäjä.' },
      personAvailability: '01',
      personAvailabilityText: { fi: 'Kuukauden kuluttua' },
      startDate: '2024-09-01',
      preferredCountries: ['FI', '246'],
      preferredMunicipalities: ['091', '049'],
      preferredRegions: ['01'],
      willingToTravel: true,
      willingToWorkRemotely: false,
    },
    employments: [
      {
        employer: { fi: 'Esimerkki Oy' },
        employerNameHidden: false,
        title: { fi: 'Kehittäjä', sv: 'Utvecklare', en: 'Developer' },
        interval: { startDate: '2020-01-01', endDate: null, ongoing: true },
        description: desc('Taustajärjestelmät'),
      },
      {
        employer: { fi: 'Toinen Oy' },
        title: { fi: 'Harjoittelija' },
        interval: { startDate: '2019-05-01', endDate: '2019-08-31', ongoing: false },
      },
    ],
    educations: [
      {
        degreeCode: '671101',
        customDegreeName: { fi: 'Tietojenkäsittelytieteen maisteri' },
        degreeInstitution: { fi: 'Helsingin yliopisto' },
        interval: { startDate: '2014-09-01', endDate: '2019-06-15', abortedDate: null, statusCode: '2' },
        description: desc('Ohjelmistotuotanto'),
      },
      {
        customDegreeName: { fi: 'Keskeytetty tutkinto' },
        interval: { startDate: '2012-09-01', abortedDate: '2013-05-31', statusCode: '3' },
      },
    ],
    projects: [
      { title: { fi: 'Avoimen lähdekoodin kirjasto' }, interval: { startDate: '2021-02-01', ongoing: true }, description: desc('Ylläpito') },
    ],
    businessActivities: [
      {
        businessId: '1234567-8',
        businessType: '1',
        name: { fi: 'Toiminimi Esimerkki' },
        title: { fi: 'Yrittäjä' },
        interval: { startDate: '2018-01-01', endDate: '2018-12-31', ongoing: false },
        description: desc('Konsultointi'),
      },
    ],
    languageSkills: [
      { code: 'fi', level: 'L1', description: { fi: 'Äidinkieli' } },
      { code: 'en', level: 'C1' },
      { code: 'swe', level: 'B1' },
    ],
    certifications: { cardCodes: ['001', 'A12'], description: { fi: 'Hygieniapassi' } },
    drivingLicenses: { licenseClasses: ['B', 'C1', 'AM120'], ownCarAvailable: true, description: { fi: 'Oma auto' } },
    externalLinks: [{ label: { fi: 'Koodit' }, url: 'https://example.org/koodit' }, { url: 'HTTP://www.example.com' }],
    experienceDescription: desc('Kymmenen vuotta ohjelmistokehitystä'),
    jobPreferenceDescription: { description: { fi: 'Tiiminvetäjä' }, occupations: [{ uri: OCC_ICT_PROJECT_MANAGER }] },
  };
}

/** A full profile changed by `edit`. */
function withEdit(edit: (p: Json) => void): Json {
  const p = fullProfile();
  edit(p);
  return p;
}

function codesAt(issues: Issue[]): string[] {
  return issues.map((i) => `${i.code} ${i.pointer ?? ''}`).sort();
}

const schema = JSON.parse(readFileSync(fromRoot('schemas', 'profile.schema.json'), 'utf8')) as Json;

describe('profile schema file', () => {
  it('has the exported $id and lies where the validator reads it', () => {
    assert.equal(schema['$id'], PROFILE_SCHEMA_ID);
    assert.equal(PROFILE_SCHEMA_FILE.pathname, new URL(`file://${fromRoot('schemas', 'profile.schema.json')}`).pathname);
  });

  it('has exactly the profile sections as top-level properties and forbids others', () => {
    assert.deepEqual(Object.keys(schema['properties']).sort(), [...PROFILE_SECTIONS].sort());
    assert.equal(schema['additionalProperties'], false);
  });

  it('limits every list section to 1..20 items', () => {
    for (const section of LIST_SECTIONS) {
      const s = schema['properties'][section];
      assert.equal(s.type, 'array', section);
      assert.equal(s.minItems, 1, section);
      assert.equal(s.maxItems, 20, section);
    }
  });

  it('closes every object schema and describes every property', () => {
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      const n = node as Json;
      if (n['type'] === 'object') assert.equal(n['additionalProperties'], false, `${path} must not allow other fields`);
      if (n['properties']) {
        for (const [k, v] of Object.entries(n['properties'] as Json)) assert.ok(typeof v.description === 'string', `${path}/properties/${k} has a description`);
      }
      for (const [k, v] of Object.entries(n)) if (k !== 'enum') walk(v, `${path}/${k}`);
    };
    walk(schema, '');
  });

  it('gives every pattern or enum definition a specific issue code and a title for messages', () => {
    for (const [name, def] of Object.entries(schema['definitions'] as Json)) {
      if (def.pattern !== undefined || def.enum !== undefined || def.anyOf !== undefined) {
        assert.ok(definitionCode(name), `definition ${name} is classified`);
        assert.ok(typeof def.title === 'string', `definition ${name} has a title`);
      }
    }
  });
});

describe('createProfileValidator', () => {
  it('accepts a full valid profile touching every section', () => {
    const p = fullProfile();
    assert.deepEqual(Object.keys(p).sort(), [...PROFILE_SECTIONS].sort());
    assert.deepEqual(validate(p), []);
  });

  it('accepts an empty profile and single sections', () => {
    assert.deepEqual(validate({}), []);
    assert.deepEqual(validate({ languageSkills: [{ code: 'sv' }] }), []);
  });

  it('does not change the profile it checks', () => {
    const p = withEdit((x) => {
      x.employments[0].extra = 1;
      x.employments[0].title = { en: 'x' };
    });
    const copy = structuredClone(p);
    validate(p);
    assert.deepEqual(p, copy);
  });

  const cases: Array<{ name: string; profile: unknown; code: ErrorCode; pointer: string }> = [
    // structure
    { name: 'unknown top-level field', profile: withEdit((p) => (p.salary = 1)), code: 'PROFILE_UNKNOWN_FIELD', pointer: '/salary' },
    { name: 'unknown item field', profile: withEdit((p) => (p.employments[1].location = 'x')), code: 'PROFILE_UNKNOWN_FIELD', pointer: '/employments/1/location' },
    { name: 'unknown language in a text', profile: withEdit((p) => (p.employments[0].title.de = 'x')), code: 'PROFILE_UNKNOWN_FIELD', pointer: '/employments/0/title/de' },
    { name: 'field with a slash is escaped', profile: withEdit((p) => (p.generalInfo['a/b'] = 1)), code: 'PROFILE_UNKNOWN_FIELD', pointer: '/generalInfo/a~1b' },
    { name: 'profile not an object', profile: [], code: 'PROFILE_SCHEMA', pointer: '' },
    { name: 'text as a plain string', profile: withEdit((p) => (p.projects[0].title = 'x')), code: 'PROFILE_SCHEMA', pointer: '/projects/0/title' },
    { name: 'boolean as a string', profile: withEdit((p) => (p.employments[0].employerNameHidden = 'yes')), code: 'PROFILE_SCHEMA', pointer: '/employments/0/employerNameHidden' },
    { name: 'ESCO item without uri', profile: withEdit((p) => (p.experienceDescription.skills = [{}])), code: 'PROFILE_SCHEMA', pointer: '/experienceDescription/skills/0' },
    { name: 'empty Swedish text', profile: withEdit((p) => (p.employments[0].title.sv = '')), code: 'PROFILE_SCHEMA', pointer: '/employments/0/title/sv' },
    // lists
    { name: '21 employments', profile: withEdit((p) => (p.employments = Array.from({ length: 21 }, () => ({ title: { fi: 't' } })))), code: 'PROFILE_TOO_MANY', pointer: '/employments' },
    { name: '121 skills', profile: withEdit((p) => (p.experienceDescription.skills = Array.from({ length: 121 }, () => ({ uri: SKILL_TEAMWORK })))), code: 'PROFILE_TOO_MANY', pointer: '/experienceDescription/skills' },
    { name: '121 municipalities', profile: withEdit((p) => (p.generalInfo.preferredMunicipalities = Array.from({ length: 121 }, () => '091'))), code: 'PROFILE_TOO_MANY', pointer: '/generalInfo/preferredMunicipalities' },
    { name: 'empty section', profile: withEdit((p) => (p.educations = [])), code: 'PROFILE_EMPTY_ARRAY', pointer: '/educations' },
    { name: 'empty code list', profile: withEdit((p) => (p.drivingLicenses.licenseClasses = [])), code: 'PROFILE_EMPTY_ARRAY', pointer: '/drivingLicenses/licenseClasses' },
    { name: 'empty occupations', profile: withEdit((p) => (p.jobPreferenceDescription.occupations = [])), code: 'PROFILE_EMPTY_ARRAY', pointer: '/jobPreferenceDescription/occupations' },
    // lengths
    { name: 'title over 128', profile: withEdit((p) => (p.employments[0].title.fi = 'x'.repeat(129))), code: 'PROFILE_TOO_LONG', pointer: '/employments/0/title/fi' },
    { name: 'employer over 254', profile: withEdit((p) => (p.employments[0].employer.en = 'x'.repeat(255))), code: 'PROFILE_TOO_LONG', pointer: '/employments/0/employer/en' },
    { name: 'description over 5000', profile: withEdit((p) => (p.experienceDescription.description.sv = 'x'.repeat(5001))), code: 'PROFILE_TOO_LONG', pointer: '/experienceDescription/description/sv' },
    { name: 'URL over 254', profile: withEdit((p) => (p.externalLinks[0].url = `https://example.org/${'a'.repeat(240)}`)), code: 'PROFILE_TOO_LONG', pointer: '/externalLinks/0/url' },
    // ESCO
    { name: 'occupation URI among skills', profile: withEdit((p) => (p.experienceDescription.skills[1].uri = OCC_SOFTWARE_DEVELOPER)), code: 'PROFILE_ESCO_URI', pointer: '/experienceDescription/skills/1/uri' },
    { name: 'skill URI among occupations', profile: withEdit((p) => (p.jobPreferenceDescription.occupations[0].uri = SKILL_TEAMWORK)), code: 'PROFILE_ESCO_URI', pointer: '/jobPreferenceDescription/occupations/0/uri' },
    { name: 'https ESCO URI', profile: withEdit((p) => (p.employments[0].description.occupations[0].uri = OCC_SOFTWARE_DEVELOPER.replace('http:', 'https:'))), code: 'PROFILE_ESCO_URI', pointer: '/employments/0/description/occupations/0/uri' },
    { name: 'ESCO URI with upper-case uuid', profile: withEdit((p) => (p.projects[0].description.skills[0].uri = SKILL_TEAMWORK.toUpperCase().replace('HTTP://DATA.EUROPA.EU/ESCO/SKILL/', 'http://data.europa.eu/esco/skill/'))), code: 'PROFILE_ESCO_URI', pointer: '/projects/0/description/skills/0/uri' },
    { name: 'over-long non-ESCO uri', profile: withEdit((p) => (p.experienceDescription.skills[0].uri = `http://example.org/${'s'.repeat(300)}`)), code: 'PROFILE_ESCO_URI', pointer: '/experienceDescription/skills/0/uri' },
    // URL
    { name: 'URL without scheme', profile: withEdit((p) => (p.externalLinks[0].url = 'www.example.org')), code: 'PROFILE_URL_INVALID', pointer: '/externalLinks/0/url' },
    { name: 'URL without dotted host', profile: withEdit((p) => (p.externalLinks[1].url = 'https://localhost/x')), code: 'PROFILE_URL_INVALID', pointer: '/externalLinks/1/url' },
    { name: 'ftp URL', profile: withEdit((p) => (p.externalLinks[0].url = 'ftp://example.org')), code: 'PROFILE_URL_INVALID', pointer: '/externalLinks/0/url' },
    // codes
    { name: 'KUNTA of 2 digits', profile: withEdit((p) => (p.generalInfo.preferredMunicipalities[1] = '91')), code: 'PROFILE_CODE_INVALID', pointer: '/generalInfo/preferredMunicipalities/1' },
    { name: 'KUNTA with a letter', profile: withEdit((p) => (p.generalInfo.preferredMunicipalities[0] = '09a')), code: 'PROFILE_CODE_INVALID', pointer: '/generalInfo/preferredMunicipalities/0' },
    { name: 'MAAKUNTA of 3 digits', profile: withEdit((p) => (p.generalInfo.preferredRegions[0] = '001')), code: 'PROFILE_CODE_INVALID', pointer: '/generalInfo/preferredRegions/0' },
    { name: 'MAA of 4 chars', profile: withEdit((p) => (p.generalInfo.preferredCountries[0] = 'FINL')), code: 'PROFILE_CODE_INVALID', pointer: '/generalInfo/preferredCountries/0' },
    { name: 'MAA of 1 char', profile: withEdit((p) => (p.generalInfo.preferredCountries[1] = 'F')), code: 'PROFILE_CODE_INVALID', pointer: '/generalInfo/preferredCountries/1' },
    { name: 'KIELI in upper case', profile: withEdit((p) => (p.languageSkills[0].code = 'FI')), code: 'PROFILE_CODE_INVALID', pointer: '/languageSkills/0/code' },
    { name: 'KIELI as a name', profile: withEdit((p) => (p.languageSkills[1].code = 'english')), code: 'PROFILE_CODE_INVALID', pointer: '/languageSkills/1/code' },
    { name: 'language level of 3 chars', profile: withEdit((p) => (p.languageSkills[1].level = 'C1+')), code: 'PROFILE_CODE_INVALID', pointer: '/languageSkills/1/level' },
    { name: 'licence class of 6 chars', profile: withEdit((p) => (p.drivingLicenses.licenseClasses[0] = 'BCDEFG')), code: 'PROFILE_CODE_INVALID', pointer: '/drivingLicenses/licenseClasses/0' },
    { name: 'card code of 2 chars', profile: withEdit((p) => (p.certifications.cardCodes[1] = '12')), code: 'PROFILE_CODE_INVALID', pointer: '/certifications/cardCodes/1' },
    { name: 'degree code of 7 chars', profile: withEdit((p) => (p.educations[0].degreeCode = '6711011')), code: 'PROFILE_CODE_INVALID', pointer: '/educations/0/degreeCode' },
    { name: 'business ID of 11 chars', profile: withEdit((p) => (p.businessActivities[0].businessId = '12345678-90')), code: 'PROFILE_CODE_INVALID', pointer: '/businessActivities/0/businessId' },
    { name: 'business type of 3 chars', profile: withEdit((p) => (p.businessActivities[0].businessType = '123')), code: 'PROFILE_CODE_INVALID', pointer: '/businessActivities/0/businessType' },
    { name: 'availability of 3 chars', profile: withEdit((p) => (p.generalInfo.personAvailability = '001')), code: 'PROFILE_CODE_INVALID', pointer: '/generalInfo/personAvailability' },
    { name: 'education status 4', profile: withEdit((p) => (p.educations[0].interval.statusCode = '4')), code: 'PROFILE_CODE_INVALID', pointer: '/educations/0/interval/statusCode' },
    { name: 'education status as a number', profile: withEdit((p) => (p.educations[0].interval.statusCode = 2)), code: 'PROFILE_CODE_INVALID', pointer: '/educations/0/interval/statusCode' },
    // dates
    { name: '30 February', profile: withEdit((p) => (p.employments[1].interval.startDate = '2019-02-30')), code: 'PROFILE_DATE_INVALID', pointer: '/employments/1/interval/startDate' },
    { name: '29 February in a common year', profile: withEdit((p) => (p.employments[1].interval.endDate = '2019-02-29')), code: 'PROFILE_DATE_INVALID', pointer: '/employments/1/interval/endDate' },
    { name: '29 February 1900', profile: withEdit((p) => (p.projects[0].interval.startDate = '1900-02-29')), code: 'PROFILE_DATE_INVALID', pointer: '/projects/0/interval/startDate' },
    { name: '31 April of availability', profile: withEdit((p) => (p.generalInfo.startDate = '2024-04-31')), code: 'PROFILE_DATE_INVALID', pointer: '/generalInfo/startDate' },
    { name: 'month 13', profile: withEdit((p) => (p.educations[0].interval.endDate = '2019-13-01')), code: 'PROFILE_DATE_INVALID', pointer: '/educations/0/interval/endDate' },
    { name: 'Finnish date form', profile: withEdit((p) => (p.educations[1].interval.abortedDate = '31.5.2013')), code: 'PROFILE_DATE_INVALID', pointer: '/educations/1/interval/abortedDate' },
    { name: 'date with a time', profile: withEdit((p) => (p.employments[0].interval.startDate = '2020-01-01T00:00:00Z')), code: 'PROFILE_DATE_INVALID', pointer: '/employments/0/interval/startDate' },
    { name: 'date as a number', profile: withEdit((p) => (p.employments[1].interval.endDate = 20190831)), code: 'PROFILE_DATE_INVALID', pointer: '/employments/1/interval/endDate' },
    { name: 'null start date', profile: withEdit((p) => (p.employments[1].interval.startDate = null)), code: 'PROFILE_DATE_INVALID', pointer: '/employments/1/interval/startDate' },
    // Finnish text
    { name: 'text without fi', profile: withEdit((p) => (p.employments[0].title = { sv: 'Utvecklare', en: 'Developer' })), code: 'PROFILE_FI_MISSING', pointer: '/employments/0/title' },
    { name: 'empty text object', profile: withEdit((p) => (p.externalLinks[0].label = {})), code: 'PROFILE_FI_MISSING', pointer: '/externalLinks/0/label' },
    { name: 'empty fi', profile: withEdit((p) => (p.generalInfo.caption.fi = '')), code: 'PROFILE_FI_MISSING', pointer: '/generalInfo/caption/fi' },
    // rules
    { name: 'start date today', profile: withEdit((p) => (p.projects[0].interval.startDate = '2024-06-15')), code: 'PROFILE_START_IN_FUTURE', pointer: '/projects/0/interval/startDate' },
    { name: 'business started next year', profile: withEdit((p) => (p.businessActivities[0].interval = { startDate: '2025-01-01', ongoing: true })), code: 'PROFILE_START_IN_FUTURE', pointer: '/businessActivities/0/interval/startDate' },
    { name: 'ongoing with an end', profile: withEdit((p) => (p.employments[0].interval.endDate = '2023-01-01')), code: 'PROFILE_ONGOING_WITH_END', pointer: '/employments/0/interval/endDate' },
    { name: 'end before start', profile: withEdit((p) => (p.employments[1].interval.endDate = '2019-04-30')), code: 'PROFILE_END_BEFORE_START', pointer: '/employments/1/interval/endDate' },
    { name: 'education end before start', profile: withEdit((p) => (p.educations[0].interval.endDate = '2014-08-31')), code: 'PROFILE_END_BEFORE_START', pointer: '/educations/0/interval/endDate' },
    { name: 'education aborted before start', profile: withEdit((p) => (p.educations[1].interval.abortedDate = '2011-01-01')), code: 'PROFILE_END_BEFORE_START', pointer: '/educations/1/interval/abortedDate' },
  ];

  for (const c of cases) {
    it(`reports ${c.code} once for: ${c.name}`, () => {
      const issues = validate(c.profile);
      assert.deepEqual(codesAt(issues), [`${c.code} ${c.pointer}`]);
      const only = issues[0]!;
      assert.equal(only.severity, 'error');
      assert.ok(only.message.length > 0);
    });
  }

  it('accepts the edges of each rule', () => {
    const edges = withEdit((p) => {
      p.employments[0].title.fi = 'x'.repeat(128);
      p.experienceDescription.description.fi = 'x'.repeat(5000);
      p.employments[1].interval = { startDate: '2019-05-01', endDate: '2019-05-01', ongoing: false }; // one-day job
      p.projects[0].interval = { startDate: '2024-02-29', endDate: null, ongoing: true }; // leap day
      p.educations[0].interval = { startDate: '2025-09-01', statusCode: '1' }; // studies about to start
      p.employments = [...p.employments, ...Array.from({ length: 18 }, () => ({ title: { fi: 't' } }))];
      p.experienceDescription.skills = Array.from({ length: 120 }, () => ({ uri: SKILL_TEAMWORK }));
      p.externalLinks[0].url = `https://example.org/${'a'.repeat(234)}`; // 254 characters
    });
    assert.equal(edges.employments.length, 20);
    assert.equal(edges.externalLinks[0].url.length, 254);
    assert.deepEqual(validate(edges), []);
  });

  it('reports several problems at once', () => {
    const p = withEdit((x) => {
      x.foo = true;
      x.employments[0].title = { en: 'Developer' };
      x.employments[1].interval.endDate = '2019-02-30';
      x.projects[0].interval.startDate = '2030-01-01';
      x.educations = [];
      x.generalInfo.preferredRegions = ['1'];
      x.externalLinks[0].url = 'example.org';
      x.experienceDescription.skills[0].uri = 'http://data.europa.eu/esco/skill/not-a-uuid';
      x.languageSkills[0].description.fi = 'y'.repeat(5001);
      x.businessActivities[0].interval.endDate = '2017-01-01';
    });
    assert.deepEqual(codesAt(validate(p)), [
      'PROFILE_CODE_INVALID /generalInfo/preferredRegions/0',
      'PROFILE_DATE_INVALID /employments/1/interval/endDate',
      'PROFILE_EMPTY_ARRAY /educations',
      'PROFILE_END_BEFORE_START /businessActivities/0/interval/endDate',
      'PROFILE_ESCO_URI /experienceDescription/skills/0/uri',
      'PROFILE_FI_MISSING /employments/0/title',
      'PROFILE_START_IN_FUTURE /projects/0/interval/startDate',
      'PROFILE_TOO_LONG /languageSkills/0/description/fi',
      'PROFILE_UNKNOWN_FIELD /foo',
      'PROFILE_URL_INVALID /externalLinks/0/url',
    ]);
  });

  it('never puts a value from the profile into a message', () => {
    const secret = 'Zyx-Matti-Meikäläinen-4711';
    const p = withEdit((x) => {
      x.employments[0].title.fi = `${secret} ${'x'.repeat(200)}`;
      x.employments[0].title.sv = secret; // valid value next to an invalid one
      x.employments[1].unknown = secret;
      x.externalLinks[0].url = `mailto:${secret}`;
      x.generalInfo.preferredMunicipalities[0] = secret;
      x.languageSkills[0].code = secret;
      x.educations[0].interval.statusCode = secret;
      x.experienceDescription.skills[0].uri = `http://data.europa.eu/esco/skill/${secret}`;
      x.projects[0].interval.startDate = `${secret}-01-01`;
      x.projects[0].interval.endDate = secret;
      x.businessActivities[0].businessId = secret;
      x.generalInfo.caption = secret;
    });
    const issues = validate(p);
    assert.ok(issues.length >= 10, `expected many issues, got ${issues.length}`);
    for (const i of issues) {
      assert.ok(!i.message.includes('Zyx'), `message leaks a value: ${i.code} at ${i.pointer}`);
      assert.ok(!JSON.stringify(i).includes('Zyx'), `issue leaks a value: ${i.code} at ${i.pointer}`);
    }
  });

  it('reports one issue for a value that breaks several schema rules', () => {
    // not a date, not null: the date branch and the null branch both fail
    const p = withEdit((x) => (x.employments[1].interval.endDate = { year: 2019 }));
    assert.deepEqual(codesAt(validate(p)), ['PROFILE_DATE_INVALID /employments/1/interval/endDate']);
    // too long and not an http URL
    const q = withEdit((x) => (x.externalLinks[0].url = `example.org/${'a'.repeat(300)}`));
    assert.deepEqual(codesAt(validate(q)), ['PROFILE_URL_INVALID /externalLinks/0/url']);
  });

  it('names the rule in messages', () => {
    const messageFor = (edit: (p: Json) => void): string => validate(withEdit(edit))[0]?.message ?? '';
    assert.match(messageFor((p) => (p.generalInfo.preferredMunicipalities[0] = '1')), /KUNTA.*exactly 3 digits/);
    assert.match(messageFor((p) => (p.employments[0].title.fi = 'x'.repeat(129))), /at most 128 characters/);
    assert.match(messageFor((p) => (p.employments = Array.from({ length: 21 }, () => ({})))), /at most 20 items/);
    assert.match(messageFor((p) => (p.employments[1].interval.startDate = '2019-02-30')), /not a calendar date/);
    assert.match(messageFor((p) => (p.employments[0].employerNameHidden = 1)), /must be true or false/);
  });
});

describe('now injection', () => {
  const at = (iso: string) => createProfileValidator({ now: () => new Date(iso) });
  const started = (startDate: string): Json => ({ employments: [{ title: { fi: 't' }, interval: { startDate, ongoing: true } }] });

  it('rejects a start tomorrow and accepts one yesterday', () => {
    const v = at('2024-06-15T12:00:00Z');
    assert.deepEqual(codesAt(v(started('2024-06-16'))), ['PROFILE_START_IN_FUTURE /employments/0/interval/startDate']);
    assert.deepEqual(v(started('2024-06-14')), []);
  });

  it('uses the calendar in Finland to decide what today is', () => {
    // 22:30 UTC on 15 June is already 16 June in Helsinki: 15 June lies in the past there.
    assert.deepEqual(at('2024-06-15T22:30:00Z')(started('2024-06-15')), []);
    // 20:00 UTC on 15 June is still 15 June in Helsinki: a start on 15 June is today, not in the past.
    assert.deepEqual(codesAt(at('2024-06-15T20:00:00Z')(started('2024-06-15'))), ['PROFILE_START_IN_FUTURE /employments/0/interval/startDate']);
  });

  it('reads the clock at each call', () => {
    let now = new Date('2024-06-15T12:00:00Z');
    const v = createProfileValidator({ now: () => now });
    assert.equal(v(started('2024-06-20')).length, 1);
    now = new Date('2024-06-21T12:00:00Z');
    assert.deepEqual(v(started('2024-06-20')), []);
  });

  it('does not apply the past rule to availability or to studies about to start', () => {
    const v = at('2024-06-15T12:00:00Z');
    assert.deepEqual(v({ generalInfo: { startDate: '2024-08-01' } }), []);
    assert.deepEqual(v({ educations: [{ customDegreeName: { fi: 'k' }, interval: { startDate: '2024-08-01', statusCode: '1' } }] }), []);
  });
});

describe('validateProfile', () => {
  it('checks with a shared validator', () => {
    assert.deepEqual(validateProfile({ employments: [{ title: { fi: 't' }, interval: { startDate: '2000-01-01', ongoing: true } }] }), []);
    assert.deepEqual(codesAt(validateProfile({ projects: [] })), ['PROFILE_EMPTY_ARRAY /projects']);
  });

  it('takes a clock', () => {
    const p = { projects: [{ title: { fi: 't' }, interval: { startDate: '2024-06-16' } }] };
    assert.deepEqual(codesAt(validateProfile(p, { now: () => NOW })), ['PROFILE_START_IN_FUTURE /projects/0/interval/startDate']);
    assert.deepEqual(validateProfile(p, { now: () => new Date('2024-07-01T00:00:00Z') }), []);
  });

  it('is fast enough for large runs', () => {
    const profiles = Array.from({ length: 2000 }, () => fullProfile());
    const v = createProfileValidator();
    const started = performance.now();
    for (const p of profiles) assert.equal(v(p).length, 0);
    const perProfileMs = (performance.now() - started) / profiles.length;
    // Typically ~0.05 ms; the bound only catches per-call compilation (tens of ms).
    assert.ok(perProfileMs < 2, `${perProfileMs.toFixed(3)} ms per profile`);
  });
});
