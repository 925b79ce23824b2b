/**
 * `fastdata diff <A> <B>`: compares two outputs (topics, or .jsonl files such as
 * `fastdata tail` writes) record by record, matched by key and window: counts, changed
 * fields with examples, a summary. Exit code 0 when identical, 1 when they differ (2 for
 * a bad argument), so a script can gate a model change on it.
 */
import { InvalidArgumentError } from 'commander';
import { type Tolerance, diffRecords } from '../../schema/tools/diff-records.js';
import { renderDiffReport } from '../../schema/tools/diff-report.js';
import { info, writeLine } from '../output.js';
import { readSource } from './schema-infer.js';

export interface DiffOptions {
  dir: string;
  dataDir?: string;
  keyField?: string;
  windowField?: string;
  tolerance?: Tolerance;
  json: boolean;
}

/** `--tolerance`: an absolute difference (`0.001`) or a relative one (`0.5%`). */
export function tolerance(value: string): Tolerance {
  const match = /^(\d+(?:\.\d+)?(?:e-?\d+)?)(%?)$/i.exec(value.trim());
  if (match === null) throw new InvalidArgumentError(`expected a number >= 0 (an absolute difference, e.g. 0.001) or a percentage (e.g. 0.5%), got ${JSON.stringify(value)}`);
  const n = Number(match[1]);
  return match[2] === '%' ? { relative: n / 100 } : { absolute: n };
}

/** `--key-field` and `--window-field`: a field name, or a dotted path into nested records. */
export function fieldPath(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(value)) {
    throw new InvalidArgumentError(`expected a field name such as sensorId (or a path such as site.name), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Resolves to the exit code: 0 identical, 1 different. */
export async function diff(a: string, b: string, options: DiffOptions): Promise<number> {
  const left = await readSource(a, options);
  const right = await readSource(b, options);
  for (const [source, side] of [[a, left], [b, right]] as const) {
    if (side.skipped > 0) info(`${source}: skipped ${side.skipped} record${side.skipped === 1 ? '' : 's'} that were tombstones or could not be decoded`);
  }
  const report = diffRecords(
    { source: a, records: left.records },
    { source: b, records: right.records },
    {
      ...(options.keyField ? { keyField: options.keyField } : {}),
      ...(options.windowField ? { windowField: options.windowField } : {}),
      ...(options.tolerance ? { tolerance: options.tolerance } : {}),
    },
  );
  if (options.json) await writeLine(JSON.stringify(report));
  else for (const line of renderDiffReport(report)) await writeLine(line);
  return report.identical ? 0 : 1;
}
