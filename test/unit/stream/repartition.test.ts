/**
 * Grouping by a key that is not the input's partitioning, on the embedded log with 4
 * partitions: every record of a key meets one task through the keyBy's repartition topic,
 * so per-site windows over sensor-keyed readings equal the truth the test computes itself.
 * Without repartitioning each of the 4 tasks would emit its own partial window per site.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, max, sum, tumbling } from 'fastdata';
import { map } from 'rxjs';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { resetModule } from '../../../src/tools/reset/reset-module.js';
import type { RunnerEvent } from '../../../src/stream/runner-events.js';
import { readAll } from '../../conformance/log.js';
import { EmbeddedRuntime } from '../../helpers/embedded-runtime.js';
import { eventually } from '../../helpers/eventually.js';

interface Reading {
  sensorId: string;
  site: string;
  ts: number;
  temperature: number;
}
interface SiteStats {
  site: string;
  windowStart: number;
  n: number;
  total: number;
  latest: number;
}

const readingSchema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
  ],
};
const siteStatsSchema = {
  type: 'record',
  name: 'SiteStats',
  fields: [
    { name: 'site', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'total', type: 'double' },
    { name: 'latest', type: 'long' },
  ],
};

const PARTITIONS = 4;
const SENSORS = 400;
const SITES = 23;
const SECONDS = 40;
const WINDOW_MS = 10_000;
const siteOf = (sensor: number) => `site-${(sensor * 7) % SITES}`;

type Pipeline = Parameters<typeof defineStream<{ readings: Reading }, SiteStats>>[0]['pipeline'];

function perSite(pipeline: Pipeline, name = 'per-site') {
  return defineStream<{ readings: Reading }, SiteStats>({
    name,
    inputs: { readings: 'readings' },
    output: { topic: `${name}.stats`, schema: siteStatsSchema, key: (s) => s.site },
    eventTime: (r) => r.ts,
    watermark: { idleTimeout: '300ms' },
    commitInterval: 20,
    pipeline,
  });
}

const siteWindows = (keyOptions: Parameters<typeof keyBy>[1] = {}): Pipeline => ({ readings }) =>
  readings.pipe(
    keyBy((r: Reading) => r.site, keyOptions),
    tumbling('10s', { grace: 0, emit: 'final' }),
    aggregate({ n: count(), total: sum((r) => r.temperature), latest: max((r) => r.ts) }),
    map((w) => ({ site: w.key, windowStart: w.windowStart, n: w.n, total: w.total, latest: w.latest })),
  );

/** Readings of every sensor each second, some out of order within a second, keyed by sensor. */
function readings(): Reading[] {
  const all: Reading[] = [];
  for (let sec = 0; sec < SECONDS; sec++) {
    const batch: Reading[] = [];
    for (let s = 0; s < SENSORS; s++) batch.push({ sensorId: `s${s}`, site: siteOf(s), ts: sec * 1000 + ((s * 37) % 1000), temperature: (s % 13) + sec / 8 });
    batch.reverse();
    all.push(...batch);
  }
  return all;
}

/** What the windows must hold, computed here from the readings. */
function truth(all: Reading[]): Map<string, { n: number; total: number; latest: number }> {
  const windows = new Map<string, { n: number; total: number; latest: number }>();
  for (const r of all) {
    const id = `${r.site}@${Math.floor(r.ts / WINDOW_MS) * WINDOW_MS}`;
    const w = windows.get(id) ?? { n: 0, total: 0, latest: 0 };
    w.n++;
    w.total += r.temperature;
    w.latest = Math.max(w.latest, r.ts);
    windows.set(id, w);
  }
  return windows;
}

describe('repartitioning by a key other than the input partitioning (embedded log, 4 partitions)', () => {
  let rt: EmbeddedRuntime;
  let log: EmbeddedLog;
  let serde: AvroSerde;
  let events: RunnerEvent[];

  beforeEach(async () => {
    rt = await EmbeddedRuntime.open();
    ({ log, serde, events } = rt);
    await log.createTopic({ name: 'readings', partitions: PARTITIONS });
  });
  afterEach(() => rt.close());

  const runner = (module: ReturnType<typeof perSite>) => rt.runner(module, PARTITIONS);

  async function produce(all: Reading[]) {
    const encoder = await serde.encoderFor('readings-value', readingSchema);
    for (let i = 0; i < all.length; i += 2000) {
      await log.produce('readings', all.slice(i, i + 2000).map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })));
    }
  }

  async function outputs(topic: string): Promise<SiteStats[]> {
    return Promise.all((await readAll(log, topic)).map(async (r) => (await serde.decode(r.value!)) as SiteStats));
  }

  function expectTruth(out: SiteStats[], all: Reading[]) {
    const expected = truth(all);
    const got = new Map<string, SiteStats[]>();
    for (const w of out) got.set(`${w.site}@${w.windowStart}`, [...(got.get(`${w.site}@${w.windowStart}`) ?? []), w]);
    const wrong = [...expected].filter(([id, w]) => {
      const windows = got.get(id) ?? [];
      return windows.length !== 1 || windows[0]!.n !== w.n || Math.abs(windows[0]!.total - w.total) > 1e-6 || windows[0]!.latest !== w.latest;
    });
    expect(wrong.slice(0, 5).map(([id, w]) => ({ id, expected: w, got: got.get(id) }))).toEqual([]);
    expect(got.size).toBe(expected.size);
  }

  it('per-site windows over sensor-keyed readings equal the truth, every window once', async () => {
    // The premise: the sites' readings are spread over every partition.
    const partitionsOfSite0 = new Set(Array.from({ length: SENSORS }, (_, s) => s).filter((s) => siteOf(s) === 'site-0').map((s) => partitionForStringKey(`s${s}`, PARTITIONS)));
    expect(partitionsOfSite0.size).toBe(PARTITIONS);

    const all = readings();
    await produce(all);
    const module = perSite(siteWindows());
    const r = runner(module);
    await r.start();
    const expected = truth(all).size;
    await eventually(async () => (await outputs('per-site.stats')).length >= expected, { timeoutMs: 20_000 });
    await r.stop();
    expectTruth(await outputs('per-site.stats'), all);

    // The records went through the keyBy's repartition topic, created beside the inputs.
    const topic = await log.describeTopic('fastdata.per-site.keyBy-1.repartition');
    expect(topic?.partitions).toBe(PARTITIONS);
    const forwarded = (await readAll(log, 'fastdata.per-site.keyBy-1.repartition')).filter((rec) => rec.value !== null);
    const ownedWhereRead = all.filter((rd) => partitionForStringKey(rd.site, PARTITIONS) === partitionForStringKey(rd.sensorId, PARTITIONS)).length;
    expect(forwarded.length).toBe(all.length - ownedWhereRead);
    for (const rec of forwarded.slice(0, 50)) expect(rec.partition).toBe(partitionForStringKey(rec.key!.toString(), PARTITIONS));
  });

  it('resumes after a stop in the middle: the windows still equal the truth, none twice', async () => {
    const all = readings();
    const half = Math.floor(all.length / 2);
    await produce(all.slice(0, half));
    const module = perSite(siteWindows());
    const first = runner(module);
    await first.start();
    await eventually(async () => (await log.committed(module.groupId, 'readings')).reduce((n, c) => n + c.offset, 0) === half, { timeoutMs: 20_000 });
    await first.stop();
    await produce(all.slice(half));
    const second = runner(module);
    await second.start();
    const expected = truth(all).size;
    await eventually(async () => (await outputs('per-site.stats')).length >= expected, { timeoutMs: 20_000 });
    await second.stop();
    expectTruth(await outputs('per-site.stats'), all);
  });

  it('after a reset the module reads its inputs again, not what its repartition topic held before', async () => {
    const all = readings();
    await produce(all);
    const module = perSite(siteWindows());
    const expected = truth(all).size;
    const first = runner(module);
    await first.start();
    await eventually(async () => (await outputs('per-site.stats')).length >= expected, { timeoutMs: 20_000 });
    await first.stop();
    await resetModule(log, module);
    const second = runner(module);
    await second.start();
    await eventually(async () => (await outputs('per-site.stats')).length >= 2 * expected, { timeoutMs: 20_000 });
    await second.stop();
    // Every window twice (once per run), each time equal to the truth: no reading counted twice.
    const out = await outputs('per-site.stats');
    expect(out).toHaveLength(2 * expected);
    const firstOfEach = new Map(out.map((w) => [`${w.site}@${w.windowStart}`, w]));
    expectTruth([...firstOfEach.values()], all);
    expectTruth(out.filter((w) => firstOfEach.get(`${w.site}@${w.windowStart}`) !== w), all);
  });

  it('a value mapped before the keyBy travels whole (Dates and all) and is grouped like the rest', async () => {
    const all = readings();
    await produce(all);
    const module = perSite(({ readings: input }) =>
      input.pipe(
        map((r: Reading) => ({ ...r, at: new Date(r.ts) })),
        keyBy((r) => r.site),
        tumbling('10s', { grace: 0, emit: 'final' }),
        aggregate({ n: count(), total: sum((r) => r.temperature), latest: max((r) => r.at.getTime()) }),
        map((w) => ({ site: w.key, windowStart: w.windowStart, n: w.n, total: w.total, latest: w.latest })),
      ),
    );
    const r = runner(module);
    await r.start();
    const expected = truth(all).size;
    await eventually(async () => (await outputs('per-site.stats')).length >= expected, { timeoutMs: 20_000 });
    await r.stop();
    expectTruth(await outputs('per-site.stats'), all);
    expect(events.filter((e) => e.type === 'dead-letter')).toEqual([]);
  });

  it("partitioned: 'input' takes no repartition topic and dead-letters each record that breaks the claim", async () => {
    const all = readings().slice(0, 4 * SENSORS);
    await produce(all);
    const module = perSite(siteWindows({ partitioned: 'input' }), 'claimed');
    const r = runner(module);
    await r.start();
    const broken = all.filter((rd) => partitionForStringKey(rd.site, PARTITIONS) !== partitionForStringKey(rd.sensorId, PARTITIONS));
    await eventually(async () => events.filter((e) => e.type === 'dead-letter').length >= broken.length, { timeoutMs: 20_000 });
    await r.stop();
    const letters = events.filter((e) => e.type === 'dead-letter');
    expect(letters).toHaveLength(broken.length);
    expect(letters.every((e) => e.type === 'dead-letter' && e.reason === 'wrong-partition')).toBe(true);
    expect((letters[0] as { message: string }).message).toMatch(/partitioned by its key.*drop \{ partitioned: 'input' \}/);
    expect(await log.describeTopic('fastdata.claimed.keyBy-1.repartition')).toBeUndefined();
  });

  it('a keyBy after a window cannot repartition: the records it would send are dead-lettered, saying why', async () => {
    const all = readings().slice(0, 12 * SENSORS);
    await produce(all);
    const module = perSite(
      ({ readings: input }) =>
        input.pipe(
          keyBy((r: Reading) => r.sensorId, { partitioned: 'input' }),
          tumbling('10s', { grace: 0, emit: 'final' }),
          aggregate({ n: count() }),
          keyBy((w) => siteOf(Number(w.key.slice(1)))),
          tumbling('10s', { grace: 0, emit: 'final' }),
          aggregate({ n: count() }),
          map((w) => ({ site: w.key, windowStart: w.windowStart, n: w.n, total: 0, latest: 0 })),
        ),
      'after-window',
    );
    const r = runner(module);
    await r.start();
    await eventually(() => events.some((e) => e.type === 'dead-letter' && e.reason === 'pipeline-error'), { timeoutMs: 20_000 });
    await r.stop();
    const letter = events.find((e) => e.type === 'dead-letter' && e.reason === 'pipeline-error') as { message: string };
    expect(letter.message).toMatch(/emitted by a window or a timer.*key by the new key before the window/);
  });
});
