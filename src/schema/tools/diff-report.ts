/** `fastdata diff`'s report as text: counts, changed fields with examples, one summary line. */
import type { DiffReport, Identity, Tolerance } from './diff-records.js';

/** Windows that look like epoch milliseconds get their ISO time too. */
function showWindow(window: unknown): string {
  if (typeof window === 'number' && window > 1e11 && window < 1e14) return `${window} (${new Date(window).toISOString()})`;
  return JSON.stringify(window);
}

function showIdentity(identity: Identity, windowField: string | null): string {
  return windowField === null ? identity.key : `${identity.key} @ ${windowField} ${showWindow(identity.window)}`;
}

const showValue = (value: unknown): string => (typeof value === 'string' && value === '(absent)' ? value : (JSON.stringify(value) ?? String(value)));

export function showTolerance(tolerance: Tolerance | null): string {
  if (tolerance === null) return 'exact';
  return 'absolute' in tolerance ? `±${tolerance.absolute}` : `±${tolerance.relative * 100}%`;
}

export function renderDiffReport(report: DiffReport): string[] {
  const window = report.matchedBy.window;
  const lines = [
    `A: ${report.a.source} (${report.a.records} records${report.a.duplicates ? `, ${report.a.duplicates} written again: the last counts` : ''})`,
    `B: ${report.b.source} (${report.b.records} records${report.b.duplicates ? `, ${report.b.duplicates} written again: the last counts` : ''})`,
    `matched by ${report.matchedBy.key}${window ? ` + ${window}` : ''}; numbers compared ${showTolerance(report.tolerance)}`,
    '',
    `  only in A  ${report.onlyInA}`,
    ...report.onlyInAExamples.map((id) => `      ${showIdentity(id, window)}`),
    `  only in B  ${report.onlyInB}`,
    ...report.onlyInBExamples.map((id) => `      ${showIdentity(id, window)}`),
    `  equal      ${report.equal}`,
    `  changed    ${report.changed}`,
  ];
  if (report.fields.length > 0) {
    lines.push('', 'changed fields:');
    for (const field of report.fields) {
      const max = field.maxAbsDiff === undefined ? '' : `, max |A-B| ${Number(field.maxAbsDiff.toPrecision(6))}`;
      lines.push(`  ${field.field}: ${field.changed} record${field.changed === 1 ? '' : 's'}${max}`);
      for (const example of field.examples) lines.push(`      ${showIdentity(example, window)}: A ${showValue(example.a)}, B ${showValue(example.b)}`);
    }
  }
  const matched = report.equal + report.changed;
  lines.push(
    '',
    report.identical
      ? `identical: ${matched} records match`
      : `different: ${report.onlyInA} only in A, ${report.onlyInB} only in B, ${report.changed} of ${matched} matched records changed`,
  );
  return lines;
}
