/**
 * Absence rules when every key has gone quiet: a source topic that sends nothing for the
 * idle timeout has its watermark follow the clock, so the rule fires on the next tick, and
 * so it does after a takeover, for every source topic (the host restores the clocks of the
 * topics its task was created with; quiet-topics.ts moves the others).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAlertRules } from '../../../src/alerts/rules/index.js';
import { AlertRunner } from '../../../src/alerts/runtime/alert-runner.js';
import { AlertPublisher } from '../../../src/alerts/topic/alert-publisher.js';
import { fromAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { ALERT_TOPICS } from '../../../src/alerts/topic/topics.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { valueSubject } from '../../../src/schema/types.js';
import { ManualClock } from '../../../src/time/clock.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);
const MINUTE = 60_000;
const IDLE = 10_000;
const SCHEMA = { type: 'record', name: 'Beat', namespace: 'test', fields: [{ name: 'machine', type: 'string' }] };
const RULES = ['a.beats', 'b.beats']
  .map((topic) => `  - name: ${topic.replace('.', '-')}\n    source: ${topic}\n    key: machine\n    absent: 2m\n    severity: warning\n    receivers: [audit]\n`)
  .join('');

describe('absence rules when the sources go quiet', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('fire once the idle timeout has passed, also for every source topic after a takeover', async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    await mkdir(join(dir.path, 'alerts'));
    await writeFile(join(dir.path, 'alerts', 'beats.yaml'), `rules:\n${RULES}`);
    const { rules, problems } = await loadAlertRules(join(dir.path, 'alerts'), async () => SCHEMA, undefined);
    expect(problems).toEqual([]);
    const serde = new AvroSerde(registry);
    const publisher = new AlertPublisher(log, serde, () => ['audit']);
    await publisher.start();
    const beat = async (topic: string, machine: string, at: number) => {
      const encoder = await serde.encoderFor(valueSubject(topic), SCHEMA);
      await log.produce(topic, [{ key: machine, timestamp: at, value: encoder.encode({ machine }) }]);
    };
    const published = async () => {
      const out: string[] = [];
      const reader = log.reader({ topic: ALERT_TOPICS.events, stopAtEnd: true });
      for await (const batch of reader) for (const r of batch.records) {
        const n = fromAlertRecord((await serde.decode(r.value!)) as AlertRecord);
        out.push(`${n.status} ${n.rule} ${n.key} ${n.startsAt - T0}`);
      }
      await reader.close();
      return out.sort();
    };
    const clock = new ManualClock(0);
    const runner = () => {
      const r = new AlertRunner({ log, serde, rules, publisher, clock, idleTimeoutMs: IDLE });
      cleanups.push(() => r.stop());
      return r;
    };
    for (const topic of ['a.beats', 'b.beats']) await log.createTopic({ name: topic, partitions: 1 });

    // Live: m1 beats on both topics, then they go quiet; the next tick past the idle timeout fires both.
    const first = runner();
    await first.start();
    for (const topic of ['a.beats', 'b.beats']) await beat(topic, 'm1', T0);
    await eventually(() => first.stats().records === 2);
    clock.advance(IDLE + 2 * MINUTE);
    await eventually(async () => (await published()).length === 2);
    expect(await published()).toEqual([`firing a-beats m1 ${2 * MINUTE}`, `firing b-beats m1 ${2 * MINUTE}`]);

    // m2 beats on both, and the evaluator moves to another process before m2 is due.
    for (const topic of ['a.beats', 'b.beats']) await beat(topic, 'm2', T0 + 2 * MINUTE);
    await eventually(() => first.stats().records === 4);
    await first.stop();
    const second = runner();
    await second.start();
    await eventually(() => second.stats().rules.every((r) => r.keys === 2) && second.stats().rules.length === 2);
    clock.advance(IDLE + 3 * MINUTE);
    await eventually(async () => (await published()).length === 4);
    expect((await published()).filter((n) => n.includes('m2'))).toEqual([`firing a-beats m2 ${4 * MINUTE}`, `firing b-beats m2 ${4 * MINUTE}`]);
  });
});
