/** docs/errors.md is rendered from ERROR_CATALOGUE; a test keeps the checked-in file in step. */
import { ERROR_CATALOGUE } from './errors.js';

const GROUPS: Array<[string, RegExp]> = [
  ['Command line', /^CLI_/],
  ['Project config', /^CONFIG_/],
  ['Pipeline files', /^(PIPELINE_|SOURCE_NO_MATCH|MAPPING_SYNTAX|CONSENT_SYNTAX|KEY_SYNTAX|CONSENT_RULE_MISSING|CONSENT_UNKNOWN_SECTION|LOOKUP_)/],
  ['Sources (per person)', /^(SOURCE_|KEY_MISSING)/],
  ['Mapping and consent (per person)', /^(MAPPING_|CONSENT_EVAL)/],
  ['Profile contract (per person)', /^PROFILE_/],
  ['Mapping tests', /^TEST_/],
  ['Internal', /^INTERNAL$/],
];

export function renderErrorCatalogue(): string {
  const lines = [
    '# Error codes',
    '',
    'Every problem tmt-import reports carries one of these codes. Codes are stable: scripts may match on them.',
    'Problems with a pipeline or the config stop a command (exit code 1); problems with one person are',
    'reported for that person and the others go on. `tmt-import codes CODE` prints an entry.',
    '',
    '<!-- Generated from src/errors.ts by `npm run docs:errors`; do not edit by hand. -->',
  ];
  const done = new Set<string>();
  for (const [title, re] of GROUPS) {
    const codes = Object.keys(ERROR_CATALOGUE).filter((c) => !done.has(c) && re.test(c));
    if (codes.length === 0) continue;
    lines.push('', `## ${title}`, '', '| code | meaning | what to do |', '|---|---|---|');
    for (const c of codes) {
      done.add(c);
      const info = ERROR_CATALOGUE[c as keyof typeof ERROR_CATALOGUE];
      lines.push(`| \`${c}\` | ${info.summary} | ${info.hint.replace(/\|/g, '\\|')} |`);
    }
  }
  const rest = Object.keys(ERROR_CATALOGUE).filter((c) => !done.has(c));
  if (rest.length) {
    lines.push('', '## Other', '', '| code | meaning | what to do |', '|---|---|---|');
    for (const c of rest) {
      const info = ERROR_CATALOGUE[c as keyof typeof ERROR_CATALOGUE];
      lines.push(`| \`${c}\` | ${info.summary} | ${info.hint.replace(/\|/g, '\\|')} |`);
    }
  }
  return lines.join('\n') + '\n';
}
