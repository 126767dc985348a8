import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConsent, type CompiledConsent, type CompiledConsentRule } from '../../src/consent/consent.js';
import { jsonataEngine } from '../../src/mapping/jsonata-engine.js';
import type { ProfileSection } from '../../src/profile/sections.js';

function rules(spec: Partial<Record<ProfileSection, { when: string; withhold?: string[] }>>): CompiledConsent {
  const m = new Map<ProfileSection, CompiledConsentRule>();
  for (const [section, r] of Object.entries(spec) as Array<[ProfileSection, { when: string; withhold?: string[] }]>) {
    m.set(section, { section, when: jsonataEngine.compile(r.when), whenText: r.when, withhold: (r.withhold ?? []).map((w) => w.split('.')), ruleRef: `consent.sections.${section}` });
  }
  return m;
}

const mapped = () => ({
  employments: [
    { employer: { fi: 'Acme' }, title: { fi: 'Kehittäjä' }, description: { description: { fi: 'x' }, skills: [{ uri: 'u' }] } },
    { employer: { fi: 'Beta' }, title: { fi: 'Testaaja' } },
  ],
  educations: [{ degreeInstitution: { fi: 'Aalto' } }],
  languageSkills: [{ code: 'fi', level: 'L1' }],
  notASection: 1,
});

test('default deny: sections without a rule and sections whose condition is not exactly true are withheld', async () => {
  const r = await applyConsent(mapped(), { consent: { work: true, edu: 'yes' } }, rules({ employments: { when: 'consent.work' }, educations: { when: 'consent.edu' } }));
  assert.deepEqual(Object.keys(r.profile), ['employments']);
  const bySection = Object.fromEntries(r.withheld.map((w) => [w.section, w]));
  assert.equal(bySection.educations?.reason, 'not-permitted');
  assert.equal(bySection.educations?.rule, 'consent.sections.educations.when');
  assert.equal(bySection.languageSkills?.reason, 'no-rule');
  assert.equal(bySection.notASection?.reason, 'not-a-section');
});

test('withheld fields are removed from every item and counted', async () => {
  const r = await applyConsent(mapped(), { ok: true }, rules({ employments: { when: 'ok', withhold: ['employer', 'description.skills'] } }));
  const items = r.profile.employments as Array<Record<string, unknown>>;
  assert.equal(items.length, 2);
  assert.ok(items.every((i) => !('employer' in i)));
  assert.deepEqual(items[0]?.description, { description: { fi: 'x' } });
  const employer = r.withheld.find((w) => w.field === 'employer');
  assert.equal(employer?.count, 2);
  assert.equal(employer?.reason, 'field-withheld');
  assert.equal(r.withheld.find((w) => w.field === 'description.skills')?.count, 1);
});

test('a section emptied by withholding is not sent at all (never an empty array)', async () => {
  const r = await applyConsent({ languageSkills: [{ code: 'fi' }] }, {}, rules({ languageSkills: { when: 'true', withhold: ['code'] } }));
  assert.deepEqual(r.profile, {});
});

test('a condition that fails at run time withholds the section with a warning', async () => {
  const r = await applyConsent(mapped(), {}, rules({ employments: { when: '$number("x")' } }));
  assert.equal(r.profile.employments, undefined);
  assert.equal(r.withheld.find((w) => w.section === 'employments')?.reason, 'rule-failed');
  assert.equal(r.issues[0]?.code, 'CONSENT_EVAL');
  assert.equal(r.issues[0]?.severity, 'warning');
});

test('assumeConsent permits every section that has a rule, and still withholds fields and rule-less sections', async () => {
  const r = await applyConsent(mapped(), { consent: {} }, rules({ employments: { when: 'consent.work', withhold: ['employer'] }, educations: { when: 'false' } }), { assumeConsent: true });
  assert.deepEqual(Object.keys(r.profile).sort(), ['educations', 'employments']);
  assert.ok(r.withheld.some((w) => w.section === 'languageSkills' && w.reason === 'no-rule'));
  assert.ok(r.withheld.some((w) => w.field === 'employer'));
});

test('keys such as __proto__ in a section are data and never change prototypes', async () => {
  const profile = JSON.parse('{"generalInfo": {"__proto__": {"polluted": true}, "caption": {"fi": "x"}}}') as Record<string, unknown>;
  const r = await applyConsent(profile, {}, rules({ generalInfo: { when: 'true', withhold: ['caption'] } }));
  const gi = r.profile.generalInfo as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(gi, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(gi), Object.prototype);
});
