/**
 * The alert runner over the embedded log: the demo's overheating rule fires once, a
 * restart between firing and resolving neither drops the alert nor notifies it again,
 * and the recovery resolves it once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../src/alerts/receivers/index.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import { fromAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { ALERT_TOPICS } from '../../../src/alerts/topic/topics.js';
import { loadAlertRules } from '../../../src/alerts/rules/index.js';
import { AlertRunner } from '../../../src/alerts/runtime/alert-runner.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { ManualClock } from '../../../src/time/clock.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const TOPIC = 'sensor.stats';
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

describe('AlertRunner', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('fires once, survives a restart without notifying again, and resolves once', async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    const schema = JSON.parse(await readFile(join(repo, 'schemas/sensor-stats.avsc'), 'utf8')) as object;
    const { rules, problems } = await loadAlertRules(join(repo, 'alerts'), async (topic) => (topic === TOPIC ? schema : undefined), undefined);
    // Only sensor.stats is known here: the rules over sensor.health and sensor.drift are refused, the others load.
    expect(problems.map((p) => p.file).sort()).toEqual(['alerts/over-limit.yaml', 'alerts/temperature-drift.yaml']);
    const overheating = rules.filter((r) => r.name === 'overheating');
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), schema);
    await log.createTopic({ name: TOPIC, partitions: 2 });
    const minute = (m: number, meanTemperature: number, sensorId = 'sensor-07') => ({
      key: sensorId,
      timestamp: T0 + m * 60_000,
      value: encoder.encode({ sensorId, windowStart: T0 + m * 60_000, windowEnd: T0 + (m + 1) * 60_000, count: 120, meanTemperature, minTemperature: meanTemperature - 0.5, maxTemperature: meanTemperature + 0.5, stddevTemperature: 0.15, meanHumidity: 45 }),
    });
    const publisher = new AlertPublisher(log, serde, () => ['audit']);
    await publisher.start();
    const sent: AlertNotification[] = [];
    const readPublished = async () => {
      sent.length = 0;
      const reader = log.reader({ topic: ALERT_TOPICS.events, stopAtEnd: true });
      for await (const batch of reader) for (const r of batch.records) sent.push(fromAlertRecord((await serde.decode(r.value!)) as AlertRecord));
      await reader.close();
      return sent.length;
    };
    const runner = () => new AlertRunner({ log, serde, rules: overheating, publisher, checkpointIntervalMs: 50 });

    const first = runner();
    await first.start();
    await log.produce(TOPIC, [minute(0, 30), minute(1, 30.5), minute(2, 31), minute(2, 22, 'sensor-01')]);
    await eventually(async () => (await readPublished()) === 1, { timeoutMs: 5_000 });
    expect(sent[0]).toMatchObject({ rule: 'overheating', key: 'sensor-07', status: 'firing', startsAt: T0 + 2 * 60_000 });
    await first.stop();

    // A new process: the same state topic and group; still hot, then cool.
    const second = runner();
    await second.start();
    await log.produce(TOPIC, [minute(3, 30.2), minute(4, 27)]);
    await eventually(async () => (await readPublished()) === 2, { timeoutMs: 5_000 });
    await second.stop();
    expect(sent.map((n) => [n.status, n.key, n.id])).toEqual([
      ['firing', 'sensor-07', sent[0]!.id],
      ['resolved', 'sensor-07', sent[0]!.id],
    ]);
    expect(sent[1]!.endsAt).toBe(T0 + 4 * 60_000);
  });

  it('does not publish again what a crashed evaluator published after its last checkpoint', async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    const schema = JSON.parse(await readFile(join(repo, 'schemas/sensor-stats.avsc'), 'utf8')) as object;
    const { rules } = await loadAlertRules(join(repo, 'alerts'), async (topic) => (topic === TOPIC ? schema : undefined), undefined);
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), schema);
    await log.createTopic({ name: TOPIC, partitions: 1 });
    const publisher = new AlertPublisher(log, serde, () => ['audit']);
    await publisher.start();
    const hot = (m: number) => ({
      key: 'sensor-07',
      timestamp: T0 + m * 60_000,
      value: encoder.encode({ sensorId: 'sensor-07', windowStart: T0 + m * 60_000, windowEnd: T0 + (m + 1) * 60_000, count: 120, meanTemperature: 31, minTemperature: 30, maxTemperature: 32, stddevTemperature: 0.15, meanHumidity: 45 }),
    });
    const overheating = rules.filter((r) => r.name === 'overheating');
    // No checkpoint within the test: the firing is published, no state record says so. The
    // host checkpoints once commitInterval has passed since its last checkpoint (since 0
    // before the first), so on the system clock at its first batch: a clock that stays at 0
    // keeps it from checkpointing until it stops.
    const clock = new ManualClock(0);
    const crashed = new AlertRunner({ log, serde, rules: overheating, publisher, checkpointIntervalMs: 3_600_000, clock });
    await crashed.start();
    await log.produce(TOPIC, [hot(0), hot(1), hot(2)]);
    await eventually(async () => (await publisher.end()) === 1, { timeoutMs: 5_000 });
    expect(crashed.stats().checkpoints).toBe(0);

    // Another process takes over with no checkpoint to restore: it replays from the start,
    // derives the same firing, and finds it published already.
    const successor = new AlertRunner({ log, serde, rules: overheating, publisher, groupId: 'fastdata.alerts.successor', checkpointIntervalMs: 3_600_000, clock });
    await successor.start();
    await eventually(() => successor.stats().republishSkipped === 1, { timeoutMs: 5_000 });
    expect(await publisher.end()).toBe(1);
    await successor.stop();
    await crashed.stop();
  });

  it('starts again from the last checkpoint when the alert topic cannot be written, and publishes once', async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    const schema = JSON.parse(await readFile(join(repo, 'schemas/sensor-stats.avsc'), 'utf8')) as object;
    const { rules } = await loadAlertRules(join(repo, 'alerts'), async (topic) => (topic === TOPIC ? schema : undefined), undefined);
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(valueSubject(TOPIC), schema);
    await log.createTopic({ name: TOPIC, partitions: 1 });
    const publisher = new AlertPublisher(log, serde, () => ['audit']);
    await publisher.start();
    const minute = (m: number, meanTemperature: number) => ({
      key: 'sensor-07',
      timestamp: T0 + m * 60_000,
      value: encoder.encode({ sensorId: 'sensor-07', windowStart: T0 + m * 60_000, windowEnd: T0 + (m + 1) * 60_000, count: 120, meanTemperature, minTemperature: meanTemperature - 1, maxTemperature: meanTemperature + 1, stddevTemperature: 0.15, meanHumidity: 45 }),
    });
    // The first publish fails (a broker away), the next ones go through.
    let failures = 1;
    const flaky = {
      publish: async (ns: Parameters<AlertPublisher['publish']>[0]) => {
        if (failures-- > 0) throw new Error('the alert topic is away');
        return publisher.publish(ns);
      },
      keysSince: (offset: number) => publisher.keysSince(offset),
    };
    const warnings: string[] = [];
    const runner = new AlertRunner({ log, serde, rules: rules.filter((r) => r.name === 'overheating'), publisher: flaky, checkpointIntervalMs: 50, onWarning: (m) => warnings.push(m) });
    cleanups.push(() => runner.stop());
    await runner.start();
    await log.produce(TOPIC, [minute(0, 31), minute(1, 31), minute(2, 31)]);
    await eventually(async () => (await publisher.end()) === 1, { timeoutMs: 10_000 });
    expect(warnings.some((w) => w.includes('stopped by an error') && w.includes('the alert topic is away'))).toBe(true);
    await eventually(() => runner.active);
    await log.produce(TOPIC, [minute(3, 25)]);
    await eventually(async () => (await publisher.end()) === 2, { timeoutMs: 10_000 });
    await runner.stop();
    const reader = log.reader({ topic: ALERT_TOPICS.events, stopAtEnd: true });
    const sent: AlertNotification[] = [];
    for await (const batch of reader) for (const r of batch.records) sent.push(fromAlertRecord((await serde.decode(r.value!)) as AlertRecord));
    await reader.close();
    expect(sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(runner.stats()).toMatchObject({ notifications: 2, republishSkipped: 0 });
  });
});
