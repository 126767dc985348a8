/**
 * Seeded generator of realistic JSON Resume persons (with the `consent` object the JSON Resume
 * pipeline reads). The same seed always gives the same persons for a given current year (dates
 * "in the future" are placed after the current year so that the mapping's rule for them stays
 * exercised).
 *
 * What varies: names (Finnish, Swedish, other Latin-script, Cyrillic, Arabic, Chinese,
 * Vietnamese), 0–25 jobs with partial dates (YYYY, YYYY-MM, YYYY-MM-DD, month names, MM/YYYY,
 * numbers, "Present" words, some unparseable or reversed), education, languages with fluency
 * phrases from mappings/lookups/fluency-cefr.yaml (and some unknown ones), skills named after
 * mappings/lookups/esco-skills.csv (and some misses), projects, volunteering, certificates,
 * profiles and URLs (some bare, some broken, some too long), summaries from empty to longer than
 * the mapping's 4000-character cut, and sharing choices where most answers are yes.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';

/** The repository root (this file runs from dist/bench/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a small, fast 32-bit PRNG; good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** [0, 1) */
  float(): number {
    return this.next();
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
  /** Pick by weight: [[weight, value], ...]. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [w] of choices) total += w;
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }
  shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: lookup labels come from the shipped lookup tables, so that hits are real hits.

interface Vocabulary {
  skills: string[];
  occupations: string[];
  languages: string[];
  fluency: string[];
}

let vocabulary: Vocabulary | undefined;

function firstColumn(file: string): string[] {
  const rows = parseCsv(readFileSync(file, 'utf8'), { skip_empty_lines: true, trim: true }) as string[][];
  return rows.slice(1).map((r) => r[0] ?? '').filter((s) => s !== '');
}

function loadVocabulary(): Vocabulary {
  if (vocabulary) return vocabulary;
  const lookups = `${REPO_ROOT}mappings/lookups/`;
  const fluency = parseYaml(readFileSync(`${lookups}fluency-cefr.yaml`, 'utf8')) as Record<string, unknown>;
  vocabulary = {
    skills: firstColumn(`${lookups}esco-skills.csv`),
    occupations: firstColumn(`${lookups}esco-occupations.csv`),
    languages: firstColumn(`${lookups}languages.csv`),
    fluency: Object.keys(fluency),
  };
  return vocabulary;
}

const FIRST_NAMES: ReadonlyArray<readonly [string, string]> = [
  // [display, ascii for the e-mail address]
  ['Aino', 'aino'], ['Mikko', 'mikko'], ['Päivi', 'paivi'], ['Jyrki', 'jyrki'], ['Eeva', 'eeva'], ['Juha', 'juha'],
  ['Sanna', 'sanna'], ['Ville', 'ville'], ['Helmi', 'helmi'], ['Tuomas', 'tuomas'], ['Kaisa', 'kaisa'], ['Matti', 'matti'],
  ['Noora', 'noora'], ['Pekka', 'pekka'], ['Riikka', 'riikka'], ['Oskari', 'oskari'], ['Ülle', 'ulle'], ['Väinö', 'vaino'],
  ['Elsa', 'elsa'], ['Björn', 'bjorn'], ['Åsa', 'asa'], ['Lars', 'lars'], ['Ingrid', 'ingrid'], ['Mårten', 'marten'],
  ['Omar', 'omar'], ['Fatemeh', 'fatemeh'], ['Olena', 'olena'], ['Dmitri', 'dmitri'], ['Lucía', 'lucia'], ['Ahmed', 'ahmed'],
  ['Дмитрий', 'dmitriy'], ['Олена', 'olena'], ['Анна', 'anna'], ['محمد', 'mohammad'], ['فاطمة', 'fatima'],
  ['伟', 'wei'], ['芳', 'fang'], ['Thị Mai', 'mai'], ['Văn Minh', 'minh'], ['José', 'jose'], ['Zoë', 'zoe'],
];

const LAST_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['Virtanen', 'virtanen'], ['Korhonen', 'korhonen'], ['Mäkinen', 'makinen'], ['Nieminen', 'nieminen'], ['Hämäläinen', 'hamalainen'],
  ['Järvinen', 'jarvinen'], ['Lehtonen', 'lehtonen'], ['Heikkinen', 'heikkinen'], ['Koskinen', 'koskinen'], ['Ojala', 'ojala'],
  ['Lindqvist', 'lindqvist'], ['Svensson', 'svensson'], ['Åberg', 'aberg'], ['Sjöberg', 'sjoberg'], ['Holmström', 'holmstrom'],
  ['Haddad', 'haddad'], ['Kovalenko', 'kovalenko'], ['Sokolov', 'sokolov'], ['Rahimi', 'rahimi'], ['Fernández', 'fernandez'],
  ['Warsame', 'warsame'], ['Соколов', 'sokolov'], ['Коваленко', 'kovalenko'], ['العلي', 'alali'], ['李', 'li'], ['王', 'wang'],
  ['Nguyễn', 'nguyen'], ['Trần', 'tran'], ["O'Brien", 'obrien'], ['von Wright', 'vonwright'],
];

const WORDS_EN = (
  'customer service development team project data system public sector municipality process quality ' +
  'responsible planning delivery testing reporting training support operations users product design ' +
  'maintenance budget releases accessibility services documentation integration migration analysis ' +
  'stakeholders requirements improvement schedule safety logistics warehouse sales growth content ' +
  'marketing campaigns recruitment onboarding patients care families children students courses ' +
  'research publication results contracts procurement invoices accounting payroll cloud security'
).split(' ');
const WORDS_FI = (
  'asiakaspalvelu kehitys tiimi projekti tiedot järjestelmä julkinen sektori kunta prosessi laatu ' +
  'vastuu suunnittelu toimitus testaus raportointi koulutus tuki käyttäjät tuote ylläpito budjetti ' +
  'saavutettavuus palvelut dokumentaatio integraatio analyysi vaatimukset parannus aikataulu ' +
  'turvallisuus varasto myynti kasvu sisältö markkinointi rekrytointi potilaat hoito perheet lapset'
).split(' ');
const WORDS_SV = (
  'kundtjänst utveckling team projekt data system offentlig sektor kommun process kvalitet ansvar ' +
  'planering leverans testning rapportering utbildning stöd användare produkt underhåll budget ' +
  'tillgänglighet tjänster dokumentation analys krav förbättring tidtabell säkerhet lager försäljning'
).split(' ');
const WORDS_OTHER = ['Проект', 'разработка', 'данные', 'مشروع', 'تطوير', '项目', '开发', '数据', 'dự án', 'phát triển', '🚀', '✅', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'];

const COMPANY_STEMS = ['Kaupunkidata', 'Verkkopaja', 'Pohjolan Rakennus', 'Nordic Logistics', 'Saaristo', 'Helsingin Kauppa', 'Tampereen Konepaja', 'Lapin Matkailu', 'Östra Nyland', 'Kotihoito Plus', 'Datawise', 'Sähkö-Simola', 'Rauta ja Puu', 'Kahvila Kulma', 'Puhelinpalvelu', 'Turun Satama', 'Oulun Ohjelmisto', 'Vaasan Vakuutus', 'Kuopion Kiinteistö', 'Espoon Energia'];
const COMPANY_FORMS = ['Oy', 'Oy', 'Oy', 'Ab', 'Ky', 'Oyj', 'Ltd', 'GmbH', 'ry', ''];
const POSITIONS_MISS = ['Senior consultant', 'Harjoittelija', 'Kesätyöntekijä', 'Team lead', 'Trainee', 'Koordinaattori', 'Specialist', 'Assistant', 'Lead developer', 'Volunteer coordinator', 'Chief happiness officer', 'Praktikant'];
const INSTITUTIONS = ['Helsingin yliopisto', 'Aalto-yliopisto', 'Åbo Akademi', 'Metropolia University of Applied Sciences', 'Tampere University', 'Oulun yliopisto', 'Haaga-Helia', 'Stadin ammattiopisto', 'Lycée technique', 'Kyiv Polytechnic Institute', 'Peking University', 'Đại học Quốc gia Hà Nội', 'Universidad de Sevilla', 'Tehran University'];
const STUDY_TYPES = ['Bachelor of Engineering', 'Master of Science', 'Bachelor of Arts', 'Ylioppilastutkinto', 'Ammatillinen perustutkinto', 'Vocational qualification', 'Licentiate', 'Doctor of Philosophy', 'Kandidat', 'Магистр'];
const AREAS = ['Information Technology', 'Business Administration', 'Nursing', 'Logistics', 'Computer Science', 'Social Services', 'Tourism', 'Mechanical Engineering', 'Tietojenkäsittely', 'Kauppatieteet', 'Socialvetenskap', 'Graphic design'];
const SKILL_MISSES = ['Kubernetes', 'Juggling', 'Problem-solving attitude', 'Rust', 'Terraform', 'Negotiation', 'Kärsivällisyys', 'Tålamod', 'Customer focus', 'Agile', 'Scrum', 'Docker', 'Go', 'Patience', 'Forklift licence'];
const LANGUAGE_MISSES = ['Klingon', 'Elvish', 'Esperanto', 'Latin', 'Sign language', 'Quenya'];
const FLUENCY_MISSES = ['Pretty good', 'Some', 'OK', 'Reading only', 'Native-like', 'Kohtalainen'];
const CERTIFICATES = ['First aid EA1', 'Hygiene passport', 'Hygieniapassi', 'Occupational safety card', 'Työturvallisuuskortti', 'Driving licence B', 'AWS Certified Solutions Architect', 'Tieturva 1', 'Anniskelupassi', 'Tulityökortti', 'Scrum Master', 'Sähkötyöturvallisuuskortti'];
const ISSUERS = ['Finnish Red Cross', 'Ruokavirasto', 'Työturvallisuuskeskus TTK', 'Amazon Web Services', 'Suomen Pelastusalan Keskusjärjestö', 'Scrum Alliance'];
const NETWORKS = ['GitHub', 'LinkedIn', 'Behance', 'Dribbble', 'Medium', 'GitLab', 'Mastodon', ''];
const ONGOING = ['Present', 'present', 'Current', 'nykyään', 'pågående', 'Now'];
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_FI = ['tammikuu', 'helmikuu', 'maaliskuu', 'huhtikuu', 'toukokuu', 'kesäkuu', 'heinäkuu', 'elokuu', 'syyskuu', 'lokakuu', 'marraskuu', 'joulukuu'];

// ---------------------------------------------------------------------------------------------
// Building blocks

type Lang = 'en' | 'fi' | 'sv';

function sentence(rng: Rng, lang: Lang, min = 5, max = 16): string {
  const bank = lang === 'fi' ? WORDS_FI : lang === 'sv' ? WORDS_SV : WORDS_EN;
  const n = rng.int(min, max);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.chance(0.02) ? rng.pick(WORDS_OTHER) : rng.pick(bank));
  const s = words.join(rng.chance(0.03) ? '  ' : ' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

function paragraph(rng: Rng, lang: Lang, sentences: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) {
    out.push(sentence(rng, lang));
    if (i < sentences - 1 && rng.chance(0.08)) out.push(rng.chance(0.3) ? '\n\n\n' : '\n');
  }
  return out.join(' ');
}

/** A summary from nothing to longer than the mapping's 4000-character cut. */
function summary(rng: Rng, lang: Lang): string | undefined {
  const kind = rng.weighted([[40, 'none'], [45, 'short'], [11, 'medium'], [3, 'long'], [1, 'huge']] as const);
  switch (kind) {
    case 'none':
      return rng.chance(0.1) ? '   ' : undefined;
    case 'short':
      return paragraph(rng, lang, rng.int(1, 3));
    case 'medium':
      return paragraph(rng, lang, rng.int(4, 9));
    case 'long':
      return paragraph(rng, lang, rng.int(15, 35));
    case 'huge':
      return paragraph(rng, lang, rng.int(60, 90));
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

interface YearMonth {
  year: number;
  month: number;
}

/** A date the way CVs write it: mostly ISO-partial, sometimes otherwise, rarely broken. */
function cvDate(rng: Rng, d: YearMonth): string | number {
  const day = rng.int(1, 28);
  const style = rng.weighted([[20, 'Y'], [50, 'YM'], [22, 'YMD'], [3, 'nameEn'], [1, 'nameFi'], [2, 'slash'], [1, 'number'], [1, 'broken']] as const);
  switch (style) {
    case 'Y':
      return String(d.year);
    case 'YM':
      return `${d.year}-${pad2(d.month)}`;
    case 'YMD':
      return `${d.year}-${pad2(d.month)}-${pad2(day)}`;
    case 'nameEn':
      return `${MONTHS_EN[d.month - 1]!} ${d.year}`;
    case 'nameFi':
      return `${MONTHS_FI[d.month - 1]!} ${d.year}`;
    case 'slash':
      return `${pad2(d.month)}/${d.year}`;
    case 'number':
      return d.year;
    case 'broken':
      return rng.pick([`${d.year}-13`, 'sometime', `${d.year}-02-30`, '']);
  }
}

function monthsBefore(d: YearMonth, months: number): YearMonth {
  const total = d.year * 12 + (d.month - 1) - months;
  return { year: Math.floor(total / 12), month: (total % 12) + 1 };
}

/** `count` periods going back in time from `from`, newest first, with gaps. */
function timeline(rng: Rng, from: YearMonth, count: number, minMonths: number, maxMonths: number): Array<{ start: YearMonth; end: YearMonth }> {
  const out: Array<{ start: YearMonth; end: YearMonth }> = [];
  let cursor = from;
  for (let i = 0; i < count; i++) {
    const end = monthsBefore(cursor, rng.int(0, 6));
    const start = monthsBefore(end, rng.int(minMonths, maxMonths));
    out.push({ start, end });
    cursor = start;
  }
  return out;
}

function textList(rng: Rng, lang: Lang, max: number): string[] {
  const n = rng.int(0, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sentence(rng, lang, 3, 10).replace(/\.$/, ''));
  return out;
}

function caseVariant(rng: Rng, s: string): string {
  return rng.weighted([[80, s], [10, s.toLowerCase()], [4, s.toUpperCase()], [6, `  ${s.replace(' ', '   ')} `]] as const);
}

function skillWord(rng: Rng, v: Vocabulary): string {
  return rng.chance(0.7) ? caseVariant(rng, rng.pick(v.skills)) : rng.pick(SKILL_MISSES);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

function url(rng: Rng, handle: string): string {
  return rng.weighted([
    [50, `https://${handle}.example.fi`],
    [15, `www.${handle}.example.com`],
    [10, `http://portfolio.example.org/${handle}?tab=work`],
    [8, `${handle}.example.fi/cv`],
    [5, 'not a url'],
    [4, `https://example.org/${'long-path/'.repeat(30)}${handle}`],
    [4, `ftp://files.example.org/${handle}`],
    [4, `https://localhost/${handle}`],
  ] as const);
}

// ---------------------------------------------------------------------------------------------
// Sections

function work(rng: Rng, v: Vocabulary, lang: Lang, now: YearMonth, count: number): unknown[] {
  const current = rng.chance(0.6);
  const periods = timeline(rng, monthsBefore(now, rng.int(1, 8)), count, 3, count > 12 ? 24 : 60);
  const jobs = periods.map((p, i) => {
    const job: Record<string, unknown> = {};
    const company = `${rng.pick(COMPANY_STEMS)} ${rng.pick(COMPANY_FORMS)}`.trim();
    if (rng.chance(0.03)) job.company = company;
    else if (!rng.chance(0.01)) job.name = company;
    if (!rng.chance(0.02)) {
      // Some titles run past the mapping's 128-character cut.
      job.position = rng.chance(0.03) ? sentence(rng, lang, 20, 30) : rng.chance(0.55) ? caseVariant(rng, rng.pick(v.occupations)) : rng.pick(POSITIONS_MISS);
    }
    if (rng.chance(0.1)) job.url = url(rng, slug(company));
    if (rng.chance(0.02)) {
      // A job that starts in the future: the mapping leaves it out.
      job.startDate = `${now.year + rng.int(1, 2)}-${pad2(rng.int(1, 12))}`;
    } else if (!rng.chance(0.04)) {
      job.startDate = cvDate(rng, p.start);
    }
    if (i === 0 && current) {
      if (rng.chance(0.5)) job.endDate = rng.pick(ONGOING);
    } else if (rng.chance(0.02)) {
      job.endDate = cvDate(rng, monthsBefore(p.start, rng.int(2, 30))); // before its start
    } else {
      job.endDate = cvDate(rng, p.end);
    }
    const s = summary(rng, lang);
    if (s !== undefined) job[rng.chance(0.9) ? 'summary' : 'description'] = s;
    const highlights = rng.chance(0.4) ? textList(rng, lang, 4) : [];
    if (highlights.length > 0) job.highlights = rng.chance(0.05) ? highlights[0] : highlights;
    return job;
  });
  return rng.chance(0.3) ? rng.shuffle(jobs) : jobs;
}

function education(rng: Rng, lang: Lang, now: YearMonth): unknown[] {
  const n = rng.weighted([[12, 0], [45, 1], [30, 2], [10, 3], [3, 4]] as const);
  const out: unknown[] = [];
  let cursor = monthsBefore(now, rng.int(0, 120));
  for (let i = 0; i < n; i++) {
    const e: Record<string, unknown> = {};
    e[rng.chance(0.05) ? 'name' : 'institution'] = rng.pick(INSTITUTIONS);
    if (rng.chance(0.9)) e[rng.chance(0.05) ? 'degree' : 'studyType'] = rng.pick(STUDY_TYPES);
    if (rng.chance(0.8)) e.area = rng.pick(AREAS);
    const start = monthsBefore(cursor, rng.int(24, 60));
    const kind = rng.weighted([[82, 'done'], [10, 'ongoing'], [3, 'future-start'], [3, 'no-dates'], [2, 'only-end']] as const);
    if (kind === 'done') {
      e.startDate = cvDate(rng, start);
      e.endDate = cvDate(rng, cursor);
    } else if (kind === 'ongoing') {
      e.startDate = cvDate(rng, start);
      const r = rng.int(0, 2);
      if (r === 1) e.endDate = `${now.year + rng.int(1, 3)}-${pad2(rng.int(1, 12))}`; // expected graduation
      else if (r === 2) e.endDate = rng.pick(ONGOING);
    } else if (kind === 'future-start') {
      e.startDate = `${now.year + 1}-08`;
    } else if (kind === 'only-end') {
      e.endDate = cvDate(rng, cursor);
    }
    if (rng.chance(0.3)) {
      const courses = textList(rng, lang, 5);
      e.courses = rng.chance(0.1) ? courses.join(', ') : courses;
    }
    if (rng.chance(0.3)) e.score = `${rng.int(1, 5)}.${rng.int(0, 9)}/5`;
    out.push(e);
    cursor = monthsBefore(start, rng.int(0, 24));
  }
  return rng.chance(0.2) ? rng.shuffle(out) : out;
}

function languages(rng: Rng, v: Vocabulary): unknown[] {
  const n = rng.weighted([[8, 0], [20, 1], [30, 2], [25, 3], [12, 4], [5, 6]] as const);
  const out: unknown[] = [];
  const plain = rng.chance(0.08);
  for (let i = 0; i < n; i++) {
    const name = rng.chance(0.94) ? caseVariant(rng, rng.pick(v.languages)) : rng.pick(LANGUAGE_MISSES);
    if (plain) {
      out.push(name);
      continue;
    }
    const l: Record<string, unknown> = {};
    l[rng.chance(0.05) ? 'name' : 'language'] = name;
    if (rng.chance(0.95)) l[rng.chance(0.05) ? 'level' : 'fluency'] = i === 0 && rng.chance(0.5) ? 'Native speaker' : rng.chance(0.88) ? caseVariant(rng, rng.pick(v.fluency)) : rng.pick(FLUENCY_MISSES);
    out.push(l);
  }
  return out;
}

function skills(rng: Rng, v: Vocabulary): unknown[] {
  const n = rng.weighted([[12, 0], [55, rng.int(1, 4)], [28, rng.int(5, 8)], [5, rng.int(9, 15)]] as const);
  const out: unknown[] = [];
  const plain = rng.chance(0.1);
  for (let i = 0; i < n; i++) {
    if (plain || rng.chance(0.03)) {
      out.push(skillWord(rng, v));
      continue;
    }
    const s: Record<string, unknown> = {};
    if (rng.chance(0.95)) s.name = skillWord(rng, v);
    if (rng.chance(0.4)) s.level = rng.pick(['Beginner', 'Intermediate', 'Advanced', 'Master', 'Expert']);
    const k = rng.int(0, 4);
    if (k > 0) {
      const words: string[] = [];
      for (let j = 0; j < k; j++) words.push(skillWord(rng, v));
      s.keywords = rng.chance(0.06) ? words.join(', ') : words;
    }
    out.push(s);
  }
  return out;
}

function projects(rng: Rng, v: Vocabulary, lang: Lang, now: YearMonth): unknown[] {
  const n = rng.weighted([[62, 0], [22, 1], [10, 2], [5, 3], [1, 5]] as const);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const p: Record<string, unknown> = {};
    if (rng.chance(0.97)) p.name = sentence(rng, lang, 2, 6).replace(/\.$/, '');
    const s = summary(rng, lang);
    if (s !== undefined) p[rng.chance(0.85) ? 'description' : 'summary'] = s;
    const highlights = textList(rng, lang, 3);
    if (highlights.length > 0) p.highlights = highlights;
    const k = rng.int(0, 5);
    if (k > 0) {
      const words: string[] = [];
      for (let j = 0; j < k; j++) words.push(skillWord(rng, v));
      p.keywords = rng.chance(0.1) ? words.join(',') : words;
    }
    const end = monthsBefore(now, rng.int(0, 120));
    const start = monthsBefore(end, rng.int(1, 36));
    if (rng.chance(0.03)) p.startDate = `${now.year + 1}`;
    else if (rng.chance(0.9)) p.startDate = cvDate(rng, start);
    if (rng.chance(0.7)) p.endDate = cvDate(rng, end);
    if (rng.chance(0.4)) p.url = url(rng, slug(String(p.name ?? 'project')));
    out.push(p);
  }
  return out;
}

function volunteer(rng: Rng, lang: Lang, now: YearMonth): unknown[] {
  const n = rng.weighted([[75, 0], [18, 1], [7, 2]] as const);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const vol: Record<string, unknown> = {};
    vol[rng.chance(0.9) ? 'organization' : 'name'] = rng.pick(['Suomen Punainen Risti', 'Partio', 'Pelastakaa Lapset ry', 'HelsinkiMissio', 'Röda Korset', 'Local football club', 'Ruokapankki']);
    if (rng.chance(0.9)) vol.position = rng.pick(['Volunteer', 'Board member', 'Vapaaehtoinen', 'Coach', 'Rahastonhoitaja', 'Frivillig']);
    const end = monthsBefore(now, rng.int(0, 100));
    vol.startDate = cvDate(rng, monthsBefore(end, rng.int(3, 48)));
    if (rng.chance(0.6)) vol.endDate = cvDate(rng, end);
    const s = summary(rng, lang);
    if (s !== undefined) vol.summary = s;
    const highlights = textList(rng, lang, 2);
    if (highlights.length > 0) vol.highlights = highlights;
    out.push(vol);
  }
  return out;
}

function certificates(rng: Rng, now: YearMonth): unknown[] {
  const n = rng.weighted([[50, 0], [25, 1], [15, 2], [10, 3]] as const);
  const out: unknown[] = [];
  const plain = rng.chance(0.1);
  for (let i = 0; i < n; i++) {
    const name = rng.pick(CERTIFICATES);
    if (plain) {
      out.push(name);
      continue;
    }
    const c: Record<string, unknown> = { name };
    if (rng.chance(0.7)) c.date = cvDate(rng, monthsBefore(now, rng.int(1, 120)));
    if (rng.chance(0.6)) c.issuer = rng.pick(ISSUERS);
    out.push(c);
  }
  return out;
}

function profiles(rng: Rng, handle: string, basicsUrl: string | undefined): unknown[] {
  const n = rng.weighted([[40, 0], [30, 1], [20, 2], [8, 3], [2, 4]] as const);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const network = rng.pick(NETWORKS);
    const p: Record<string, unknown> = {};
    if (network !== '') p.network = network;
    p.username = handle;
    const kind = rng.weighted([[70, 'normal'], [10, 'bare'], [8, 'same-as-url'], [6, 'none'], [6, 'broken']] as const);
    if (kind === 'normal') p.url = `https://${(network || 'social').toLowerCase()}.example.com/${handle}`;
    else if (kind === 'bare') p.url = `www.${(network || 'social').toLowerCase()}.example.com/in/${handle}`;
    else if (kind === 'same-as-url' && basicsUrl !== undefined) p.url = basicsUrl;
    else if (kind === 'broken') p.url = rng.pick(['n/a', 'github', `@${handle}`, 'http://']);
    out.push(p);
  }
  return out;
}

function consent(rng: Rng): unknown {
  const shape = rng.weighted([[96, 'booleans'], [2, 'missing'], [1, 'strings'], [1, 'partial']] as const);
  if (shape === 'missing') return undefined;
  const keys = ['workExperience', 'education', 'projects', 'languages', 'skills', 'certifications', 'links', 'summary'];
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (shape === 'partial' && rng.chance(0.5)) continue;
    const yes = rng.chance(0.88);
    out[k] = shape === 'strings' ? String(yes) : yes;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Persons

export interface GenerateOptions {
  /** Which "now" the dates are placed around (default: the current month). */
  now?: Date;
}

/** One person; `index` makes the e-mail address (the person key) unique. */
export function generatePerson(rng: Rng, index: number, options: GenerateOptions = {}): Record<string, unknown> {
  const v = loadVocabulary();
  const d = options.now ?? new Date();
  const now: YearMonth = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
  const lang: Lang = rng.weighted([[60, 'en'], [30, 'fi'], [10, 'sv']] as const);
  const [first, firstAscii] = rng.pick(FIRST_NAMES);
  const [last, lastAscii] = rng.pick(LAST_NAMES);
  const handle = `${firstAscii}-${lastAscii}-${index}`;

  const basics: Record<string, unknown> = { name: `${first} ${last}` };
  if (rng.chance(0.8)) basics.label = rng.chance(0.6) ? caseVariant(rng, rng.pick(v.occupations)) : sentence(rng, lang, 2, rng.chance(0.02) ? 40 : 7).replace(/\.$/, '');
  if (!rng.chance(0.002)) basics.email = `${firstAscii}.${lastAscii}.${index}@example.${rng.pick(['fi', 'com', 'org', 'se'])}`;
  if (rng.chance(0.7)) basics.phone = `+358 40 ${String(1000000 + index).slice(-7)}`;
  const basicsUrl = rng.chance(0.4) ? url(rng, handle) : undefined;
  if (basicsUrl !== undefined) basics.url = basicsUrl;
  if (rng.chance(0.03)) basics.website = url(rng, handle);
  const s = summary(rng, lang);
  if (s !== undefined) basics.summary = s;
  basics.location = { city: rng.pick(['Helsinki', 'Espoo', 'Tampere', 'Turku', 'Oulu', 'Vaasa', 'Jyväskylä', 'Rovaniemi']), countryCode: 'FI' };
  const prof = profiles(rng, handle, basicsUrl);
  if (prof.length > 0 || rng.chance(0.1)) basics.profiles = prof;

  // Sizes follow the shipped examples (median 2 jobs, 2 KB) with a long tail.
  const jobCount = rng.weighted([[8, 0], [70, rng.int(1, 3)], [16, rng.int(4, 8)], [5, rng.int(9, 16)], [1, rng.int(17, 25)]] as const);
  const person: Record<string, unknown> = { basics };
  if (jobCount > 0 || rng.chance(0.2)) person.work = work(rng, v, lang, now, jobCount);
  const vol = volunteer(rng, lang, now);
  if (vol.length > 0) person.volunteer = vol;
  const edu = education(rng, lang, now);
  if (edu.length > 0) person.education = edu;
  const certs = certificates(rng, now);
  if (certs.length > 0) person.certificates = certs;
  const sk = skills(rng, v);
  if (sk.length > 0) person.skills = sk;
  const langs = languages(rng, v);
  if (langs.length > 0) person.languages = langs;
  const proj = projects(rng, v, lang, now);
  if (proj.length > 0) person.projects = proj;
  if (rng.chance(0.7)) {
    const meta: Record<string, unknown> = { version: 'v1.0.0', lastModified: `${now.year - rng.int(0, 3)}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}T09:12:00` };
    if (rng.chance(0.15)) meta.language = lang === 'en' ? rng.pick(['en', 'EN', 'de']) : lang;
    person.meta = meta;
  }
  const c = consent(rng);
  if (c !== undefined) person.consent = c;
  return person;
}

export const DEFAULT_SEED = 20240611;

/** `count` persons from `seed` (person i always comes from the same stream position). */
export function generatePersons(count: number, seed = DEFAULT_SEED, options: GenerateOptions = {}): Array<Record<string, unknown>> {
  const rng = new Rng(seed);
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) out.push(generatePerson(rng, i, options));
  return out;
}

/**
 * Write `count` persons as NDJSON, streaming (never more than a buffer's worth in memory).
 * Returns the number of bytes written.
 */
export async function writePersonsNdjson(file: string, count: number, seed = DEFAULT_SEED, options: GenerateOptions = {}): Promise<number> {
  const rng = new Rng(seed);
  const out = createWriteStream(file, { flags: 'w', highWaterMark: 1 << 20 });
  let bytes = 0;
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += JSON.stringify(generatePerson(rng, i, options)) + '\n';
    if (chunk.length > 1 << 19 || i === count - 1) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'close');
  return bytes;
}
