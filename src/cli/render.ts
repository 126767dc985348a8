/** Human output, rendered from results (never mixed into the steps that produce them). */
import { ERROR_CATALOGUE, formatLocation, type Issue } from '../errors.js';
import type { PersonResult } from '../runner/process-person.js';
import type { PreviewSummary } from '../runner/preview.js';
import type { Style } from './io.js';

export function renderIssue(i: Issue, s: Style, opts: { hint?: boolean } = { hint: true }): string {
  const loc = formatLocation(i);
  const sev = i.severity === 'warning' ? s.yellow('warning') : s.red('error');
  let line = `${loc ? `${s.bold(loc)}  ` : ''}${sev} ${s.cyan(i.code)}  ${i.message}`;
  if (i.pointer !== undefined && i.pointer !== '' && !i.message.includes(i.pointer) && !loc) line += s.dim(` (at ${i.pointer})`);
  if (opts.hint !== false) line += `\n    ${s.dim(`hint: ${i.hint ?? ERROR_CATALOGUE[i.code]?.hint ?? ''}`)}`;
  return line;
}

export function renderIssues(issues: readonly Issue[], s: Style): string {
  return issues.map((i) => renderIssue(i, s)).join('\n') + (issues.length ? '\n' : '');
}

/** One block per person for the table format. */
export function renderPersonRow(r: PersonResult, s: Style): string {
  const status = r.status === 'ready' ? s.green('ready  ') : r.status === 'skipped' ? s.yellow('skipped') : s.red('invalid');
  const who = (r.person ?? '(no key)').padEnd(18);
  const sections = r.sections.map((name) => {
    const v = r.profile?.[name];
    return Array.isArray(v) ? `${name}(${v.length})` : name;
  });
  const lines = [`${status}  ${who}  ${s.dim(r.origin)}`];
  if (sections.length) lines.push(`           send:     ${sections.join(', ')}`);
  const withheld = r.withheld.map((w) => (w.field ? `${w.section}.${w.field} (${w.reason})` : `${w.section} (${w.reason})`));
  if (withheld.length) lines.push(`           withheld: ${withheld.join(', ')}`);
  for (const i of r.issues) {
    const loc = formatLocation(i);
    lines.push(`           ${i.severity === 'warning' ? s.yellow(i.code) : s.red(i.code)} ${loc ? `${loc} ` : ''}${i.pointer && !i.message.includes(i.pointer) ? `${i.pointer}: ` : ''}${i.message}`);
  }
  return lines.join('\n') + '\n';
}

export function renderPreviewSummary(sum: PreviewSummary, s: Style): string {
  const lines = [
    '',
    s.bold(`Preview of ${sum.pipeline}: ${sum.persons} person${sum.persons === 1 ? '' : 's'} in ${(sum.durationMs / 1000).toFixed(1)}s`),
    `  ready ${sum.byStatus.ready}   skipped ${sum.byStatus.skipped}   invalid ${sum.byStatus.invalid}`,
  ];
  const codes = Object.entries(sum.byIssueCode).sort((a, b) => b[1] - a[1]);
  if (codes.length) {
    lines.push('  issues by code:');
    for (const [code, n] of codes) lines.push(`    ${code.padEnd(26)} ${n}`);
  }
  const withheld = Object.entries(sum.withheld).sort((a, b) => b[1] - a[1]);
  if (withheld.length) {
    lines.push('  withheld (persons):');
    for (const [what, n] of withheld.slice(0, 20)) lines.push(`    ${what.padEnd(40)} ${n}`);
  }
  if (!sum.sendable) lines.push(s.yellow('  NOT SENDABLE: produced with --assume-consent; the persons\' own consent choices were not applied.'));
  return lines.join('\n') + '\n';
}
