/**
 * The window operators `sliding` + `aggregate`, `reduce`, `collect` and `topK` through the
 * real runtime: a StreamRunner over the embedded log with 4 partitions, inputs keyed by
 * sensor and grouped by site (so every keyBy repartitions through
 * `fastdata.<module>.<keyBy>.repartition`), out-of-order records within the grace, late
 * records beyond it, and a stop and restart in the middle. Every window is checked against
 * a brute-force truth computed here from the records the test produced.
 *
 * How the data keeps lateness unambiguous (the watermark of a task is the lowest over every
 * task's inputs, lateness 0):
 *   - on-time records: each is at most JITTER ms older than every record produced before it,
 *     and JITTER < GRACE, so whatever partition it is on and whichever task it reaches, its
 *     windows are open (a task's watermark is at most the highest time produced before it);
 *   - late records: ones of the first seconds, produced only after every input record before
 *     them was processed (committed offsets) and every site's task has emitted a window
 *     closing far after their windows (so that task's watermark is past them, for good);
 *   - event time jumps between the phases by more than the watermark can drift (an idle
 *     input's watermark moves on with the wall clock), and a last record far in the future on
 *     every partition (site 'flush', left out of the checks) closes every window.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, collect, count, defineStream, hopping, keyBy, max, min, reduce, sliding, sum, topK, tumbling } from 'fastdata';
import { map, merge } from 'rxjs';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import type { RunnerEvent } from '../../../src/stream/runner-events.js';
import { readAll } from '../../conformance/log.js';
import { EmbeddedRuntime } from '../../helpers/embedded-runtime.js';
import { eventually } from '../../helpers/eventually.js';
import { mulberry32 } from '../../../src/sources/random.js';

interface Reading {
  sensorId: string;
  site: string;
  ts: number;
  temperature: number;
  /** Production order, unique: names a record in the checks. */
  seq: number;
}
/** One window of one operator; `body` is the operator's own fields, as JSON. */
interface Out {
  op: string;
  key: string;
  windowStart: number;
  windowEnd: number;
  body: string;
}

const readingSchema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'temperature', type: 'double' },
    { name: 'seq', type: 'long' },
  ],
};
const outSchema = {
  type: 'record',
  name: 'WindowOut',
  fields: [
    { name: 'op', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'windowStart', type: 'long' },
    { name: 'windowEnd', type: 'long' },
    { name: 'body', type: 'string' },
  ],
};

const PARTITIONS = 4;
const SENSORS = 48;
const SITES = 6;
const BASE = Date.UTC(2024, 0, 1); // a multiple of every window size
const STEP = 200;
const JITTER = 600; // how far behind the newest record an out-of-order one may be
const GRACE = 1000;
const SLIDING = 2000;
const HOP_SIZE = 4000;
const HOP_ADVANCE = 2000;
const COLLECT_SIZE = 5000;
const COLLECT_LIMIT = 64;
const TOP_SIZE = 10_000;
const TOP_K = 3;
const FLUSH_TS = BASE + 3_600_000;
const MODULE = 'site-windows';
const OUTPUT = `${MODULE}.out`;
const OPS = ['sliding', 'reduce', 'collect', 'topK'] as const;
type Op = (typeof OPS)[number];

/** Each site gets sensors of every input partition: the i-th sensor of partition p goes to site (i + p) mod SITES. */
const siteOfSensor = (() => {
  const seen = new Array<number>(PARTITIONS).fill(0);
  return Array.from({ length: SENSORS }, (_, s) => {
    const p = partitionForStringKey(`s${s}`, PARTITIONS);
    const i = seen[p]!;
    seen[p] = i + 1;
    return `site-${(i + p) % SITES}`;
  });
})();
const siteOf = (s: number) => siteOfSensor[s]!;
const sourcePartition = (r: Reading) => partitionForStringKey(r.sensorId, PARTITIONS);

/** The reducer: order-independent (sums of multiples of 1/4 are exact), so the truth does not depend on arrival order. */
const reducer = (value: Reading, r: Reading): Reading => ({
  sensorId: value.sensorId < r.sensorId ? value.sensorId : r.sensorId,
  site: value.site,
  ts: Math.max(value.ts, r.ts),
  temperature: value.temperature + r.temperature,
  seq: value.seq + r.seq,
});

const out = (op: Op, w: { key: string; windowStart: number; windowEnd: number }, body: unknown): Out => ({ op, key: w.key, windowStart: w.windowStart, windowEnd: w.windowEnd, body: JSON.stringify(body) });

function siteWindows() {
  return defineStream<{ readings: Reading }, Out>({
    name: MODULE,
    inputs: { readings: 'readings' },
    output: { topic: OUTPUT, schema: outSchema, key: (o) => `${o.op}|${o.key}` },
    eventTime: (r) => r.ts,
    watermark: { idleTimeout: '300ms' },
    commitInterval: 20,
    pipeline: ({ readings }) =>
      merge(
        readings.pipe(
          keyBy((r: Reading) => r.site, { name: 'sliding-site' }),
          sliding(SLIDING, { grace: GRACE, emit: 'final' }),
          aggregate({ n: count(), total: sum((r) => r.temperature), first: min((r) => r.ts), last: max((r) => r.ts) }, { name: 'sliding-stats' }),
          map((w) => out('sliding', w, { n: w.n, total: w.total, first: w.first, last: w.last })),
        ),
        readings.pipe(
          keyBy((r: Reading) => r.site, { name: 'reduce-site' }),
          hopping(HOP_SIZE, HOP_ADVANCE, { grace: GRACE, emit: 'final' }),
          reduce(reducer, { name: 'reduced' }),
          map((w) => out('reduce', w, w.value)),
        ),
        readings.pipe(
          keyBy((r: Reading) => r.site, { name: 'collect-site' }),
          tumbling(COLLECT_SIZE, { grace: GRACE, emit: 'final' }),
          collect({ limit: COLLECT_LIMIT, name: 'collected' }),
          map((w) => out('collect', w, { seqs: w.records.map((r) => r.seq), dropped: w.dropped })),
        ),
        readings.pipe(
          keyBy((r: Reading) => r.site, { name: 'topk-site' }),
          tumbling(TOP_SIZE, { grace: GRACE, emit: 'final' }),
          topK(TOP_K, (r) => r.temperature, { by: (r) => r.sensorId, name: 'hottest' }),
          map((w) => out('topK', w, w.top.map((x) => ({ score: x.score, seq: x.value.seq })))),
        ),
      ),
  });
}

/** A seeded generator, so a failure can be replayed. */
const random = mulberry32;

interface Data {
  /** Seconds 0-30 of event time. */
  a: Reading[];
  /** Seconds 80-95, with late records (of seconds 0-4) among them. */
  b1: Reading[];
  /** Seconds 96.6-111.6 with late records (of seconds 4-7) among them, then one record far in the future on each partition. */
  b2: Reading[];
  late: Reading[];
  /** Every on-time record, of the sites the truth covers. */
  valid: Reading[];
}

function data(): Data {
  const rnd = random(13);
  let seq = 0;
  const reading = (s: number | string, ts: number): Reading => {
    const sensorId = typeof s === 'number' ? `s${s}` : s;
    const site = typeof s === 'number' ? siteOf(s) : 'flush';
    // Unique temperatures (7919 is prime to 10007), multiples of 1/4: no ties in topK, exact sums.
    const temperature = ((seq * 7919) % 10007) / 4;
    return { sensorId, site, ts, temperature, seq: seq++ };
  };
  /** `steps` steps of STEP ms from `from` (ms after BASE), denser in every other 5 s block. */
  const phase = (from: number, steps: number, jitterFrom = 0): Reading[] => {
    const all: Reading[] = [];
    for (let i = 0; i < steps; i++) {
      const stepStart = BASE + from + i * STEP;
      const modulus = Math.floor((from + i * STEP) / COLLECT_SIZE) % 2 === 0 ? 2 : 5;
      const sensors = Array.from({ length: SENSORS }, (_, s) => s).filter((s) => (s * 7 + i) % modulus === 0);
      sensors.forEach((s, k) => {
        const clock = stepStart + Math.floor((k * STEP) / sensors.length);
        const behind = i >= jitterFrom && rnd() < 0.25 ? Math.floor(rnd() * JITTER) : 0;
        all.push(reading(s, clock - behind));
      });
    }
    return all;
  };
  const interleave = (records: Reading[], late: Reading[]) => {
    const every = Math.floor(records.length / (late.length + 1));
    const all: Reading[] = [];
    records.forEach((r, i) => {
      all.push(r);
      if ((i + 1) % every === 0 && late.length > 0) all.push(late.shift()!);
    });
    return [...all, ...late];
  };

  const a = phase(0, 150);
  // Late: older than the grace allows against every window of their time (seconds 0.5 to 6.75).
  const late1 = Array.from({ length: 12 }, (_, k) => reading((k * 5) % SENSORS, BASE + 500 + k * 300));
  const late2 = Array.from({ length: 12 }, (_, k) => reading((k * 7 + 3) % SENSORS, BASE + 4000 + k * 250));
  const b1 = interleave(phase(80_000, 75), [...late1]);
  // After the stop: 1.5 s of event time further, and no out-of-order record in its first 2 s.
  const flush = Array.from({ length: PARTITIONS }, (_, p) => {
    let j = 0;
    while (partitionForStringKey(`flush-${j}`, PARTITIONS) !== p) j++;
    return reading(`flush-${j}`, FLUSH_TS);
  });
  const b2 = [...interleave(phase(96_600, 75, 10), [...late2]), ...flush];
  const late = [...late1, ...late2];
  const lateSeqs = new Set(late.map((r) => r.seq));
  const valid = [...a, ...b1, ...b2].filter((r) => !lateSeqs.has(r.seq) && r.site !== 'flush');
  return { a, b1, b2, late, valid };
}

const bySite = (records: Reading[]) => {
  const sites = new Map<string, Reading[]>();
  for (const r of records) sites.set(r.site, [...(sites.get(r.site) ?? []), r]);
  return sites;
};
const id = (key: string, start: number) => `${key}@${start}`;

/** The truth of each operator: its windows by `key@windowStart`, with the window's end and what it must emit. */
function truth(valid: Reading[]) {
  const sliding = new Map<string, { end: number; body: unknown }>();
  const reduced = new Map<string, { end: number; body: unknown }>();
  const collected = new Map<string, { end: number; records: Reading[] }>();
  const top = new Map<string, { end: number; body: unknown }>();
  for (const [site, records] of bySite(valid)) {
    // sliding: a window ending at each record, and one starting just after each record with a later one within size + 1 ms
    const starts = new Set<number>();
    for (const r of records) {
      starts.add(r.ts - SLIDING);
      if (records.some((q) => q.ts > r.ts && q.ts <= r.ts + 1 + SLIDING)) starts.add(r.ts + 1);
    }
    for (const start of starts) {
      const inside = records.filter((r) => r.ts >= start && r.ts <= start + SLIDING);
      sliding.set(id(site, start), {
        end: start + SLIDING,
        body: {
          n: inside.length,
          total: inside.reduce((t, r) => t + r.temperature, 0),
          first: Math.min(...inside.map((r) => r.ts)),
          last: Math.max(...inside.map((r) => r.ts)),
        },
      });
    }
    // fixed windows: every aligned window holding the record
    const fixed = (size: number, advance: number) => {
      const windows = new Map<number, Reading[]>();
      for (const r of records) {
        for (let start = Math.floor(r.ts / advance) * advance; start > r.ts - size; start -= advance) windows.set(start, [...(windows.get(start) ?? []), r]);
      }
      return windows;
    };
    for (const [start, inside] of fixed(HOP_SIZE, HOP_ADVANCE)) {
      reduced.set(id(site, start), {
        end: start + HOP_SIZE,
        body: {
          sensorId: inside.map((r) => r.sensorId).sort()[0],
          site,
          ts: Math.max(...inside.map((r) => r.ts)),
          temperature: inside.reduce((t, r) => t + r.temperature, 0),
          seq: inside.reduce((t, r) => t + r.seq, 0),
        },
      });
    }
    for (const [start, inside] of fixed(COLLECT_SIZE, COLLECT_SIZE)) collected.set(id(site, start), { end: start + COLLECT_SIZE, records: inside });
    for (const [start, inside] of fixed(TOP_SIZE, TOP_SIZE)) {
      const best = new Map<string, Reading>();
      for (const r of inside) if (!best.has(r.sensorId) || r.temperature > best.get(r.sensorId)!.temperature) best.set(r.sensorId, r);
      const ranked = [...best.values()].sort((x, y) => y.temperature - x.temperature).slice(0, TOP_K);
      top.set(id(site, start), { end: start + TOP_SIZE, body: ranked.map((r) => ({ score: r.temperature, seq: r.seq })) });
    }
  }
  return { sliding, reduce: reduced, collect: collected, topK: top };
}

describe('window operators on the embedded log with 4 partitions, grouped by a key the input is not keyed by', () => {
  let rt: EmbeddedRuntime;
  let log: EmbeddedLog;
  let serde: AvroSerde;
  let events: RunnerEvent[];
  const all = data();
  const expected = truth(all.valid);

  beforeEach(async () => {
    rt = await EmbeddedRuntime.open();
    ({ log, serde, events } = rt);
    await log.createTopic({ name: 'readings', partitions: PARTITIONS });
  });
  afterEach(() => rt.close());

  const runner = (module: ReturnType<typeof siteWindows>) => rt.runner(module, PARTITIONS);

  async function produce(records: Reading[]) {
    const encoder = await serde.encoderFor('readings-value', readingSchema);
    await log.produce(
      'readings',
      records.map((r) => ({ key: r.sensorId, value: encoder.encode(r), timestamp: r.ts })),
    );
  }

  async function outputs(): Promise<Out[]> {
    return Promise.all((await readAll(log, OUTPUT)).map(async (r) => (await serde.decode(r.value!)) as Out));
  }

  const consumed = async (module: ReturnType<typeof siteWindows>) => (await log.committed(module.groupId, 'readings')).reduce((n, c) => n + c.offset, 0);
  const lateLetters = () => events.filter((e) => e.type === 'dead-letter');

  /** Every site's task has emitted, for every operator, a window closing after every window of the late records: its watermark is past them. */
  async function pastTheLateOnes(): Promise<boolean> {
    const seen = new Set((await outputs()).filter((o) => o.windowStart >= BASE + TOP_SIZE).map((o) => `${o.op}|${o.key}`));
    return OPS.every((op) => Array.from({ length: SITES }, (_, s) => `site-${s}`).every((site) => seen.has(`${op}|${site}`)));
  }

  const truthSize = () => OPS.reduce((n, op) => n + expected[op].size, 0);

  /** Waits until as many windows and dead letters as the truth has are out; if they never are, the checks after it say what is wrong. */
  const allEmitted = () =>
    eventually(async () => (await outputs()).length >= truthSize() && lateLetters().length >= OPS.length * all.late.length, { timeoutMs: 10_000, intervalMs: 50 }).catch(() => undefined);

  function expectTruth(got: Out[]) {
    const byOp = new Map<string, Map<string, Out[]>>();
    // The flush records' windows close about a second after them (the watermark of idle inputs moves on with the wall clock), if the runner is still up: not part of the truth.
    for (const o of got.filter((x) => x.key !== 'flush')) {
      const windows = byOp.get(o.op) ?? new Map<string, Out[]>();
      windows.set(id(o.key, o.windowStart), [...(windows.get(id(o.key, o.windowStart)) ?? []), o]);
      byOp.set(o.op, windows);
    }
    expect([...byOp.keys()].sort()).toEqual([...OPS].sort());
    for (const op of OPS) {
      const windows = byOp.get(op)!;
      const truthOf = expected[op] as Map<string, { end: number; body?: unknown; records?: Reading[] }>;
      // Every window once: none missing, none twice, none that the truth has not (a late record's, a partial one, the flush's).
      const twice = [...windows].filter(([, ws]) => ws.length > 1).map(([w]) => w);
      expect(twice.slice(0, 5), `${op}: windows emitted more than once`).toEqual([]);
      expect([...windows.keys()].filter((w) => !truthOf.has(w)).slice(0, 5), `${op}: windows the truth has not`).toEqual([]);
      expect([...truthOf.keys()].filter((w) => !windows.has(w)).slice(0, 5), `${op}: windows missing`).toEqual([]);
      const wrong: unknown[] = [];
      for (const [w, t] of truthOf) {
        const o = windows.get(w)![0]!;
        if (o.windowEnd !== t.end) wrong.push({ w, end: o.windowEnd, expected: t.end });
        if (op === 'collect') {
          const problem = collectProblem(JSON.parse(o.body) as { seqs: number[]; dropped: number }, t.records!);
          if (problem) wrong.push({ w, problem });
        } else if (JSON.stringify(JSON.parse(o.body)) !== JSON.stringify(t.body)) {
          wrong.push({ w, got: JSON.parse(o.body), expected: t.body });
        }
      }
      expect(wrong.slice(0, 5), `${op}: windows that differ from the truth`).toEqual([]);
    }
  }

  /**
   * collect keeps the first `limit` records to arrive. Arrival order across the partitions is
   * not fixed, but each source partition's records of a site reach the site's task in their
   * produced order (straight, or through one repartition partition): the kept records of each
   * source partition are a prefix of its records of the window.
   */
  function collectProblem(got: { seqs: number[]; dropped: number }, records: Reading[]): string | undefined {
    const kept = Math.min(records.length, COLLECT_LIMIT);
    if (got.seqs.length !== kept || got.dropped !== records.length - kept) return `kept ${got.seqs.length} and dropped ${got.dropped} of ${records.length}`;
    if (new Set(got.seqs).size !== got.seqs.length) return 'a record kept twice';
    const seqs = new Set(got.seqs);
    const inWindow = new Set(records.map((r) => r.seq));
    if (got.seqs.some((s) => !inWindow.has(s))) return `kept records not in the window: ${got.seqs.filter((s) => !inWindow.has(s)).join(',')}`;
    for (let p = 0; p < PARTITIONS; p++) {
      const ofPartition = records.filter((r) => sourcePartition(r) === p).map((r) => seqs.has(r.seq));
      if (ofPartition.some((k, i) => k && i > 0 && !ofPartition[i - 1])) return `the records kept from partition ${p} are not the first ones it sent`;
    }
    return undefined;
  }

  /** Every late record was dead-lettered by each of the four operators, with reason 'late', and nothing else was. */
  function expectLateLetters(late: Reading[]) {
    const letters = lateLetters() as Extract<RunnerEvent, { type: 'dead-letter' }>[];
    expect(letters.filter((l) => l.reason !== 'late').slice(0, 3)).toEqual([]);
    const times = letters.map((l) => Date.parse(/event time (\S+) arrived/.exec(l.message)?.[1] ?? '')).sort((x, y) => x - y);
    expect(times).toEqual(late.flatMap((r) => OPS.map(() => r.ts)).sort((x, y) => x - y));
  }

  it('the premises: sites spread over every partition, collect limits hit and not, out-of-order and late records', () => {
    for (const [, records] of bySite(all.valid)) expect(new Set(records.map(sourcePartition)).size).toBe(PARTITIONS);
    const sizes = [...expected.collect.values()].map((w) => w.records.length);
    expect(sizes.some((n) => n > COLLECT_LIMIT)).toBe(true);
    expect(sizes.some((n) => n < COLLECT_LIMIT)).toBe(true);
    // Out of order: records behind the newest one before them, across window boundaries, yet within the grace.
    const behind = (records: Reading[]) => {
      let newest = Number.NEGATIVE_INFINITY;
      return records.filter((r) => {
        const was = newest;
        newest = Math.max(newest, r.ts);
        return r.ts < was;
      });
    };
    const outOfOrder = behind([...all.a, ...all.b1, ...all.b2].filter((r) => !all.late.includes(r)));
    expect(outOfOrder.length).toBeGreaterThan(500);
    expect(outOfOrder.some((r) => Math.floor(r.ts / COLLECT_SIZE) !== Math.floor((r.ts + JITTER) / COLLECT_SIZE))).toBe(true);
    expect(JITTER).toBeLessThan(GRACE);
    expect(all.late).toHaveLength(24);
    expect(Math.max(...all.late.map((r) => r.ts))).toBeLessThan(BASE + TOP_SIZE);
    for (const op of OPS) expect(expected[op].size).toBeGreaterThan(20);
    // Windows open at the stop of the restart test, holding records of both sides of it.
    const lastBefore = Math.max(...all.b1.map((r) => r.ts));
    const firstAfter = Math.min(...all.b2.map((r) => r.ts));
    for (const op of OPS) expect([...expected[op].entries()].some(([w, t]) => Number(w.split('@')[1]) <= lastBefore && t.end >= firstAfter), op).toBe(true);
  });

  it('each window equals the truth, every window once; late records are dead letters counted nowhere', async () => {
    await produce(all.a);
    const module = siteWindows();
    const r = runner(module);
    await r.start();
    try {
      await eventually(async () => (await consumed(module)) === all.a.length && (await pastTheLateOnes()), { timeoutMs: 15_000, intervalMs: 50 });
      await produce([...all.b1, ...all.b2]);
      await allEmitted();
    } finally {
      await r.stop();
    }
    expectTruth(await outputs());
    expectLateLetters(all.late);

    // The records went through each keyBy's repartition topic.
    for (const keyBy of ['sliding-site', 'reduce-site', 'collect-site', 'topk-site']) {
      const forwarded = (await readAll(log, `fastdata.${MODULE}.${keyBy}.repartition`)).filter((rec) => rec.value !== null);
      const moved = [...all.a, ...all.b1, ...all.b2].filter((rd) => partitionForStringKey(rd.site, PARTITIONS) !== sourcePartition(rd)).length;
      expect(forwarded.length, keyBy).toBe(moved);
    }
  });

  it('across a stop in the middle and a restart: still the truth, no window emitted twice, late ones still late', async () => {
    await produce(all.a);
    const module = siteWindows();
    const first = runner(module);
    await first.start();
    try {
      await eventually(async () => (await consumed(module)) === all.a.length && (await pastTheLateOnes()), { timeoutMs: 15_000, intervalMs: 50 });
      await produce(all.b1);
      await eventually(async () => (await consumed(module)) === all.a.length + all.b1.length, { timeoutMs: 15_000, intervalMs: 50 });
    } finally {
      await first.stop();
    }
    // Windows open at the stop (the last ones of b1) go on in the second runner, from the changelog.
    const before = await outputs();
    expect(before.length).toBeLessThan(truthSize());
    // The second half, and late records the second runner must judge by the watermark it restored.
    await produce(all.b2);
    const second = runner(module);
    await second.start();
    try {
      await allEmitted();
    } finally {
      await second.stop();
    }
    expect(events.filter((e) => e.type === 'restored').length).toBeGreaterThan(0);
    expectTruth(await outputs());
    expectLateLetters(all.late);
  });
});
