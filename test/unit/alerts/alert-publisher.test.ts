/**
 * The alert publisher writes a burst of notifications (a watermark that moves thousands of
 * alerts at once) in produce requests under the alert topics' max.message.bytes, in order.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuleEvaluator, type EngineRule } from '../../../src/alerts/engine/index.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import { fromAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { ALERT_TOPICS } from '../../../src/alerts/topic/topics.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { tempDir } from '../../helpers/temp-dir.js';

const rule: EngineRule = {
  name: 'dead',
  keyOf: (v) => (v as { machine: string }).machine,
  absentMs: 60_000,
  forMs: 0,
  keepFiringForMs: 0,
  severity: 'warning',
  labels: { team: 'ops' },
  annotate: (v) => ({ summary: `${(v as { machine: string }).machine} went quiet; ${'padding '.repeat(20)}` }),
  receivers: ['audit'],
};

describe('AlertPublisher', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('writes a burst in requests under each topic’s max.message.bytes, in order', async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    // Small limits, so that a burst of 2,000 notifications needs many requests.
    const maxMessageBytes = 16 * 1024;
    await log.createTopic({ name: ALERT_TOPICS.events, partitions: 1, config: { maxMessageBytes } });
    await log.createTopic({ name: ALERT_TOPICS.history, partitions: 1, config: { cleanupPolicy: 'compact,delete', maxMessageBytes } });
    const serde = new AvroSerde(registry);
    const publisher = new AlertPublisher(log, serde, () => ['audit']);
    await publisher.start();

    const evaluator = new RuleEvaluator(rule);
    for (let i = 0; i < 2_000; i++) evaluator.observe({ machine: `m${i}` }, 0);
    const burst = evaluator.advance(120_000);
    expect(burst).toHaveLength(2_000);
    const produce = vi.spyOn(log, 'produce');
    expect(await publisher.publish(burst)).toBe(2_000);
    const requests = produce.mock.calls.filter(([topic]) => topic === ALERT_TOPICS.events);
    expect(requests.length).toBeGreaterThan(10);

    const keys: string[] = [];
    const reader = log.reader({ topic: ALERT_TOPICS.events, stopAtEnd: true });
    for await (const batch of reader) for (const r of batch.records) keys.push(fromAlertRecord((await serde.decode(r.value!)) as AlertRecord).key);
    await reader.close();
    expect(keys).toEqual(burst.map((n) => n.key));
    expect((await log.offsets(ALERT_TOPICS.history))[0]!.end).toBe(2_000);
  });
});
