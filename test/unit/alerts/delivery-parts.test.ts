/**
 * The parts of delivery below the dispatcher: grouping with its timers (wait, interval,
 * repeat, acknowledged alerts not repeated), the commit tracker, and the topic receiver
 * behind the kafka and websocket kinds (Avro records any Confluent client decodes).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommitTracker } from '../../../src/alerts/delivery/commit-tracker.js';
import { AlertGrouper } from '../../../src/alerts/delivery/grouper.js';
import { DEFAULT_DELIVERY, type AlertNotification, type Delivery, type Timers } from '../../../src/alerts/receivers/index.js';
import { TopicReceiver } from '../../../src/alerts/receivers/topic-receiver.js';
import { fromAlertRecord, type AlertRecord } from '../../../src/alerts/topic/alert-record.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Timers that run only when the test moves the clock. */
function manualTimers() {
  let now = 0;
  let pending: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const timers: Timers = {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn, cancelled: false };
      pending.push(t);
      return () => (t.cancelled = true);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = pending.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      now = due.at;
      due.cancelled = true;
      due.fn();
    }
    now = until;
    pending = pending.filter((t) => !t.cancelled);
  };
  return { timers, advance };
}

const alert = (key: string, status: 'firing' | 'resolved', team = 'ops'): AlertNotification => ({
  id: `fp-${key}:1000`,
  fingerprint: `fp-${key}`,
  rule: 'hot',
  key,
  status,
  severity: 'warning',
  startsAt: 1000,
  ...(status === 'resolved' ? { endsAt: 2000 } : {}),
  labels: { alertname: 'hot', key, team },
  annotations: {},
});

describe('AlertGrouper', () => {
  const setup = (acknowledged = new Set<string>()) => {
    const { timers, advance } = manualTimers();
    const sent: { delivery: Delivery; offsets: number[] }[] = [];
    const grouper = new AlertGrouper({
      receiver: 'ops',
      policy: { by: ['team'], waitMs: 30_000, intervalMs: 300_000, repeatMs: 3_600_000 },
      timers,
      emit: (delivery, offsets) => sent.push({ delivery, offsets }),
      isAcknowledged: (id) => acknowledged.has(id),
    });
    const keys = (i: number) => sent[i]!.delivery.notifications.map((n) => `${n.status} ${n.key}`);
    return { grouper, sent, advance, keys };
  };

  it('waits group_wait, sends a burst as one delivery, then changes no sooner than group_interval', () => {
    const { grouper, sent, advance, keys } = setup();
    grouper.add(alert('a', 'firing'), 10);
    advance(10_000);
    grouper.add(alert('b', 'firing'), 11);
    grouper.add(alert('c', 'firing', 'other'), 12);
    expect(sent).toEqual([]);
    advance(20_000); // 30 s after the group's first alert; the 'other' group waits its own 30 s
    expect(sent).toHaveLength(1);
    expect(keys(0)).toEqual(['firing a', 'firing b']);
    expect(sent[0]!.offsets).toEqual([10, 11]);
    expect(sent[0]!.delivery.group).toEqual({ key: 'ops:[["team","ops"]]', labels: { team: 'ops' } });
    advance(10_000);
    expect(sent).toHaveLength(2);
    expect(keys(1)).toEqual(['firing c']);

    grouper.add(alert('a', 'resolved'), 13); // at 40 s; the group went out at 30 s
    advance(289_000);
    expect(sent).toHaveLength(2); // within group_interval of the last delivery
    advance(1_000);
    expect(keys(2)).toEqual(['resolved a', 'firing b']); // the change and what still fires
    expect(sent[2]!.offsets).toEqual([13]);
  });

  it('repeats firing alerts every repeat interval, without the acknowledged ones, with a new idempotency key', () => {
    const acknowledged = new Set<string>();
    const { grouper, sent, advance, keys } = setup(acknowledged);
    grouper.add(alert('a', 'firing'), 1);
    grouper.add(alert('b', 'firing'), 2);
    advance(30_000);
    expect(sent).toHaveLength(1);
    advance(3_600_000);
    expect(sent).toHaveLength(2);
    expect(keys(1)).toEqual(['firing a', 'firing b']);
    expect(sent[1]!.offsets).toEqual([]); // a repeat settles nothing new
    expect(sent[1]!.delivery.key).not.toBe(sent[0]!.delivery.key);
    acknowledged.add('fp-a:1000');
    advance(3_600_000);
    expect(keys(2)).toEqual(['firing b']);
    acknowledged.add('fp-b:1000');
    advance(3_600_000);
    expect(sent).toHaveLength(3); // everything acknowledged: no repeat
  });

  it('repeats alerts seeded from the history (delivered before a restart) without sending them at once', () => {
    const { grouper, sent, advance, keys } = setup();
    grouper.seed(alert('a', 'firing'));
    grouper.seed(alert('z', 'resolved')); // only firing alerts are seeded
    grouper.seed(alert('y', 'firing', 'other'));
    advance(3_599_000);
    expect(sent).toEqual([]);
    advance(1_000);
    expect([keys(0), keys(1)].sort()).toEqual([['firing a'], ['firing y']]);
    // A notification still in the backlog at the restart goes out after group_wait, not the repeat interval.
    const { grouper: fresh, sent: freshSent, advance: freshAdvance } = setup();
    fresh.seed(alert('a', 'firing'));
    fresh.add(alert('b', 'firing'), 7);
    freshAdvance(30_000);
    expect(freshSent.map((s) => s.delivery.notifications.map((n) => n.key))).toEqual([['a', 'b']]);
  });

  it('forgets a group whose alerts all resolved', () => {
    const { grouper, sent, advance } = setup();
    grouper.add(alert('a', 'firing'), 1);
    advance(30_000);
    grouper.add(alert('a', 'resolved'), 2);
    advance(300_000);
    expect(sent).toHaveLength(2);
    expect(grouper.size).toBe(0);
    advance(10 * 3_600_000);
    expect(sent).toHaveLength(2);
  });
});

describe('CommitTracker', () => {
  it('commits up to the first offset not done, whatever order they are done in', () => {
    const t = new CommitTracker();
    for (const o of [5, 6, 7, 9]) t.add(o);
    t.markDone(6);
    expect(t.takeCommit()).toBeUndefined();
    t.markDone(5);
    expect(t.takeCommit()).toBe(7);
    expect(t.takeCommit()).toBeUndefined();
    t.markDone(9);
    t.markDone(7);
    expect(t.takeCommit()).toBe(10);
    expect(t.pending).toBe(0);
  });
});

describe('TopicReceiver (kafka and websocket kinds)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('writes each notification as an Avro record with the registered alert schema, keyed by fingerprint', async () => {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    cleanups.push(dir.remove, () => registry.close(), () => log.close());
    const serde = new AvroSerde(registry);
    const receiver = new TopicReceiver({ kind: 'websocket', name: 'screens', topic: 'fastdata.alerts.screens', source: 'alerts/receivers.yaml:3', delivery: DEFAULT_DELIVERY }, log, serde);
    const delivery: Delivery = { key: 'k1', notifications: [alert('a', 'firing'), alert('b', 'resolved')] };
    expect(await receiver.send(delivery)).toEqual({ outcome: 'delivered' });

    expect((await registry.getLatest('fastdata.alerts.screens-value')).schema).toContain('fastdata.alerts');
    const reader = log.reader({ topic: 'fastdata.alerts.screens', stopAtEnd: true });
    const got: { key: string; status: string; receivers: string[] }[] = [];
    for await (const batch of reader) {
      for (const r of batch.records) {
        const record = (await serde.decode(r.value!)) as AlertRecord;
        expect(r.key?.toString()).toBe(record.fingerprint);
        got.push({ key: fromAlertRecord(record).key, status: record.status, receivers: record.receivers });
      }
    }
    await reader.close();
    expect(got).toEqual([
      { key: 'a', status: 'firing', receivers: ['screens'] },
      { key: 'b', status: 'resolved', receivers: ['screens'] },
    ]);
  });
});
