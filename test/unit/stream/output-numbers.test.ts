/**
 * The number rule of module outputs (src/stream/output-numbers.ts), through the test driver,
 * which runs the runtime's own output stage: a plain int/long/float/double field holding NaN,
 * ±Infinity or undefined is a dead letter naming the field, the module and the key, never a
 * record (Avro would encode NaN, and every JSON reader would then show null for a field the
 * schema says is never null). A nullable field is not checked; a field left out takes its default.
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, mean, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';

interface Reading {
  sensorId: string;
  ts: number;
  humidity: number;
}

const STATS_SCHEMA = {
  type: 'record',
  name: 'HumidityStats',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'count', type: 'long' },
    { name: 'meanHumidity', type: 'double' },
  ],
};

/** One-minute mean humidity per sensor; `field` is the reading field it averages (a misspelt one in the bug). */
function humidityStats(field: string) {
  return defineStream<{ readings: Reading }, { sensorId: string; windowStart: number; count: number; meanHumidity: number }>({
    name: 'humidity-stats',
    inputs: { readings: 'readings' },
    output: { topic: 'humidity.stats', schema: STATS_SCHEMA, key: (s) => s.sensorId },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensorId),
        tumbling('1m', { grace: 0, emit: 'final' }),
        aggregate({ n: count(), m: mean((r) => (r as unknown as Record<string, number>)[field]) }),
        map((w) => ({ sensorId: w.key, windowStart: w.windowStart, count: w.n, meanHumidity: w.m })),
      ),
  });
}

const MINUTE = 60_000;
const READINGS: Reading[] = [
  { sensorId: 's1', ts: 1_000, humidity: 40 },
  { sensorId: 's2', ts: 2_000, humidity: 50 },
  { sensorId: 's1', ts: 3_000, humidity: 44 },
  { sensorId: 's1', ts: MINUTE + 1_000, humidity: 60 },
];

describe('output numbers', () => {
  it('writes the means a correct module computes', async () => {
    const driver = await TestDriver.create(humidityStats('humidity'));
    for (const r of READINGS) driver.pipe('readings', r);
    driver.advanceWatermark(3 * MINUTE);
    expect(driver.readDeadLetters()).toEqual([]);
    expect(driver.readValues()).toEqual([
      { sensorId: 's1', windowStart: 0, count: 2, meanHumidity: 42 },
      { sensorId: 's2', windowStart: 0, count: 1, meanHumidity: 50 },
      { sensorId: 's1', windowStart: MINUTE, count: 1, meanHumidity: 60 },
    ]);
  });

  it('dead-letters every window of a misspelt field (NaN in a plain double), naming the field, the module and the key', async () => {
    const driver = await TestDriver.create(humidityStats('humidty'));
    for (const r of READINGS) driver.pipe('readings', r);
    driver.advanceWatermark(3 * MINUTE);
    // Three windows (s1 and s2 in the first minute, s1 in the second): none written, each a dead letter.
    expect(driver.readValues()).toEqual([]);
    const letters = driver.readDeadLetters();
    expect(letters.map((l) => [l.reason, (l.value as { sensorId: string }).sensorId, l.details['fastdata.dlq.fields']])).toEqual([
      ['output-invalid', 's1', 'meanHumidity'],
      ['output-invalid', 's2', 'meanHumidity'],
      ['output-invalid', 's1', 'meanHumidity'],
    ]);
    expect(letters[0]!.message).toMatch(/^humidity-stats: the output for key "s1" was not written: meanHumidity is NaN \(double\), where the output schema has a plain number/);
    expect(driver.counters).toMatchObject({ outputs: 0, deadLettered: 3 });
  });

  /** A module that emits `out` as it is for every reading, under `schema`. */
  function emitting(schema: object, out: (r: Reading) => Record<string, unknown>) {
    return defineStream<{ readings: Reading }, Record<string, unknown>>({
      name: 'emitter',
      inputs: { readings: 'readings' },
      output: { topic: 'out', schema, key: (o) => String(o.id) },
      pipeline: ({ readings }) => readings.pipe(map(out)),
    });
  }

  const NUMBERS_SCHEMA = {
    type: 'record',
    name: 'Numbers',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'd', type: 'double' },
      { name: 'f', type: 'float', default: 0 },
      { name: 'i', type: 'int', default: 7 },
      { name: 'maybe', type: ['null', 'double'], default: null },
      { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'double' }] } },
      { name: 'xs', type: { type: 'array', items: 'double' } },
    ],
  };

  it.each([
    ['NaN in a double', { d: Number.NaN }, 'd is NaN (double)'],
    ['Infinity in a double', { d: Number.POSITIVE_INFINITY }, 'd is Infinity (double)'],
    ['-Infinity in a float', { f: Number.NEGATIVE_INFINITY }, 'f is -Infinity (float)'],
    ['undefined in a float that has a default', { f: undefined }, 'f is undefined (float)'],
    ['undefined in an int that has a default', { i: undefined }, 'i is undefined (int)'],
    ['NaN in a nested record', { inner: { x: Number.NaN } }, 'inner.x is NaN (double)'],
    ['NaN in an array', { xs: [1, Number.NaN] }, 'xs.1 is NaN (double)'],
    ['two at once', { d: Number.NaN, inner: { x: Number.POSITIVE_INFINITY } }, 'd is NaN (double), inner.x is Infinity (double)'],
  ])('refuses %s', async (_name, change, said) => {
    const base = { id: 'k1', d: 1.5, f: 2.5, i: 3, maybe: null, inner: { x: 4 }, xs: [5] };
    const driver = await TestDriver.create(emitting(NUMBERS_SCHEMA, () => ({ ...base, ...change })));
    driver.pipe('readings', READINGS[0]!);
    expect(driver.readValues()).toEqual([]);
    const [letter] = driver.readDeadLetters();
    expect(letter?.message).toContain(`emitter: the output for key "k1" was not written: ${said},`);
  });

  it('lets a nullable field hold null (or NaN), and a field left out take its default', async () => {
    const driver = await TestDriver.create(
      emitting(NUMBERS_SCHEMA, (r) => (r.humidity === 40 ? { id: 'a', d: 1, maybe: null, inner: { x: 0 }, xs: [] } : { id: 'b', d: 2, f: 1, i: 1, maybe: Number.NaN, inner: { x: 0 }, xs: [] })),
    );
    driver.pipe('readings', READINGS[0]!).pipe('readings', READINGS[1]!);
    expect(driver.readDeadLetters()).toEqual([]);
    const [a, b] = driver.readValues() as Record<string, unknown>[];
    // f and i were left out of a: written, the record carries their defaults (Avro's schema evolution).
    expect(a).toEqual({ id: 'a', d: 1, maybe: null, inner: { x: 0 }, xs: [] });
    expect(b!.maybe).toBeNaN();
  });
});
