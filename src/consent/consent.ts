/**
 * Consent: per profile section, a condition over the source record (the person's own sharing
 * choices) and fields never to send. Default deny: a section with no rule, or whose condition is
 * not exactly `true`, is withheld. Every withheld section and field is accounted for.
 */
import { errorMessage, isTmtError, issue, type Issue } from '../errors.js';
import type { CompiledExpression } from '../mapping/engine.js';
import { PROFILE_SECTIONS, type ProfileSection } from '../profile/sections.js';
import { isPlainObject, setOwn } from '../util/objects.js';

export interface CompiledConsentRule {
  section: ProfileSection;
  when: CompiledExpression;
  /** Source text of the condition (shown in previews; it is the integrator's, not the person's). */
  whenText: string;
  withhold: string[][];
  /** Where the rule lives, e.g. `consent.sections.employments`. */
  ruleRef: string;
}

export type CompiledConsent = ReadonlyMap<ProfileSection, CompiledConsentRule>;

export type WithheldReason = 'no-rule' | 'not-permitted' | 'rule-failed' | 'field-withheld' | 'not-a-section';

export interface Withheld {
  section: string;
  /** For field-withheld: the dot path inside the section (inside each item of a list). */
  field?: string;
  /** How many values were removed (items × occurrences) for field-withheld. */
  count?: number;
  reason: WithheldReason;
  /** The pipeline rule responsible, e.g. consent.sections.employments.when. */
  rule?: string;
}

export interface ConsentResult {
  profile: Record<string, unknown>;
  withheld: Withheld[];
  issues: Issue[];
}

export interface ConsentOptions {
  /** Evaluate as if the person had permitted every section that has a rule (preview only). */
  assumeConsent?: boolean;
}

/** Filter a mapped profile by the pipeline's consent rules. `mapped` is owned by the caller and may be changed. */
export async function applyConsent(mapped: Record<string, unknown>, record: unknown, rules: CompiledConsent, options: ConsentOptions = {}): Promise<ConsentResult> {
  const profile: Record<string, unknown> = {};
  const withheld: Withheld[] = [];
  const issues: Issue[] = [];
  for (const section of Object.keys(mapped)) {
    const value = mapped[section];
    if (value === undefined) continue;
    if (!(PROFILE_SECTIONS as readonly string[]).includes(section)) {
      withheld.push({ section, reason: 'not-a-section' });
      continue;
    }
    const rule = rules.get(section as ProfileSection);
    if (!rule) {
      withheld.push({ section, reason: 'no-rule', rule: `consent.sections.${section}` });
      continue;
    }
    if (!options.assumeConsent) {
      let permitted: unknown;
      try {
        permitted = await rule.when.evaluate(record);
      } catch (e) {
        const code = isTmtError(e) ? e.code : 'MAPPING_RUNTIME';
        issues.push(issue('CONSENT_EVAL', `consent rule for ${section} failed (${code}): ${isTmtError(e) ? e.message : errorMessage(e)}; the section is withheld`, { severity: 'warning', pointer: `/consent/sections/${section}/when` }));
        withheld.push({ section, reason: 'rule-failed', rule: `${rule.ruleRef}.when` });
        continue;
      }
      if (permitted !== true) {
        withheld.push({ section, reason: 'not-permitted', rule: `${rule.ruleRef}.when` });
        continue;
      }
    }
    let kept: unknown = value;
    for (const path of rule.withhold) {
      const removed = removePath(kept, path);
      if (removed > 0) withheld.push({ section, field: path.join('.'), count: removed, reason: 'field-withheld', rule: `${rule.ruleRef}.withhold` });
    }
    kept = pruneEmpty(kept);
    if (kept !== undefined) setOwn(profile, section, kept);
  }
  return { profile, withheld, issues };
}

/** Remove a dot path from an object, or from every item of a list; returns how many values went. */
function removePath(target: unknown, path: readonly string[]): number {
  if (Array.isArray(target)) return target.reduce((n: number, item) => n + removePath(item, path), 0);
  if (!isPlainObject(target) || path.length === 0) return 0;
  const [head, ...rest] = path as [string, ...string[]];
  if (!Object.prototype.hasOwnProperty.call(target, head)) return 0;
  if (rest.length === 0) {
    delete target[head];
    return 1;
  }
  return removePath(target[head], rest);
}

/** Drop what withholding emptied: empty objects and lists are never sent. */
function pruneEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(pruneEmpty).filter((x) => x !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (isPlainObject(v)) {
    let any = false;
    for (const k of Object.keys(v)) {
      const p = pruneEmpty(v[k]);
      if (p === undefined) delete v[k];
      else {
        if (p !== v[k]) setOwn(v, k, p);
        any = true;
      }
    }
    return any ? v : undefined;
  }
  return v;
}

