/**
 * RxJS higher-order operators around fastdata's: stateless inner pipelines work, before and
 * after fastdata's operators; fastdata's operators nested inside one (the groupBy/mergeMap
 * idiom) stop the task at the first record with a message that says what to write instead,
 * rather than dead-letter every record with "subscribed outside": in the TestDriver, and a
 * runner on the embedded log reports the module failed.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, count, defineStream, keyBy, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { from, groupBy, map, mergeMap } from 'rxjs';
import { EmbeddedRuntime } from '../../helpers/embedded-runtime.js';
import { eventually } from '../../helpers/eventually.js';

interface Reading {
  sensorId: string;
  site: string;
  ts: number;
}
interface Counted {
  key: string;
  windowStart: number;
  n: number;
}

const countedSchema = {
  type: 'record',
  name: 'Counted',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'n', type: 'long' },
  ],
};

const module = (pipeline: Parameters<typeof defineStream<{ readings: Reading }, Counted>>[0]['pipeline']) =>
  defineStream<{ readings: Reading }, Counted>({
    name: 'higher-order',
    inputs: { readings: 'readings' },
    output: { topic: 'counted', schema: countedSchema, key: (c) => c.key },
    eventTime: (r) => r.ts,
    pipeline,
  });

const readings: Reading[] = [
  { sensorId: 's1', site: 'a', ts: 1_000 },
  { sensorId: 's2', site: 'a', ts: 2_000 },
  { sensorId: 's3', site: 'b', ts: 3_000 },
];

describe('RxJS higher-order operators around fastdata operators', () => {
  it('work for stateless steps before and after them', async () => {
    const driver = await TestDriver.create(
      module(({ readings: input }) =>
        input.pipe(
          // Before: one record becomes two (a reading per sensor and one for its site).
          mergeMap((r) => from([r, { ...r, sensorId: `${r.site}-all` }])),
          keyBy((r) => r.sensorId),
          tumbling('1m', { grace: 0, emit: 'final' }),
          aggregate({ n: count() }),
          // After: a window's result is expanded by an inner observable.
          mergeMap((w) => from([{ key: w.key, windowStart: w.windowStart, n: w.n }])),
        ),
      ),
    );
    driver.pipeAll('readings', readings);
    driver.advanceWatermark(60_000);
    const out = driver.readValues().map((c) => `${c.key}=${c.n}`).sort();
    expect(out).toEqual(['a-all=2', 'b-all=1', 's1=1', 's2=1', 's3=1']);
  });

  it('stop the task at the first record when they nest fastdata operators, saying to use keyBy', async () => {
    const driver = await TestDriver.create(
      module(({ readings: input }) =>
        input.pipe(
          groupBy((r) => r.site),
          mergeMap((group) =>
            group.pipe(
              keyBy((r) => r.site),
              tumbling('1m', { grace: 0, emit: 'final' }),
              aggregate({ n: count() }),
              map((w) => ({ key: w.key, windowStart: w.windowStart, n: w.n })),
            ),
          ),
        ),
      ),
    );
    let thrown: unknown;
    try {
      driver.pipe('readings', readings[0]!);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'FD_PIPELINE_INVALID' });
    expect((thrown as Error).message).toMatch(/aggregate\(\) was subscribed while records flow, inside a higher-order operator.*use keyBy\(\(r\) => <the group key>\) instead of groupBy/);
    expect(driver.readDeadLetters()).toEqual([]);
  });
});

describe('in the runtime', () => {
  it('a module nesting fastdata operators in a higher-order one fails at its first record, saying what to write', async () => {
    const rt = await EmbeddedRuntime.open();
    try {
      await rt.log.createTopic({ name: 'readings', partitions: 2 });
      const encoder = await rt.serde.encoderFor('readings-value', {
        type: 'record',
        name: 'Reading',
        fields: [
          { name: 'sensorId', type: 'string' },
          { name: 'site', type: 'string' },
          { name: 'ts', type: 'long' },
        ],
      });
      await rt.log.produce('readings', readings.map((r) => ({ key: r.sensorId, value: encoder.encode(r) })));
      const nested = module(({ readings: input }) =>
        input.pipe(
          groupBy((r) => r.site),
          mergeMap((group) => group.pipe(keyBy((r) => r.site), tumbling('1m', { grace: 0, emit: 'final' }), aggregate({ n: count() }), map((w) => ({ key: w.key, windowStart: w.windowStart, n: w.n })))),
        ),
      );
      const runner = rt.runner(nested, 2);
      await runner.start();
      await eventually(() => runner.status().state === 'failed', { timeoutMs: 10_000 });
      expect(runner.status().error).toMatch(/aggregate\(\) was subscribed while records flow.*instead of groupBy/);
      expect(rt.events.filter((e) => e.type === 'dead-letter')).toEqual([]);
      await runner.stop();
    } finally {
      await rt.close();
    }
  });
});
