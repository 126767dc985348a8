/**
 * The JSON Resume pipeline written by hand in plain JavaScript: the baseline the benchmark compares
 * the declarative pipeline against.
 *
 * `mapJsonResume` gives the same profile as mappings/jsonresume.jsonata (same helpers for dates,
 * text tidying, truncation and localized texts; the same lookup tables; the same order of items,
 * caps, "start date must lie before today (UTC)" rule and $clean), and `processJsonResume` follows
 * it with the consent rules of pipelines/jsonresume-files.pipeline.yaml coded by hand and the
 * product's profile validator, giving the same PersonResult as processPerson.
 *
 * It follows the mapping's JSONata semantics where they matter for real JSON Resume files:
 * JSONata truthiness for `a ? a : b`, single values where lists are expected, plain strings for
 * skills, languages and certificates, comma-separated keyword strings, null values. It does not
 * follow JSONata into shapes no JSON Resume has (e.g. `basics` as a list); the benchmark's test
 * (test/bench/handwritten.test.ts) checks the equality on the shipped examples and on generated
 * persons.
 */
import { issue, type Issue } from '../src/errors.js';
import type { Pseudonymizer } from '../src/logging/pseudonym.js';
import { toInterval, toIsoDate, isOngoing, type Interval } from '../src/mapping/dates.js';
import { clean, l10n, type L10n, type Language } from '../src/mapping/helpers.js';
import { loadLookupTable, type LookupTable } from '../src/mapping/lookups.js';
import { tidyText, truncateText } from '../src/mapping/text.js';
import type { ProfileValidator } from '../src/profile/validate-profile.js';
import type { PersonResult } from '../src/runner/process-person.js';
import type { Withheld } from '../src/consent/consent.js';

type Rec = Record<string, unknown>;

export interface HandwrittenTables {
  escoSkills: LookupTable;
  escoOccupations: LookupTable;
  languages: LookupTable;
  cefr: LookupTable;
  certificateCards: LookupTable;
}

/** The lookup tables the pipeline declares, read from the same files with the same options. */
export function loadHandwrittenTables(repoRoot: string): HandwrittenTables {
  const dir = `${repoRoot.replace(/\/$/, '')}/mappings/lookups/`;
  return {
    escoSkills: loadLookupTable(`${dir}esco-skills.csv`),
    escoOccupations: loadLookupTable(`${dir}esco-occupations.csv`),
    languages: loadLookupTable(`${dir}languages.csv`, { key: 'name', value: 'code' }),
    cefr: loadLookupTable(`${dir}fluency-cefr.yaml`),
    certificateCards: loadLookupTable(`${dir}certificate-cards.csv`),
  };
}

// ---------------------------------------------------------------------------------------------
// JSONata-compatible basics

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj.key` for an object; nothing for anything else. */
function get(v: unknown, key: string): unknown {
  return isRec(v) ? v[key] : undefined;
}

/** JSONata's $boolean (used by `a ? b : c`). */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
    case 'object':
      if (Array.isArray(v)) return v.length === 1 ? truthy(v[0]) : v.some(truthy);
      return Object.keys(v).length > 0;
    default:
      return false;
  }
}

/** `a ? a : b` */
function or(a: unknown, b: unknown): unknown {
  return truthy(a) ? a : b;
}

/** The mapping's $str: a tidied, non-empty string (numbers as JSONata's $string writes them). */
function str(v: unknown): string | undefined {
  if (typeof v === 'string') return tidyText(v);
  if (typeof v === 'number') return String(Number(v.toPrecision(15)));
  return undefined;
}

/** $list: a list as is, a single value as a one-item list, nothing as []. */
function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : v !== undefined ? [v] : [];
}

/** $words: a list, or one string of comma-separated words. */
function words(v: unknown): readonly unknown[] {
  return typeof v === 'string' ? v.split(',') : list(v);
}

function objects(v: unknown): Rec[] {
  return list(v).filter(isRec);
}

function strings(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const s = str(v);
    if (s !== undefined) out.push(s);
  }
  return out;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      n++;
    }
  }
  return n;
}

const RE_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const RE_BARE_HOST = /^[^\s/?#@:]+\.[a-z]{2,}([/?#:]|$)/i;
const RE_URL = /^https?:\/\/[^\s/?#@]+\.[^\s/?#@]+([/?#]\S*)?$/i;

function toUrl(v: unknown): string | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const u = !RE_SCHEME.test(s) && RE_BARE_HOST.test(s) ? `https://${s}` : s;
  return codePoints(u) <= 254 && RE_URL.test(u) ? u : undefined;
}

interface Dated {
  interval?: { startDate?: string } | null;
}

function startOf(item: Dated): string | undefined {
  const i = item.interval;
  return i === null || i === undefined ? undefined : i.startDate;
}

/** Newest start date first, items without one last; ties keep their order (a stable sort). */
function newestFirst(a: Dated, b: Dated): number {
  const sa = startOf(a);
  const sb = startOf(b);
  if (sa === sb) return 0;
  if (sa === undefined) return 1;
  if (sb === undefined) return -1;
  return sa < sb ? 1 : -1;
}

function dedupe<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = keyOf(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The mapping

export interface MapOptions {
  tables: HandwrittenTables;
  /** The pipeline's mapping.language. */
  language?: Language;
}

const LANGUAGES = ['fi', 'sv', 'en'];

/** A mapper with the tables bound; each call maps one JSON Resume record to a profile ({} when nothing is usable). */
export function createJsonResumeMapper(options: MapOptions): (record: unknown) => Rec {
  const { tables } = options;
  const defaultLanguage: Language = options.language ?? 'en';
  const websiteLabel = l10n({ fi: 'Verkkosivusto', sv: 'Webbplats', en: 'Website' }, undefined, defaultLanguage)!;
  const profileLabel = l10n({ fi: 'Profiili', sv: 'Profil', en: 'Profile' }, undefined, defaultLanguage)!;

  return (record: unknown): Rec => {
    const today = new Date().toISOString().slice(0, 10);
    const metaLanguage = str(get(get(record, 'meta'), 'language'))?.toLowerCase();
    const lang = metaLanguage !== undefined && LANGUAGES.includes(metaLanguage) ? metaLanguage : undefined;

    const short = (v: unknown): L10n | undefined => {
      const s = str(v);
      return s === undefined ? undefined : l10n(truncateText(s, 128), lang, defaultLanguage);
    };
    const long = (v: unknown): L10n | undefined => {
      const s = str(v);
      return s === undefined ? undefined : l10n(truncateText(s, 4000), lang, defaultLanguage);
    };
    const describe = (summary: unknown, highlights: unknown): L10n | undefined => {
      const parts: string[] = [];
      const s = str(summary);
      if (s !== undefined) parts.push(s);
      const points = strings(list(highlights));
      if (points.length > 0) parts.push(points.map((p) => `• ${p}`).join('\n'));
      return long(parts.join('\n\n'));
    };
    const escoSkills = (values: readonly unknown[]): Array<{ uri: string }> => {
      const uris = new Set<string>();
      for (const v of values) {
        const s = str(v);
        const uri = s === undefined ? undefined : tables.escoSkills.get(s);
        if (uri !== undefined) uris.add(uri);
      }
      return [...uris].map((uri) => ({ uri }));
    };
    const span = (start: unknown, end: unknown): Interval | null | undefined => {
      const i = toInterval(str(start), str(end));
      return i !== undefined && i.endDate !== undefined && i.endDate < i.startDate ? null : i;
    };
    const started = (item: Dated): boolean => {
      const s = startOf(item);
      return s === undefined || s < today;
    };

    // work -> employments
    const employments: Rec[] = [];
    for (const job of objects(get(record, 'work'))) {
      const position = str(job.position);
      const occupation = position === undefined ? undefined : tables.escoOccupations.get(position);
      const item = {
        employer: short(or(job.name, job.company)),
        title: short(position),
        interval: span(job.startDate, job.endDate),
        description: {
          description: describe(or(job.summary, job.description), job.highlights),
          occupations: occupation !== undefined ? [{ uri: occupation }] : undefined,
        },
      };
      if ((item.employer !== undefined || item.title !== undefined) && started(item)) employments.push(item);
    }

    // education -> educations
    const educations: Rec[] = [];
    for (const e of objects(get(record, 'education'))) {
      const endText = str(e.endDate);
      const start = toIsoDate(str(e.startDate), 'start');
      const end = toIsoDate(endText, 'end');
      const going = isOngoing(endText) || (end !== undefined && end > today);
      const reversed = start !== undefined && end !== undefined && end < start;
      const item = {
        customDegreeName: short(strings([or(e.studyType, e.degree), e.area]).join(', ')),
        degreeInstitution: short(or(e.institution, e.name)),
        interval:
          (start !== undefined || end !== undefined) && !reversed
            ? { startDate: start, endDate: going ? undefined : end, statusCode: going ? '1' : end !== undefined ? '2' : undefined }
            : undefined,
        description: { description: long(strings(list(e.courses)).join(', ')) },
      };
      if ((item.customDegreeName !== undefined || item.degreeInstitution !== undefined) && started(item)) educations.push(item);
    }

    // projects + volunteer -> projects
    const projects: Rec[] = [];
    for (const p of objects(get(record, 'projects'))) {
      const item = {
        title: short(p.name),
        interval: span(p.startDate, p.endDate),
        description: {
          description: describe(or(p.description, p.summary), p.highlights),
          skills: escoSkills(words(p.keywords)),
        },
      };
      if (item.title !== undefined && started(item)) projects.push(item);
    }
    for (const v of objects(get(record, 'volunteer'))) {
      const item = {
        title: short(strings([v.position, or(v.organization, v.name)]).join(', ')),
        interval: span(v.startDate, v.endDate),
        description: { description: describe(v.summary, v.highlights) },
      };
      if (item.title !== undefined && started(item)) projects.push(item);
    }

    // languages -> languageSkills (known languages only, first of each code)
    const languageSkills: Rec[] = [];
    const codes = new Set<string>();
    for (const l of list(get(record, 'languages'))) {
      const object = isRec(l);
      const name = object ? str(or(l.language, l.name)) : str(l);
      const fluency = object ? str(or(l.fluency, l.level)) : undefined;
      const code = name === undefined ? undefined : tables.languages.get(name);
      if (code === undefined || codes.has(code)) continue;
      codes.add(code);
      const level = fluency === undefined ? undefined : tables.cefr.get(fluency);
      languageSkills.push({ code, level, description: level !== undefined ? undefined : short(fluency) });
    }

    // skills -> experienceDescription
    const skills = list(get(record, 'skills'));
    const skillWords: string[] = [];
    const skillLines: string[] = [];
    for (const s of skills) {
      if (typeof s === 'string') {
        const w = str(s);
        if (w !== undefined) {
          skillWords.push(w);
          skillLines.push(w);
        }
        continue;
      }
      const name = get(s, 'name');
      const keywords = words(get(s, 'keywords'));
      // $append(name, keywords): a name that is a list joins the keywords as it is.
      for (const w of name === undefined ? keywords : (Array.isArray(name) ? name : [name]).concat(keywords)) {
        const t = str(w);
        if (t !== undefined) skillWords.push(t);
      }
      const n = str(name);
      const k = strings(keywords).join(', ');
      const line = n !== undefined && k !== '' ? `${n}: ${k}` : n !== undefined ? n : k !== '' ? k : undefined;
      if (line !== undefined) skillLines.push(line);
    }

    // certificates -> certifications
    const certificateNames: string[] = [];
    const certificateLines: string[] = [];
    for (const c of list(get(record, 'certificates'))) {
      if (typeof c === 'string') {
        const s = str(c);
        if (s !== undefined) {
          certificateNames.push(s);
          certificateLines.push(s);
        }
        continue;
      }
      const n = str(get(c, 'name'));
      if (n === undefined) continue;
      certificateNames.push(n);
      const extra = strings([get(c, 'issuer'), get(c, 'date')]).join(', ');
      certificateLines.push(extra !== '' ? `${n} (${extra})` : n);
    }
    const cardCodes = new Set<string>();
    for (const n of certificateNames) {
      const code = tables.certificateCards.get(n);
      if (code !== undefined) cardCodes.add(code);
    }

    // basics -> externalLinks (first of each URL)
    const basics = get(record, 'basics');
    const links: Array<{ label: L10n; url: string }> = [];
    for (const v of [get(basics, 'url'), get(basics, 'website')]) {
      const u = v === undefined ? undefined : toUrl(v);
      if (u !== undefined) links.push({ label: websiteLabel, url: u });
    }
    for (const p of objects(get(basics, 'profiles'))) {
      const u = toUrl(p.url);
      if (u !== undefined) links.push({ label: str(p.network) !== undefined ? short(p.network)! : profileLabel, url: u });
    }

    const profile = clean({
      generalInfo: { caption: short(get(basics, 'label')), description: long(get(basics, 'summary')) },
      employments: employments.sort(newestFirst).slice(0, 20),
      educations: educations.sort(newestFirst).slice(0, 20),
      projects: projects.sort(newestFirst).slice(0, 20),
      languageSkills: languageSkills.slice(0, 20),
      experienceDescription: { description: long(skillLines.join('\n')), skills: escoSkills(skillWords).slice(0, 120) },
      certifications: { description: long(certificateLines.join('\n')), cardCodes: [...cardCodes].slice(0, 120) },
      externalLinks: dedupe(links, (l) => l.url).slice(0, 20),
    });
    return (profile ?? {}) as Rec;
  };
}

// ---------------------------------------------------------------------------------------------
// Key, consent and validation

/** The pipeline's consent rules: section -> the `consent` answer that must be exactly true. */
const CONSENT: Readonly<Record<string, string>> = {
  generalInfo: 'summary',
  employments: 'workExperience',
  educations: 'education',
  projects: 'projects',
  languageSkills: 'languages',
  experienceDescription: 'skills',
  certifications: 'certifications',
  externalLinks: 'links',
};

export interface ProcessContext {
  map: (record: unknown) => Rec;
  validateProfile: ProfileValidator;
  pseudonymize: Pseudonymizer;
}

/** One person through key -> map -> consent -> validate, by hand; the same PersonResult as processPerson. */
export function processJsonResume(item: { origin: string; record: unknown }, ctx: ProcessContext): PersonResult {
  const { origin, record } = item;
  const email = get(get(record, 'basics'), 'email');
  const key = (typeof email === 'string' && email.trim() !== '') || (typeof email === 'number' && Number.isFinite(email)) ? String(email).trim() : undefined;
  if (key === undefined) {
    return { origin, sendable: true, sections: [], withheld: [], person: null, status: 'invalid', issues: [issue('KEY_MISSING', 'the record has no basics.email', { pointer: '/source/key' })] };
  }
  const person = ctx.pseudonymize(key);
  const mapped = ctx.map(record);

  const answers = get(record, 'consent');
  const profile: Rec = {};
  const withheld: Withheld[] = [];
  for (const section of Object.keys(mapped)) {
    if (get(answers, CONSENT[section]!) !== true) {
      withheld.push({ section, reason: 'not-permitted', rule: `consent.sections.${section}.when` });
      continue;
    }
    let value = mapped[section];
    if (section === 'educations') {
      // withhold: [description]
      let removed = 0;
      const kept: Rec[] = [];
      for (const e of value as Rec[]) {
        if (Object.prototype.hasOwnProperty.call(e, 'description')) {
          removed++;
          delete e.description;
        }
        if (Object.keys(e).length > 0) kept.push(e);
      }
      if (removed > 0) withheld.push({ section, field: 'description', count: removed, reason: 'field-withheld', rule: 'consent.sections.educations.withhold' });
      if (kept.length === 0) continue;
      value = kept;
    }
    profile[section] = value;
  }
  const sections = Object.keys(profile);
  if (sections.length === 0) {
    return { origin, sendable: true, person, withheld, sections, status: 'skipped', issues: [issue('PROFILE_EMPTY', 'nothing to send', { severity: 'warning' })] };
  }
  const problems: Issue[] = ctx.validateProfile(profile);
  return { origin, sendable: true, person, withheld, sections, status: problems.length > 0 ? 'invalid' : 'ready', profile, issues: problems };
}

/**
 * The parts of two PersonResults that must agree: everything except issue messages (which the
 * hand-written version words more briefly).
 */
export function comparableResult(r: PersonResult): unknown {
  return { ...r, issues: r.issues.map((i) => ({ code: i.code, severity: i.severity, pointer: i.pointer })) };
}
