/**
 * The stream-table join on the embedded log with 4 partitions: readings enriched with the
 * row of their sensor in a compacted metadata topic, compared with a join the test computes
 * itself over the same records. Rows written before the module starts are all there for
 * its first reading; rows changed or deleted while it runs apply to the readings read after.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineStream, joinTable, keyBy } from 'fastdata';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import type { RunnerEvent } from '../../../src/stream/runner-events.js';
import { readAll } from '../../conformance/log.js';
import { EmbeddedRuntime } from '../../helpers/embedded-runtime.js';
import { eventually } from '../../helpers/eventually.js';

interface Reading {
  id: number;
  sensorId: string;
  ts: number;
  temperature: number;
}
interface Meta {
  sensorId: string;
  site: string;
  limit: number;
}
interface Enriched {
  id: number;
  sensorId: string;
  site: string;
  over: boolean;
}

const readingSchema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'sensorId', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
  ],
};
const metaSchema = {
  type: 'record',
  name: 'Meta',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'limit', type: 'double' },
  ],
};
const enrichedSchema = {
  type: 'record',
  name: 'Enriched',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'over', type: 'boolean' },
  ],
};

const PARTITIONS = 4;
const SENSORS = 2_000;
/** Sensors with no row: every 10th. */
const hasRow = (s: number) => s % 10 !== 0;
const metaOf = (s: number, version = 0): Meta => ({ sensorId: `s${s}`, site: `site-${(s * 7 + version) % 31}`, limit: 20 + ((s + version * 3) % 15) });

function readingsFrom(first: number, count: number): Reading[] {
  return Array.from({ length: count }, (_, i) => {
    const id = first + i;
    const s = (id * 7919) % SENSORS;
    return { id, sensorId: `s${s}`, ts: 1_000_000 + id, temperature: 15 + ((id * 13) % 25) };
  });
}

/** The join, computed here: each reading with its sensor's row at the time, or none. */
function expectedJoin(readings: Reading[], rows: Map<string, Meta>): { joined: Map<number, Enriched>; unmatched: Set<number> } {
  const joined = new Map<number, Enriched>();
  const unmatched = new Set<number>();
  for (const r of readings) {
    const row = rows.get(r.sensorId);
    if (!row) unmatched.add(r.id);
    else joined.set(r.id, { id: r.id, sensorId: r.sensorId, site: row.site, over: r.temperature > row.limit });
  }
  return { joined, unmatched };
}

describe('joinTable: readings enriched from a compacted table (embedded log, 4 partitions)', () => {
  let rt: EmbeddedRuntime;
  let log: EmbeddedLog;
  let serde: AvroSerde;
  let events: RunnerEvent[];

  beforeEach(async () => {
    rt = await EmbeddedRuntime.open();
    ({ log, serde, events } = rt);
    await log.createTopic({ name: 'readings', partitions: PARTITIONS });
    await log.createTopic({ name: 'sensor.meta', partitions: PARTITIONS, config: { cleanupPolicy: 'compact' } });
  });
  afterEach(() => rt.close());

  const enrich = (options: { kind?: 'left'; keyedBy?: 'sensor' | 'id' } = {}) =>
    defineStream<{ readings: Reading }, Enriched, { meta: Meta }>({
      name: 'enrich',
      inputs: { readings: 'readings' },
      tables: { meta: 'sensor.meta' },
      output: { topic: 'enriched', schema: enrichedSchema, key: (e) => e.sensorId },
      eventTime: (r) => r.ts,
      commitInterval: 20,
      pipeline: ({ readings }, { meta }) =>
        readings.pipe(
          keyBy((r) => r.sensorId, options.keyedBy === 'id' ? {} : { partitioned: 'input' }),
          options.kind === 'left'
            ? joinTable(meta, (r, row) => ({ id: r.id, sensorId: r.sensorId, site: row?.site ?? 'unknown', over: row ? r.temperature > row.limit : false }), { kind: 'left' })
            : joinTable(meta, (r, row) => ({ id: r.id, sensorId: r.sensorId, site: row.site, over: r.temperature > row.limit })),
        ),
    });

  const runner = (module: ReturnType<typeof enrich>) => rt.runner(module, PARTITIONS);

  async function produceReadings(readings: Reading[], keyedBy: 'sensor' | 'id' = 'sensor') {
    const encoder = await serde.encoderFor('readings-value', readingSchema);
    for (let i = 0; i < readings.length; i += 2000) {
      const chunk = readings.slice(i, i + 2000);
      await log.produce('readings', chunk.map((r) => ({ key: keyedBy === 'sensor' ? r.sensorId : String(r.id), value: encoder.encode(r), timestamp: r.ts })));
    }
  }

  async function writeRows(rows: Map<string, Meta | null>) {
    const encoder = await serde.encoderFor('sensor.meta-value', metaSchema);
    await log.produce('sensor.meta', [...rows].map(([key, row]) => ({ key, value: row === null ? null : encoder.encode(row) })));
  }

  async function outputs(): Promise<Enriched[]> {
    return Promise.all((await readAll(log, 'enriched')).map(async (r) => (await serde.decode(r.value!)) as Enriched));
  }

  const unmatchedIds = () =>
    events.filter((e): e is Extract<RunnerEvent, { type: 'dead-letter' }> => e.type === 'dead-letter' && e.reason === 'unmatched');

  function initialRows(): Map<string, Meta> {
    const rows = new Map<string, Meta>();
    for (let s = 0; s < SENSORS; s++) if (hasRow(s)) rows.set(`s${s}`, metaOf(s));
    return rows;
  }

  function expectJoin(out: Enriched[], expected: Map<number, Enriched>) {
    const byId = new Map<number, Enriched[]>();
    for (const o of out) byId.set(o.id, [...(byId.get(o.id) ?? []), o]);
    const wrong = [...expected].filter(([id, e]) => JSON.stringify(byId.get(id)) !== JSON.stringify([e]));
    expect(wrong.slice(0, 5).map(([id, e]) => ({ id, expected: e, got: byId.get(id) }))).toEqual([]);
    expect(byId.size).toBe(expected.size);
  }

  it('inner: every reading with a row meets it, rows written before start included; the others are dead-lettered as unmatched', async () => {
    const rows = initialRows();
    await writeRows(rows);
    const readings = readingsFrom(0, 20_000);
    await produceReadings(readings);
    const { joined, unmatched } = expectedJoin(readings, rows);
    expect(unmatched.size).toBeGreaterThan(1000);

    const r = runner(enrich());
    await r.start();
    await eventually(async () => (await outputs()).length >= joined.size && unmatchedIds().length >= unmatched.size, { timeoutMs: 20_000 });
    await r.stop();
    expectJoin(await outputs(), joined);
    expect(unmatchedIds()).toHaveLength(unmatched.size);
    expect(unmatchedIds()[0]!.message).toMatch(/sensor\.meta has no row for key "s\d*0".*kind: 'left'/);
  });

  it('left: a reading with no row goes on without one', async () => {
    const rows = initialRows();
    await writeRows(rows);
    const readings = readingsFrom(0, 8_000);
    await produceReadings(readings);
    const { joined, unmatched } = expectedJoin(readings, rows);
    for (const id of unmatched) {
      const r = readings[id]!;
      joined.set(id, { id, sensorId: r.sensorId, site: 'unknown', over: false });
    }
    const r = runner(enrich({ kind: 'left' }));
    await r.start();
    await eventually(async () => (await outputs()).length >= readings.length, { timeoutMs: 20_000 });
    await r.stop();
    expectJoin(await outputs(), joined);
    expect(unmatchedIds()).toEqual([]);
  });

  it('input keyed otherwise: readings go to the task of their sensor through the repartition topic and meet its row', async () => {
    const rows = initialRows();
    await writeRows(rows);
    const readings = readingsFrom(0, 12_000);
    await produceReadings(readings, 'id');
    const { joined, unmatched } = expectedJoin(readings, rows);
    const r = runner(enrich({ keyedBy: 'id' }));
    await r.start();
    await eventually(async () => (await outputs()).length >= joined.size && unmatchedIds().length >= unmatched.size, { timeoutMs: 30_000 });
    await r.stop();
    expectJoin(await outputs(), joined);
    expect((await readAll(log, 'fastdata.enrich.keyBy-1.repartition')).filter((rec) => rec.value !== null).length).toBeGreaterThan(readings.length / 2);
  });

  it('a row changed or deleted while running applies to the readings read after it; a restart reads the table again', async () => {
    const rows = initialRows();
    await writeRows(rows);
    const before = readingsFrom(0, 6_000);
    await produceReadings(before);
    const first = expectedJoin(before, rows);
    const module = enrich();
    const r = runner(module);
    await r.start();
    await eventually(async () => (await log.committed(module.groupId, 'readings')).reduce((n, c) => n + c.offset, 0) === before.length, { timeoutMs: 20_000 });

    // New rows for a third of the sensors, deletions for a tenth, rows for some that had none.
    const changes = new Map<string, Meta | null>();
    for (let s = 0; s < SENSORS; s++) {
      if (s % 3 === 1) changes.set(`s${s}`, metaOf(s, 1));
      else if (s % 10 === 5) changes.set(`s${s}`, null);
      else if (s % 20 === 0) changes.set(`s${s}`, metaOf(s, 2));
    }
    await writeRows(changes);
    for (const [key, row] of changes) {
      if (row === null) rows.delete(key);
      else rows.set(key, row);
    }
    // Readings produced once the table's changes are read: the task reads its lanes in turn, so wait for the table's position.
    await eventually(() => r.status().lag && Object.values(r.status().lag).every((lag) => lag === 0), { timeoutMs: 20_000 });
    const during = readingsFrom(6_000, 6_000);
    await produceReadings(during);
    const second = expectedJoin(during, rows);
    await eventually(async () => (await outputs()).length >= first.joined.size + second.joined.size, { timeoutMs: 20_000 });
    await r.stop();

    // A new run: no row is in the changelog, the table is read again from its start.
    const after = readingsFrom(12_000, 6_000);
    await produceReadings(after);
    const third = expectedJoin(after, rows);
    const again = runner(module);
    await again.start();
    await eventually(async () => (await outputs()).length >= first.joined.size + second.joined.size + third.joined.size, { timeoutMs: 20_000 });
    await again.stop();
    expectJoin(await outputs(), new Map([...first.joined, ...second.joined, ...third.joined]));
    expect(unmatchedIds()).toHaveLength(first.unmatched.size + second.unmatched.size + third.unmatched.size);
  });

  it('refuses a table whose partition count differs from the inputs, saying what to do', async () => {
    await log.deleteTopic('sensor.meta');
    await log.createTopic({ name: 'sensor.meta', partitions: 1, config: { cleanupPolicy: 'compact' } });
    const r = runner(enrich());
    await expect(r.start()).rejects.toThrow(/readings \(input, 4\), sensor\.meta \(table, 1\).*same count/);
  });
});
