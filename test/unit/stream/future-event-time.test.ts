/**
 * Issue 15, "poison input with lasting effect": one reading dated ten years ahead set its
 * partition's watermark to 2036, so every later reading of that partition was dead-lettered
 * as late, its sensors produced no stats, the watermark survived restarts and nothing warned.
 *
 * Reproduced here on the embedded log with the processor's clock in the test's hands (a
 * ManualClock at NOW): readings of several sensors on one partition, one of them dated ten
 * years ahead in the middle. What must hold: that reading is dead-lettered with reason
 * `future-event-time` and moves nothing, so the windows come out as the test computes them
 * from the readings; across a restart too; a checkpoint written with a watermark in 2036
 * (as before the check existed) is not restored, and that is reported (warning, status,
 * /metrics); a reading within maxFutureSkew still moves the watermark; and the setting is
 * validated.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, sum, tumbling } from 'fastdata';
import { map } from 'rxjs';
import { isFastdataError } from '../../../src/errors.js';
import type { LogRecord } from '../../../src/log/types.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { INPUT_CLOCK, TASK_CLOCK } from '../../../src/stream/host/changelog.js';
import { ORIGIN_HEADER, TaskEventTime, WATERMARK_HEADER } from '../../../src/stream/host/event-time.js';
import { withModuleSettings } from '../../../src/stream/module-settings.js';
import { moduleTimeSpec } from '../../../src/stream/module-time.js';
import { repartitionTopic } from '../../../src/stream/repartition.js';
import type { RunnerEvent } from '../../../src/stream/runner-events.js';
import { StreamRunner } from '../../../src/stream/runner.js';
import { WatermarkTracker } from '../../../src/stream/watermark.js';
import { ManualClock } from '../../../src/time/clock.js';
import type { Duration } from '../../../src/time/duration.js';
import { readAll } from '../../conformance/log.js';
import { EmbeddedRuntime } from '../../helpers/embedded-runtime.js';
import { eventually } from '../../helpers/eventually.js';
import { parseExposition, valueOf } from '../metrics/exposition.js';

interface Reading {
  sensorId: string;
  ts: number;
  temperature: number;
}
interface Stats {
  sensorId: string;
  windowStart: number;
  n: number;
  total: number;
}

const readingSchema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
  ],
};
const statsSchema = {
  type: 'record',
  name: 'Stats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'n', type: 'long' },
    { name: 'total', type: 'double' },
  ],
};

/** The processor's clock: readings are from the last minutes before it. */
const NOW = Date.UTC(2026, 4, 12, 9, 30, 0);
const TEN_YEARS = Math.round(10 * 365.25 * 86_400_000);
const WINDOW_MS = 10_000;
const SENSORS = 5;
/** Readings start here: aligned to the windows, ten minutes before NOW. */
const START = NOW - 10 * 60_000;

function sensorStats(watermark: { maxFutureSkew?: Duration } = {}) {
  return defineStream<{ readings: Reading }, Stats>({
    name: 'sensor-stats',
    inputs: { readings: 'readings' },
    output: { topic: 'sensor.stats', schema: statsSchema, key: (s) => s.sensorId },
    eventTime: (r) => r.ts,
    // No idleness within a test: only readings move the watermark.
    watermark: { idleTimeout: '1h', ...watermark },
    commitInterval: 20,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensorId, { partitioned: 'input' }),
        tumbling('10s', { grace: 0, emit: 'final' }),
        aggregate({ n: count(), total: sum((r) => r.temperature) }),
        map((w) => ({ sensorId: w.key, windowStart: w.windowStart, n: w.n, total: w.total })),
      ),
  });
}

/** One reading a second of every sensor over [fromSec, toSec) after START. */
function readings(fromSec: number, toSec: number): Reading[] {
  const all: Reading[] = [];
  for (let sec = fromSec; sec < toSec; sec++) {
    for (let s = 0; s < SENSORS; s++) all.push({ sensorId: `s${s}`, ts: START + sec * 1000 + s * 7, temperature: 20 + s + sec / 100 });
  }
  return all;
}

/**
 * The windows the test expects from `all` (the readings that are not from the future):
 * every window of every sensor that ends at or before the latest reading's time (the
 * watermark, lateness 0), with its count and sum.
 */
function truth(all: Reading[]): Map<string, { n: number; total: number }> {
  const watermark = Math.max(...all.map((r) => r.ts));
  const windows = new Map<string, { n: number; total: number }>();
  for (const r of all) {
    const start = Math.floor(r.ts / WINDOW_MS) * WINDOW_MS;
    if (start + WINDOW_MS > watermark) continue; // still open
    const id = `${r.sensorId}@${start}`;
    const w = windows.get(id) ?? { n: 0, total: 0 };
    w.n++;
    w.total += r.temperature;
    windows.set(id, w);
  }
  return windows;
}

describe('a reading dated ten years ahead (issue 15)', () => {
  let rt: EmbeddedRuntime;
  let clock: ManualClock;
  let events: RunnerEvent[];
  const runners: StreamRunner[] = [];

  beforeEach(async () => {
    rt = await EmbeddedRuntime.open();
    events = [];
    clock = new ManualClock(NOW);
    await rt.log.createTopic({ name: 'readings', partitions: 1 });
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await rt.close();
  });

  function runner(module: ReturnType<typeof sensorStats>): StreamRunner {
    const r = new StreamRunner(module, { log: rt.log, serde: rt.serde, root: '.', defaultPartitions: 1, clock, onEvent: (e) => events.push(e) });
    runners.push(r);
    return r;
  }

  async function produce(all: Reading[]): Promise<void> {
    const encoder = await rt.serde.encoderFor('readings-value', readingSchema);
    await rt.log.produce('readings', all.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: NOW })));
  }

  /** Waits until `r` has read its input to the end: `count` records (processed, or refused for their event time) since it started. */
  async function processed(r: StreamRunner, count: number): Promise<void> {
    await eventually(
      () => {
        const s = r.status();
        return s.partitions.length === 1 && s.lag[0] === 0 && s.records + (s.future ?? 0) >= count;
      },
      { timeoutMs: 20_000 },
    ).catch(() => {
      throw new Error(`runner: ${JSON.stringify(r.status())}`);
    });
  }

  /** Runs `r` to the end of its input, then stops it (the stop checkpoints: outputs and dead letters are written); its status before the stop. */
  async function runToEnd(r: StreamRunner, count: number) {
    await r.start();
    await processed(r, count);
    const status = r.status();
    await r.stop();
    return status;
  }

  async function outputs(): Promise<Stats[]> {
    return Promise.all((await readAll(rt.log, 'sensor.stats')).map(async (r) => (await rt.serde.decode(r.value!)) as Stats));
  }
  const deadLetters = () => readAll(rt.log, 'fastdata.sensor-stats.dlq');
  const header = (record: LogRecord, name: string) => record.headers[name]?.toString();

  /** The windows written equal the truth: each once, none missing, none extra, nothing partial. */
  function expectWindows(out: Stats[], expected: Map<string, { n: number; total: number }>): void {
    const got = new Map<string, Stats[]>();
    for (const w of out) got.set(`${w.sensorId}@${w.windowStart}`, [...(got.get(`${w.sensorId}@${w.windowStart}`) ?? []), w]);
    const twice = [...got].filter(([, ws]) => ws.length > 1).map(([id]) => id);
    const missing = [...expected.keys()].filter((id) => !got.has(id));
    const extra = [...got.keys()].filter((id) => !expected.has(id));
    const wrong = [...expected].filter(([id, w]) => {
      const g = got.get(id)?.[0];
      return g !== undefined && (g.n !== w.n || Math.abs(g.total - w.total) > 1e-6);
    });
    expect({ twice, missing, extra, wrong: wrong.map(([id]) => id) }).toEqual({ twice: [], missing: [], extra: [], wrong: [] });
    expect(expected.size).toBeGreaterThan(0);
  }

  it('is dead-lettered as future-event-time and moves nothing: the later readings are not late and every window is complete', async () => {
    const before = readings(0, 60);
    const after = readings(60, 120);
    const poison: Reading = { sensorId: 's2', ts: START + 60_000 + TEN_YEARS, temperature: 99 };
    await produce([...before, poison, ...after]);
    const r = runner(sensorStats());
    const status = await runToEnd(r, before.length + 1 + after.length);

    const letters = await deadLetters();
    expect(letters.map((l) => header(l, 'fastdata.dlq.reason'))).toEqual(['future-event-time']);
    const [letter] = letters;
    expect(header(letter!, 'fastdata.source.offset')).toBe(String(before.length));
    expect(header(letter!, 'fastdata.event.time')).toBe(String(poison.ts));
    expect(header(letter!, 'fastdata.processor.time')).toBe(String(NOW));
    expect(header(letter!, 'fastdata.max-future-skew')).toBe('300000');
    expect(header(letter!, 'fastdata.dlq.message')).toMatch(/event time 2036-05-1\dT.* is 10\.0 years ahead of the processor's clock \(2026-05-12T09:30:00\.000Z\), more than watermark\.maxFutureSkew \(5m\)/);
    expect(status).toMatchObject({ late: 0, future: 1, deadLettered: 1, records: before.length + after.length });
    // The watermark is the latest real reading's, not 2036.
    expect(status.watermarks).toEqual({ 0: Math.max(...after.map((x) => x.ts)) });
    expectWindows(await outputs(), truth([...before, ...after]));
    expect(events.some((e) => e.type === 'dead-letter' && e.reason === 'future-event-time' && e.offset === before.length)).toBe(true);
  });

  it('stays out across a restart from a checkpoint: the readings after it make complete windows', async () => {
    const first = readings(0, 50);
    const poison: Reading = { sensorId: 's0', ts: START + 50_000 + TEN_YEARS, temperature: -1 };
    const second = readings(50, 120);
    await produce([...first, poison]);
    await runToEnd(runner(sensorStats()), first.length + 1);
    // A new process: the task restores from the checkpoint the stop wrote, then reads on.
    await produce(second);
    const again = runner(sensorStats());
    const status = await runToEnd(again, second.length);

    expect((await deadLetters()).map((l) => header(l, 'fastdata.dlq.reason'))).toEqual(['future-event-time']);
    expect(status).toMatchObject({ late: 0, future: 0, watermarkResets: 0, records: second.length, watermarks: { 0: Math.max(...second.map((x) => x.ts)) } });
    expectWindows(await outputs(), truth([...first, ...second]));
  });

  it('a checkpoint whose watermark is in 2036 (written before the check) is not restored, and that is reported', async () => {
    // Before the check: a module that takes any event time, as fastdata did, moves its watermark to 2036.
    const first = readings(0, 30);
    const poison: Reading = { sensorId: 's3', ts: START + 30_000 + TEN_YEARS, temperature: 0 };
    const lost = readings(30, 40);
    await produce([...first, poison, ...lost]);
    const old = runner(sensorStats({ maxFutureSkew: '36500d' }));
    const runnersNow: StreamRunner[] = [old];
    const metrics = new MetricsRegistry({ runners: () => runnersNow, clock, processMetrics: false });
    await old.start();
    await processed(old, first.length + 1 + lost.length);
    // The bug as reported: the watermark is ten years ahead and the readings after the poison are late.
    expect(old.status().late).toBe(lost.length);
    const ahead = valueOf(parseExposition(await metrics.text()).samples, 'fastdata_module_watermark_ahead_seconds', { module: 'sensor-stats', partition: '0' });
    expect(ahead).toBeGreaterThan(TEN_YEARS / 1000 - 3600);
    await old.stop();

    // Today's module restarts from that checkpoint.
    clock.advance(60_000);
    const second = readings(40, 120);
    await produce(second);
    const fixed = runner(sensorStats());
    runnersNow.splice(0, 1, fixed);
    const lettersBefore = (await deadLetters()).length;
    const status = await runToEnd(fixed, second.length);

    const warning = events.find((e) => e.type === 'warning' && /checkpointed watermark/.test(e.message));
    expect(warning).toBeDefined();
    expect((warning as { message: string }).message).toMatch(
      /partition 0: the checkpointed watermark 2036-.* of clock task is 10\.0 years ahead of the processor's clock, more than watermark\.maxFutureSkew allows .* not restored/,
    );
    expect(status).toMatchObject({ late: 0, watermarkResets: 1, lastWatermarkReset: { partition: 0, at: NOW + 60_000 }, watermarks: { 0: Math.max(...second.map((x) => x.ts)) } });
    expect(status.lastWatermarkReset!.watermark).toBeGreaterThan(NOW + TEN_YEARS - 86_400_000);
    // No reading after the restart was dead-lettered: the windows of those readings are complete.
    expect((await deadLetters()).length).toBe(lettersBefore);
    const windowsOfSecond = truth(second);
    const all = await outputs();
    expectWindows(
      all.filter((w) => w.windowStart >= START + 40_000),
      windowsOfSecond,
    );
    // Before the restart, the windows the poison closed early (those of `first`), each once; none of the poison's own.
    expect(all.filter((w) => w.windowStart < START + 40_000).map((w) => `${w.sensorId}@${w.windowStart}`).sort()).toEqual(
      [...truth(readings(0, 40))].map(([id]) => id).filter((id) => Number(id.split('@')[1]) < START + 30_000).sort(),
    );

    const { samples } = parseExposition(await metrics.text());
    expect(valueOf(samples, 'fastdata_module_watermark_resets_total', { module: 'sensor-stats' })).toBe(1);
    const summary = metrics.moduleSummaries().find((m) => m.module === 'sensor-stats')!;
    expect(summary).toMatchObject({ watermarkResets: 1, lastWatermarkReset: { partition: 0 } });
  });

  it('a reading within maxFutureSkew still moves the watermark; one beyond it does not', async () => {
    const now = readings(0, 1).map((r) => ({ ...r, ts: NOW - 1000 }));
    const soon: Reading = { sensorId: 's1', ts: NOW + 4 * 60_000, temperature: 1 };
    const tooSoon: Reading = { sensorId: 's1', ts: NOW + 6 * 60_000, temperature: 1 };
    const r = runner(sensorStats());
    const metrics = new MetricsRegistry({ runners: () => [r], clock, processMetrics: false });
    await produce([...now, soon, tooSoon]);
    await r.start();
    await processed(r, now.length + 2);
    expect(r.status()).toMatchObject({ future: 1, late: 0, watermarks: { 0: NOW + 4 * 60_000 } });
    const { samples } = parseExposition(await metrics.text());
    expect(valueOf(samples, 'fastdata_module_watermark_ahead_seconds', { module: 'sensor-stats', partition: '0' })).toBe(240);
    expect(valueOf(samples, 'fastdata_module_future_records_total', { module: 'sensor-stats' })).toBe(1);
    // It moved: a reading of now is behind it, so late.
    await produce([{ sensorId: 's4', ts: NOW, temperature: 1 }]);
    await eventually(() => r.status().late === 1);
    await r.stop();
    expect((await deadLetters()).map((l) => header(l, 'fastdata.dlq.reason'))).toEqual(['future-event-time', 'late']);
  });

  it('a larger maxFutureSkew lets a further reading in', async () => {
    const r = runner(sensorStats({ maxFutureSkew: '2h' }));
    await produce([{ sensorId: 's0', ts: NOW + 90 * 60_000, temperature: 1 }]);
    expect(await runToEnd(r, 1)).toMatchObject({ future: 0, deadLettered: 0, maxFutureSkew: 7_200_000 });
  });
});

describe('a reading from the future in a module that repartitions (embedded log, 2 partitions, wall clock)', () => {
  interface SiteStats {
    site: string;
    windowStart: number;
    n: number;
  }
  const siteSchema = {
    type: 'record',
    name: 'SiteStats',
    fields: [
      { name: 'site', type: 'string' },
      { name: 'windowStart', type: 'long' },
      { name: 'n', type: 'long' },
    ],
  };
  const siteOf = (sensorId: string) => `site-${Number(sensorId.slice(1)) % 3}`;
  const perSite = defineStream<{ readings: Reading }, SiteStats>({
    name: 'per-site',
    inputs: { readings: 'readings' },
    output: { topic: 'per-site.stats', schema: siteSchema, key: (s) => s.site },
    eventTime: (r) => r.ts,
    watermark: { idleTimeout: '300ms' },
    commitInterval: 20,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => siteOf(r.sensorId)),
        tumbling('10s', { grace: 0, emit: 'final' }),
        aggregate({ n: count() }),
        map((w) => ({ site: w.key, windowStart: w.windowStart, n: w.n })),
      ),
  });

  let rt: EmbeddedRuntime;
  beforeEach(async () => {
    rt = await EmbeddedRuntime.open();
    await rt.log.createTopic({ name: 'readings', partitions: 2 });
  });
  afterEach(() => rt.close());

  it('refuses it before it moves its task\'s clock, so no marker carries it: every per-site window is complete', async () => {
    // The last 2 minutes by the wall clock, one reading a second from each of 8 sensors.
    const start = Math.floor((Date.now() - 3 * 60_000) / WINDOW_MS) * WINDOW_MS;
    const all: Reading[] = [];
    for (let sec = 0; sec < 120; sec++) for (let s = 0; s < 8; s++) all.push({ sensorId: `s${s}`, ts: start + sec * 1000 + s, temperature: 1 });
    const poison: Reading = { sensorId: 's5', ts: Date.now() + TEN_YEARS, temperature: 1 };
    const encoder = await rt.serde.encoderFor('readings-value', readingSchema);
    const records = [...all.slice(0, 480), poison, ...all.slice(480)];
    await rt.log.produce('readings', records.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: Date.now() })));
    const expected = new Map<string, number>();
    for (const r of all) {
      const id = `${siteOf(r.sensorId)}@${Math.floor(r.ts / WINDOW_MS) * WINDOW_MS}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
    }

    const runner = rt.runner(perSite, 2);
    await runner.start();
    try {
      // The last windows close as the inputs go idle (their watermark follows the wall clock).
      await eventually(() => runner.status().outputs >= expected.size, { timeoutMs: 20_000 });
      expect(runner.status()).toMatchObject({ late: 0, future: 1, deadLettered: 1 });
    } finally {
      await runner.stop();
    }
    const out = await Promise.all((await readAll(rt.log, 'per-site.stats')).map(async (r) => (await rt.serde.decode(r.value!)) as SiteStats));
    const got = new Map(out.map((w) => [`${w.site}@${w.windowStart}`, w.n]));
    expect(out).toHaveLength(expected.size);
    expect(got).toEqual(expected);
    const letters = await readAll(rt.log, 'fastdata.per-site.dlq');
    expect(letters.map((l) => l.headers['fastdata.dlq.reason']?.toString())).toEqual(['future-event-time']);
  });
});

describe('watermark.maxFutureSkew, the setting', () => {
  const module = defineStream({
    name: 'sensor-stats',
    inputs: { readings: 'sensor.readings' },
    output: { topic: 'sensor.stats', schema: statsSchema, key: (s: { sensorId: string }) => s.sensorId },
    pipeline: (inputs: { readings: never }) => inputs.readings,
  } as never);

  it('is 5 minutes unless the module or the config says otherwise', () => {
    expect(module.maxFutureSkew).toBe(300_000);
    expect(sensorStats({ maxFutureSkew: '1h' }).maxFutureSkew).toBe(3_600_000);
    expect(withModuleSettings(module, { watermark: { maxFutureSkew: '30s' } })).toMatchObject({ maxFutureSkew: 30_000, lateness: 0, idleTimeout: 30_000 });
    expect(withModuleSettings(module, { watermark: { lateness: '1s' } }).maxFutureSkew).toBe(300_000);
  });

  it('refuses a bad duration from the config: FD_CONFIG_INVALID naming modules.<name>.watermark.maxFutureSkew', () => {
    for (const bad of ['soon', '-5m', 0, -1]) {
      let error: unknown;
      try {
        withModuleSettings(module, { watermark: { maxFutureSkew: bad } });
      } catch (e) {
        error = e;
      }
      expect(isFastdataError(error, 'FD_CONFIG_INVALID'), String(bad)).toBe(true);
      expect((error as Error).message).toMatch(/modules\.sensor-stats\.watermark\.maxFutureSkew: .* is not a valid duration/);
      expect((error as { context: { field?: string } }).context.field).toBe('modules.sensor-stats.watermark.maxFutureSkew');
    }
  });

  it('refuses a bad duration in the module, with the other problems', () => {
    expect(() => sensorStats({ maxFutureSkew: 'later' as Duration })).toThrow(/watermark\.maxFutureSkew: "later" is not a valid duration/);
    expect(() => defineStream({ watermark: { maxFutureSkw: '1m' } } as never)).toThrow(/watermark\.maxFutureSkw: .*maxFutureSkew/);
  });
});

describe('event time beyond the horizon, in the clocks themselves', () => {
  it('a restored input progress or watermark beyond the horizon is left out; the rest is restored', () => {
    const clock = new ManualClock(NOW);
    const tracker = new WatermarkTracker(['a', 'b'], 0, 60_000, clock);
    const dropped = tracker.restore({ maxEventTime: { a: NOW - 5_000, b: NOW + TEN_YEARS }, watermark: NOW - 5_000 }, NOW + 300_000);
    expect(dropped).toEqual({ inputs: ['b'], watermark: undefined });
    expect(tracker.watermark).toBe(NOW - 5_000);
    // b starts afresh: it holds the watermark back until it sends, and then counts from there.
    expect(tracker.observe('a', NOW)).toBe(NOW - 5_000);
    expect(tracker.observe('b', NOW - 1_000)).toBe(NOW - 1_000);

    const single = new WatermarkTracker(['a'], 0, 60_000, clock);
    expect(single.restore({ maxEventTime: { a: NOW + TEN_YEARS }, watermark: NOW + TEN_YEARS }, NOW + 300_000)).toEqual({ inputs: ['a'], watermark: NOW + TEN_YEARS });
    expect(single.watermark).toBe(Number.NEGATIVE_INFINITY);
    expect(single.observe('a', NOW - 2_000)).toBe(NOW - 2_000);
  });

  it('a repartitioning task ignores a marker that carries a watermark beyond the horizon, and its own markers never carry one', () => {
    const module = sensorStats();
    const topic = repartitionTopic(module.name, 'site');
    const repartition = { topics: new Map([['site', topic]]), partitions: 2 };
    const clock = new ManualClock(NOW);
    const warnings: string[] = [];
    const time = new TaskEventTime(moduleTimeSpec(module, repartition), [{ topic: 'readings', partition: 0 }, { topic, partition: 0 }], clock, { onAheadMarker: (m) => warnings.push(m) });
    const marker = (origin: number, watermark: number): LogRecord => ({
      topic,
      partition: 0,
      offset: 0,
      timestamp: NOW,
      key: null,
      value: null,
      headers: { [WATERMARK_HEADER]: Buffer.from(String(watermark)), [ORIGIN_HEADER]: Buffer.from(String(origin)) },
    });
    const lane = time.lane(topic, 0)!;
    const input = time.lane('readings', 0)!;
    input.observe(NOW - 1_000, NOW);
    expect(lane.marker!(marker(0, NOW - 1_000), NOW)).toBeUndefined(); // task 1 not heard from yet
    expect(lane.marker!(marker(1, NOW + TEN_YEARS), NOW)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/a watermark marker of task 1 in .* says 2036-.*, 10\.0 years ahead of the processor's clock, .* it is ignored/);
    expect(time.watermark(TASK_CLOCK)).toBe(Number.NEGATIVE_INFINITY);
    // Task 1's next (sane) marker counts.
    expect(lane.marker!(marker(1, NOW - 500), NOW)).toBe(NOW - 1_000);
    // What this task's own markers say (its inputs' clock) is checked by the host before it moves: see the horizon.
    expect(time.horizon(NOW)).toBe(NOW + 300_000);
    expect(time.watermark(INPUT_CLOCK)).toBe(NOW - 1_000);
  });

  it('the test driver, whose clock is no wall clock, restores everything (no guard)', () => {
    const clock = new ManualClock(0);
    const time = new TaskEventTime(moduleTimeSpec(sensorStats()), [{ topic: 'readings', partition: 0 }], clock);
    expect(time.restore({ [TASK_CLOCK]: { maxEventTime: { readings: NOW }, watermark: NOW } })).toEqual([[TASK_CLOCK, NOW]]);
  });
});
