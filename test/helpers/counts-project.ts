/**
 * A small project for tests that run `fastdata dev` in this process: readings posted over
 * HTTP ingest (an http source), and a module `counts` with one-minute tumbling windows per
 * sensor (count and sum of the values; no grace, no lateness, idle timeout an hour, so only
 * records close windows). The ground truth of its output is computed here from the
 * records, independently of the stream code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partitionForStringKey } from '../../src/log/partitioner.js';

export const MINUTE = 60_000;
export const PARTITIONS = 2;

export interface Reading {
  sensor: string;
  ts: number;
  value: number;
}

/** An output record: the aggregate's window, keyed by sensor. */
export interface Counts {
  key: string;
  windowStart: number;
  windowEnd: number;
  n: number;
  total: number;
}

const READING = { type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'ts', type: 'long' }, { name: 'value', type: 'double' }] };
const COUNTS = {
  type: 'record',
  name: 'Counts',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'windowEnd', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'total', type: 'double' },
  ],
};

/** The module's source; `note` changes nothing of its state layout, `size` changes it. */
export function countsModule(options: { note?: string; size?: string } = {}): string {
  return `import { aggregate, count, defineStream, keyBy, sum, tumbling } from 'fastdata';

type Reading = { sensor: string; ts: number; value: number };

export default defineStream<{ readings: Reading }, unknown>({
  name: 'counts',
  doc: ${JSON.stringify(options.note ?? 'Readings per sensor and minute.')},
  inputs: { readings: 'sensor.readings' },
  output: { topic: 'sensor.counts', schema: 'schemas/counts.avsc', key: (c: any) => c.key },
  eventTime: (r) => r.ts,
  watermark: { lateness: 0, idleTimeout: '1h' },
  pipeline: ({ readings }) =>
    readings.pipe(
      keyBy((r) => r.sensor, { partitioned: 'input' }),
      tumbling(${JSON.stringify(options.size ?? '1m')}, { grace: '0s', emit: 'final' }),
      aggregate({ n: count(), total: sum((r) => r.value) }, { name: 'minute' }),
    ),
});
`;
}

/** Writes the project into `root` (which exists). */
export async function writeCountsProject(root: string): Promise<void> {
  for (const dir of ['sources', 'streams', 'schemas']) await mkdir(join(root, dir), { recursive: true });
  await writeFile(join(root, 'fastdata.config.yaml'), `server: { port: 0 }\nlog: { partitions: ${PARTITIONS} }\ngenerator: { enabled: false }\n`);
  await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING));
  await writeFile(join(root, 'schemas/counts.avsc'), JSON.stringify(COUNTS));
  await writeFile(join(root, 'sources/readings.yaml'), 'kind: http\ntopic: sensor.readings\nschema: schemas/reading.avsc\nkey: sensor\ntime: ts\n');
  await writeFile(join(root, 'streams/counts.ts'), countsModule());
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'counts-test', private: true, type: 'module' }));
}

/**
 * The windows the module emits for `readings` (in the order they were written): per
 * partition, a window is closed once a record of that partition is at or past its end (no
 * lateness, no grace). Times never fall on a minute boundary in these tests.
 */
export function expectedCounts(readings: readonly Reading[]): Counts[] {
  const watermark = new Map<number, number>();
  const windows = new Map<string, Counts>();
  for (const r of readings) {
    const partition = partitionForStringKey(r.sensor, PARTITIONS);
    watermark.set(partition, Math.max(watermark.get(partition) ?? Number.NEGATIVE_INFINITY, r.ts));
    const windowStart = Math.floor(r.ts / MINUTE) * MINUTE;
    const id = `${r.sensor}@${windowStart}`;
    const w = windows.get(id) ?? { key: r.sensor, windowStart, windowEnd: windowStart + MINUTE, n: 0, total: 0 };
    w.n++;
    w.total += r.value;
    windows.set(id, w);
  }
  return sortCounts([...windows.values()].filter((w) => w.windowEnd <= watermark.get(partitionForStringKey(w.key, PARTITIONS))!));
}

export function sortCounts(counts: Counts[]): Counts[] {
  return [...counts].sort((a, b) => a.key.localeCompare(b.key) || a.windowStart - b.windowStart);
}
