/**
 * One person, one unit of work: key → map → consent → validate. Every stage either passes the
 * person on or records a coded reason; nothing here throws for bad data.
 */
import { applyConsent, type Withheld } from '../consent/consent.js';
import { isTmtError, issue, errorMessage, type Issue } from '../errors.js';
import type { Pseudonymizer } from '../logging/pseudonym.js';
import type { CompiledPipeline } from '../pipeline/load-pipeline.js';
import type { SourceItem } from '../sources/types.js';
import { LIST_SECTIONS } from '../profile/sections.js';

export type PersonStatus = 'ready' | 'skipped' | 'invalid';

/** What a report shows about one person: no key, no personal data outside `profile`. */
export interface PersonResult {
  /** Pseudonym of the person's key (null when the key could not be read). */
  person: string | null;
  /** Where the record came from (file and position). */
  origin: string;
  status: PersonStatus;
  /** False when the result was produced with --assume-consent: it must never be sent. */
  sendable: boolean;
  /** The profile that would be sent (ready persons only). */
  profile?: Record<string, unknown>;
  /** Sections that would be sent. */
  sections: string[];
  withheld: Withheld[];
  issues: Issue[];
}

export interface ProcessedPerson {
  result: PersonResult;
  /** The person's key, for permit matching only; never logged or reported. */
  key?: string;
  /** With permits.from = field: the token carried by the record; a secret. */
  permitToken?: string;
}

export interface ProcessOptions {
  pseudonymize: Pseudonymizer;
  assumeConsent?: boolean;
}

export async function processPerson(item: SourceItem, pipeline: CompiledPipeline, options: ProcessOptions): Promise<ProcessedPerson> {
  const base = { origin: item.origin, sendable: !options.assumeConsent, sections: [] as string[], withheld: [] as Withheld[] };
  const invalid = (person: string | null, issues: Issue[], key?: string): ProcessedPerson => ({
    result: { ...base, person, status: 'invalid', issues },
    ...(key !== undefined ? { key } : {}),
  });
  if (item.error || item.record === undefined) {
    return invalid(null, [item.error ?? issue('SOURCE_RECORD_NOT_OBJECT', 'the source gave no record')]);
  }
  const record = item.record;

  // The person's key.
  let key: string | undefined;
  try {
    const k = await pipeline.key.evaluate(record);
    if ((typeof k === 'string' && k.trim() !== '') || (typeof k === 'number' && Number.isFinite(k))) key = String(k).trim();
  } catch (e) {
    return invalid(null, [asIssue(e, 'KEY_MISSING', 'the person key expression failed')]);
  }
  if (key === undefined) return invalid(null, [issue('KEY_MISSING', 'source.key gave no value (or not a single string) for this record', { pointer: '/source/key' })]);
  const person = options.pseudonymize(key);

  let permitToken: string | undefined;
  if (pipeline.permitField) {
    try {
      const t = await pipeline.permitField.evaluate(record);
      if (typeof t === 'string' && t !== '') permitToken = t;
    } catch {
      permitToken = undefined;
    }
  }

  // Map.
  let mapped: unknown;
  try {
    mapped = await pipeline.mapping.evaluate(record, pipeline.bindings);
  } catch (e) {
    return invalid(person, [asIssue(e, 'MAPPING_RUNTIME', 'the mapping failed')], key);
  }
  if (mapped === undefined || mapped === null) mapped = {};
  if (typeof mapped !== 'object' || Array.isArray(mapped)) {
    return invalid(person, [issue('MAPPING_NOT_OBJECT', `the mapping produced ${Array.isArray(mapped) ? 'a list' : `a ${typeof mapped}`}, not an object of profile sections`)], key);
  }
  // Plain JSON data from here on: what would go over the wire.
  const profileIn = JSON.parse(JSON.stringify(mapped)) as Record<string, unknown>;
  // JSONata gives a single object, not a one-item list, when a path matches once (`work.{...}`
  // over one job): list sections are always lists.
  for (const section of LIST_SECTIONS) {
    const v = profileIn[section];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) profileIn[section] = [v];
  }

  // Consent.
  const consent = await applyConsent(profileIn, record, pipeline.consent, { assumeConsent: options.assumeConsent ?? false });
  const sections = Object.keys(consent.profile);
  const common = { ...base, person, withheld: consent.withheld, sections };
  const extra = permitToken !== undefined ? { permitToken } : {};
  if (sections.length === 0) {
    return {
      result: { ...common, status: 'skipped', issues: [...consent.issues, issue('PROFILE_EMPTY', 'nothing to send: no mapped section is permitted', { severity: 'warning' })] },
      key,
      ...extra,
    };
  }

  // Validate what would be sent.
  const problems = pipeline.validateProfile(consent.profile);
  if (problems.length > 0) {
    return { result: { ...common, status: 'invalid', profile: consent.profile, issues: [...consent.issues, ...problems] }, key, ...extra };
  }
  return { result: { ...common, status: 'ready', profile: consent.profile, issues: consent.issues }, key, ...extra };
}

function asIssue(e: unknown, fallback: Issue['code'], what: string): Issue {
  if (isTmtError(e)) {
    const first = e.issues[0];
    return first ?? issue(e.code, e.message);
  }
  return issue(fallback, `${what}: ${errorMessage(e).split('\n')[0] ?? ''}`.slice(0, 300));
}
