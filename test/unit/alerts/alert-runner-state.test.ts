/**
 * The alert evaluator's state on the processor host, over the embedded log: a book of
 * 100,000 keys is checkpointed in several produce requests (each under the state topic's
 * max.message.bytes) and restored whole, its firing alert still firing and not notified
 * again; the single-record checkpoint of an older fastdata is skipped (the book is rebuilt
 * from the sources); records that do not decode go to the dead-letter topic.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuleEvaluator } from '../../../src/alerts/engine/index.js';
import { loadAlertRules } from '../../../src/alerts/rules/index.js';
import { AlertRunner, type AlertRunnerOptions } from '../../../src/alerts/runtime/alert-runner.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import { fromAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { ALERT_TOPICS } from '../../../src/alerts/topic/topics.js';
import { recordBatchBytes, BATCH_OVERHEAD_BYTES } from '../../../src/log/batch-size.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import type { LogRecord, ProduceRecord } from '../../../src/log/types.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { ManualClock } from '../../../src/time/clock.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TOPIC = 'machine.temps';
const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);
const MINUTE = 60_000;
const SCHEMA = {
  type: 'record',
  name: 'MachineTemp',
  namespace: 'test',
  fields: [
    { name: 'machine', type: 'string' },
    { name: 'temperature', type: 'double' },
  ],
};
const RULES = `
rules:
  - name: hot
    source: ${TOPIC}
    key: machine
    when: temperature > 80
    for: 2m
    recover: temperature < 70
    severity: critical
    receivers: [audit]
`;

describe('alert evaluator state', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function setup(partitions = 1) {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    await mkdir(join(dir.path, 'alerts'));
    await writeFile(join(dir.path, 'alerts', 'hot.yaml'), RULES);
    const { rules, problems } = await loadAlertRules(join(dir.path, 'alerts'), async (topic) => (topic === TOPIC ? SCHEMA : undefined), undefined);
    expect(problems).toEqual([]);
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), SCHEMA);
    await log.createTopic({ name: TOPIC, partitions });
    const publisher = new AlertPublisher(log, serde, () => ['audit']);
    await publisher.start();
    const record = (machine: string, at: number, temperature: number): ProduceRecord => ({ key: machine, timestamp: at, value: encoder.encode({ machine, temperature }) });
    const published = async () => {
      const out: AlertRecord[] = [];
      const reader = log.reader({ topic: ALERT_TOPICS.events, stopAtEnd: true });
      for await (const batch of reader) for (const r of batch.records) out.push((await serde.decode(r.value!)) as AlertRecord);
      await reader.close();
      return out.map(fromAlertRecord);
    };
    const runner = (extra: Partial<AlertRunnerOptions> = {}) => {
      const r = new AlertRunner({ log, serde, rules, publisher, ...extra });
      cleanups.push(() => r.stop());
      return r;
    };
    return { log, serde, rules, publisher, record, published, runner };
  }

  it('checkpoints 100,000 keys in several requests and restores them, the firing one still firing and not notified again', async () => {
    const { log, record, published, runner } = await setup(2);
    const KEYS = 100_000;
    const HOT = 'machine-042042';
    const name = (i: number) => `machine-${String(i).padStart(6, '0')}`;
    // Every machine once, then the hot one twice more: it fires at T0 + 2m.
    for (let from = 0; from < KEYS; from += 5_000) {
      const chunk: ProduceRecord[] = [];
      for (let i = from; i < from + 5_000; i++) chunk.push(record(name(i), T0, name(i) === HOT ? 90 : 20));
      await log.produce(TOPIC, chunk);
    }
    await log.produce(TOPIC, [record(HOT, T0 + MINUTE, 91), record(HOT, T0 + 2 * MINUTE, 92)]);

    const stateWrites: ProduceRecord[][] = [];
    const produce = log.produce.bind(log);
    vi.spyOn(log, 'produce').mockImplementation(async (topic, records) => {
      if (topic === ALERT_TOPICS.state) stateWrites.push(records);
      return produce(topic, records);
    });
    // A clock that stays at 0: no checkpoint until stop, so one checkpoint holds all 100,000 keys.
    const clock = new ManualClock(0);
    const first = runner({ clock, checkpointIntervalMs: 3_600_000 });
    await first.start();
    await eventually(() => first.stats().records === KEYS + 2, { timeoutMs: 60_000 });
    await eventually(async () => (await published()).length === 1, { timeoutMs: 10_000 });
    expect(first.stats().rules).toEqual([{ name: 'hot', keys: KEYS, firing: 1 }]);
    await first.stop();
    expect(first.stats().checkpoints).toBe(1);

    // That one checkpoint: every key, the rule's own entry and its identity, then the marker, in requests under the limit.
    const maxBytes = (await log.describeTopic(ALERT_TOPICS.state))!.config.maxMessageBytes;
    expect(stateWrites.length).toBeGreaterThan(5);
    for (const request of stateWrites) expect(request.reduce((n, r) => n + recordBatchBytes(r), BATCH_OVERHEAD_BYTES)).toBeLessThanOrEqual(maxBytes);
    const written = stateWrites.flat();
    expect(written).toHaveLength(KEYS + 3);
    expect(written.at(-1)!.key).toBe(JSON.stringify(['@checkpoint']));

    // A new process restores all of it and reads on from the checkpoint's positions.
    const second = runner({ clock });
    await second.start();
    await eventually(() => second.stats().rules[0]?.keys === KEYS, { timeoutMs: 30_000 });
    expect(second.stats().rules).toEqual([{ name: 'hot', keys: KEYS, firing: 1 }]);
    await log.produce(TOPIC, [record(HOT, T0 + 3 * MINUTE, 60)]);
    await eventually(async () => (await published()).length === 2, { timeoutMs: 10_000 });
    expect(second.stats()).toMatchObject({ records: 1, notifications: 1, republishSkipped: 0 });
    const [firing, resolved] = await published();
    expect([firing!.status, resolved!.status, resolved!.key, resolved!.id]).toEqual(['firing', 'resolved', HOT, firing!.id]);
    await second.stop();
  }, 120_000);

  it('skips the single-record checkpoint of an older fastdata: the book is rebuilt from the sources, nothing notified twice', async () => {
    const { log, rules, publisher, record, published, runner } = await setup();
    // What an older evaluator left: three hot records read, the firing published, one record checkpoint.
    await log.produce(TOPIC, [record('m1', T0, 90), record('m1', T0 + MINUTE, 90), record('m1', T0 + 2 * MINUTE, 90)]);
    const evaluator = new RuleEvaluator(rules[0]!);
    const notifications = [0, 1, 2].flatMap((m) => evaluator.observe({ machine: 'm1', temperature: 90 }, T0 + m * MINUTE));
    expect(notifications.map((n) => n.status)).toEqual(['firing']);
    const end = await publisher.publish(notifications);
    await log.createTopic({ name: ALERT_TOPICS.state, partitions: 1, config: { cleanupPolicy: 'compact' } });
    const old = { version: 2, book: { version: 1, rules: { hot: evaluator.snapshot() } }, positions: { [`${TOPIC}/0`]: 3 }, watermarks: { [TOPIC]: T0 + 2 * MINUTE }, published: end };
    await log.produce(ALERT_TOPICS.state, [{ key: 'alert-book', value: JSON.stringify(old) }]);

    const warnings: string[] = [];
    const first = runner({ checkpointIntervalMs: 50, onWarning: (m) => warnings.push(m) });
    await first.start();
    // Read again from the start: the firing is derived again, found in the alert topic, and not published twice.
    await eventually(() => first.stats().rules[0]?.firing === 1 && first.stats().records === 3);
    await log.produce(TOPIC, [record('m1', T0 + 3 * MINUTE, 60)]);
    await eventually(async () => (await published()).length === 2);
    expect(first.stats()).toMatchObject({ records: 4, notifications: 1, republishSkipped: 1 });
    const [firing, resolved] = await published();
    expect([resolved!.status, resolved!.id]).toEqual(['resolved', firing!.id]);
    expect(warnings.some((w) => /1 records not written by a checkpoint were skipped/.test(w))).toBe(true);
    await first.stop();

    // The next process restores from the changelog the first one wrote.
    const second = runner();
    await second.start();
    await eventually(() => second.stats().rules[0]?.keys === 1);
    expect(second.stats()).toMatchObject({ records: 0, rules: [{ name: 'hot', keys: 1, firing: 0 }] });
  });

  it('sends records that do not decode to the dead-letter topic and counts them', async () => {
    const { log, record, runner } = await setup();
    const warnings: string[] = [];
    const alerts = runner({ onWarning: (m) => warnings.push(m) });
    await alerts.start();
    await log.produce(TOPIC, [record('m1', T0, 20), { key: 'm2', value: 'not avro', timestamp: T0 }, record('m3', T0, 20)]);
    await eventually(() => alerts.stats().records === 2 && alerts.stats().undecodable === 1);
    // Dead letters are written with the checkpoint.
    const letters: LogRecord[] = [];
    await eventually(async () => {
      const reader = log.reader({ topic: ALERT_TOPICS.deadLetter, stopAtEnd: true });
      for await (const batch of reader) letters.push(...batch.records);
      await reader.close();
      return letters.length > 0;
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value!.toString()).toBe('not avro');
    expect(letters[0]!.headers['fastdata.dlq.reason']!.toString()).toBe('decode');
    expect(letters[0]!.headers['fastdata.source.topic']!.toString()).toBe(TOPIC);
    expect(warnings.some((w) => w.includes('does not decode') && w.includes(ALERT_TOPICS.deadLetter))).toBe(true);
  });
});
