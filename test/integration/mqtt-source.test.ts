/**
 * The `mqtt` source's transport (src/sources/mqtt/) against a real Mosquitto broker
 * (test/helpers/mosquitto.ts), with MQTT.js as the publishing client, QoS 1:
 *   - messages on topics matching the filters arrive with their key from a topic level;
 *     payloads that are not a JSON object arrive as error records with their raw bytes;
 *   - a message is acknowledged only once onBatch of its batch resolved: failing batches
 *     come again (reconnect), a reader started again under the same client id gets what
 *     its predecessor did not acknowledge, and nothing acknowledged comes back; a batch
 *     still running when the connection drops is not acknowledged on the new one;
 *   - a broker down at start: start() resolves, the reader says it retries, and connects
 *     once the broker is up;
 *   - the broker stopped and started while a publisher keeps publishing: every message the
 *     publisher saw acknowledged (PUBACK) reaches onBatch, duplicates are exact copies;
 *   - 20,000 messages at QoS 1: all arrive; the rate is printed, not asserted.
 * Without /usr/sbin/mosquitto the suite skips (in CI it fails: install the Debian package).
 */
import { type IClientOptions, type MqttClient, connect } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../src/errors.js';
import { MqttReader, type MqttReaderEvent, type MqttReaderOptions, backoffMs } from '../../src/sources/mqtt/mqtt-reader.js';
import { mqttRecord, topicLevel } from '../../src/sources/mqtt/mqtt-record.js';
import type { SourceRecord } from '../../src/sources/source-record.js';
import { eventually } from '../helpers/eventually.js';
import { Mosquitto, mosquittoSkipReason } from '../helpers/mosquitto.js';
import { uniqueName } from '../helpers/temp-dir.js';

const skip = mosquittoSkipReason();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mqtt records and options (no broker)', () => {
  it('turns a payload into a value, or an error with the raw bytes, and takes the key from a topic level', () => {
    const good = mqttRecord('fleet/s-1/reading', Buffer.from('{"t":21.5}'), 1);
    expect(good).toEqual({ where: 'fleet/s-1/reading', raw: Buffer.from('{"t":21.5}'), key: 's-1', value: { t: 21.5 } });
    expect(mqttRecord('a/b', Buffer.from('nope'), 5)).toMatchObject({ where: 'a/b', error: expect.stringMatching(/^not JSON: /) });
    expect(mqttRecord('a/b', Buffer.from('nope'), 5).key).toBeUndefined();
    expect(mqttRecord('a', Buffer.from('[1]')).error).toBe('not a JSON object: got an array');
    expect(mqttRecord('a', Buffer.from('42')).error).toBe('not a JSON object: got number 42');
    expect(mqttRecord('a', Buffer.from('null')).error).toBe('not a JSON object: got null');
    expect(mqttRecord('a', Buffer.from([0xff, 0xfe])).error).toMatch(/^not UTF-8 text/);
    expect([topicLevel('a/b/c', 0), topicLevel('a/b/c', 2), topicLevel('a//c', 1), topicLevel('a/b', 2)]).toEqual(['a', 'c', '', undefined]);
  });

  it('refuses bad options with FD_CONFIG_INVALID naming the field, and does no I/O', () => {
    const base: MqttReaderOptions = { url: 'mqtt://127.0.0.1:1', topics: ['a/#'], clientId: 'c', format: 'json', onBatch: async () => {} };
    const fieldOf = (options: Partial<MqttReaderOptions>) => {
      try {
        new MqttReader({ ...base, ...options } as MqttReaderOptions);
        return undefined;
      } catch (error) {
        expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
        return (error as { context: { field: string } }).context.field;
      }
    };
    expect(fieldOf({})).toBeUndefined();
    expect(fieldOf({ url: 'http://h:1' })).toBe('url');
    expect(fieldOf({ topics: [] })).toBe('topics');
    expect(fieldOf({ topics: ['a/#/b'] })).toBe('topics');
    expect(fieldOf({ topics: ['a/b+'] })).toBe('topics');
    expect(fieldOf({ clientId: '' })).toBe('clientId');
    expect(fieldOf({ qos: 2 as 1 })).toBe('qos');
    expect(fieldOf({ keyLevel: -1 })).toBe('keyLevel');
    expect(fieldOf({ format: 'csv' as 'json' })).toBe('format');
    expect(fieldOf({ batchSize: 0 })).toBe('batchSize');
    expect(fieldOf({ reconnect: { minMs: 1000, maxMs: 10 } })).toBe('reconnect.maxMs');
  });

  it('backs off exponentially between minMs and maxMs, with jitter', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 500, 30_000, () => 0.5))).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(backoffMs(2, 500, 30_000, () => 0)).toBe(1500);
    expect(backoffMs(2, 500, 30_000, () => 1)).toBe(2500);
    expect(backoffMs(0, 500, 30_000, () => 0)).toBe(500);
    expect(backoffMs(20, 500, 30_000, () => 1)).toBe(30_000);
  });
});

describe.skipIf(skip !== undefined)('mqtt reader against Mosquitto', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  async function broker(): Promise<Mosquitto> {
    const b = await Mosquitto.start();
    cleanups.push(() => b.dispose());
    return b;
  }

  interface Reading {
    reader: MqttReader;
    /** Records of the batches onBatch resolved, in order. */
    records: SourceRecord[];
    events: MqttReaderEvent[];
  }

  /** A reader whose onBatch keeps the records (after `before`, which may throw or wait). */
  function reader(options: Partial<MqttReaderOptions> & Pick<MqttReaderOptions, 'url' | 'clientId'>, before?: (records: SourceRecord[]) => Promise<void>): Reading {
    const records: SourceRecord[] = [];
    const events: MqttReaderEvent[] = [];
    const r = new MqttReader({
      topics: ['fleet/+/reading'],
      format: 'json',
      keyLevel: 1,
      reconnect: { minMs: 50, maxMs: 400 },
      onEvent: (e) => events.push(e),
      ...options,
      onBatch: async (batch) => {
        await before?.(batch);
        records.push(...batch);
      },
    });
    cleanups.push(() => r.stop());
    return { reader: r, records, events };
  }

  async function publisher(url: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = connect(url, { clientId: uniqueName('pub'), protocolVersion: 5, reconnectPeriod: 100, ...options });
    cleanups.push(() => client.endAsync(true));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return client;
  }

  const idsOf = (records: SourceRecord[]) => records.map((r) => (r.value as { id: number }).id);

  it('delivers matching messages as records keyed by a topic level; bad payloads as errors with their raw bytes', async () => {
    const b = await broker();
    const { reader: r, records, events } = reader({ url: b.url, clientId: uniqueName('basic'), topics: ['fleet/+/reading', 'plant/#'] });
    await r.start();
    expect(r.stats().connected).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['connected']);
    expect(events[0]!.message).toMatch(new RegExp(`^connected to ${b.url} as basic-.* subscribed to fleet/\\+/reading, plant/# \\(new session`));

    const pub = await publisher(b.url);
    const sent: [string, string | Buffer][] = [
      ['fleet/s-1/reading', '{"id":1,"t":20.5}'],
      ['fleet/s-2/reading', '{"id":2,"t":21}'],
      ['fleet/s-1/status', '{"id":99}'], // matches no filter
      ['plant/p-7/line/3', '{"id":3}'],
      ['fleet/s-3/reading', 'not json'],
      ['fleet/s-4/reading', '[1,2]'],
      ['fleet/s-5/reading', Buffer.from([0xff, 0x00, 0x7b])],
    ];
    for (const [topic, payload] of sent) await pub.publishAsync(topic, payload, { qos: 1 });

    await eventually(() => records.length === 6);
    const byWhere = new Map(records.map((rec) => [rec.where, rec]));
    expect(byWhere.get('fleet/s-1/reading')).toEqual({ where: 'fleet/s-1/reading', key: 's-1', value: { id: 1, t: 20.5 }, raw: Buffer.from('{"id":1,"t":20.5}') });
    expect(byWhere.get('fleet/s-2/reading')).toMatchObject({ key: 's-2', value: { id: 2, t: 21 } });
    expect(byWhere.get('plant/p-7/line/3')).toMatchObject({ key: 'p-7', value: { id: 3 } });
    expect(byWhere.has('fleet/s-1/status')).toBe(false);
    const notJson = byWhere.get('fleet/s-3/reading')!;
    expect(notJson).toMatchObject({ key: 's-3', raw: Buffer.from('not json'), error: expect.stringMatching(/^not JSON: /) });
    expect(notJson.value).toBeUndefined();
    expect(byWhere.get('fleet/s-4/reading')).toMatchObject({ raw: Buffer.from('[1,2]'), error: 'not a JSON object: got an array' });
    expect(byWhere.get('fleet/s-5/reading')).toMatchObject({ raw: Buffer.from([0xff, 0x00, 0x7b]), error: expect.stringMatching(/^not UTF-8/) });
    await eventually(() => r.stats().acked === 6);
    expect(r.stats()).toMatchObject({ received: 6, acked: 6, reconnects: 0, connected: true });

    await r.stop();
    await r.stop(); // idempotent
    expect(r.stats().connected).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'disconnected' });
  });

  it('acknowledges only once onBatch resolved: failed batches come again, a new reader gets what was not acknowledged, nothing acknowledged comes back', async () => {
    const b = await broker();
    const clientId = uniqueName('durable');
    const pub = await publisher(b.url);

    // A: onBatch always fails. The reader reconnects after each failure; the broker delivers again.
    let failures = 0;
    const a = reader({ url: b.url, clientId }, async () => {
      failures++;
      throw new Error('disk full');
    });
    await a.reader.start();
    for (let id = 0; id < 10; id++) await pub.publishAsync(`fleet/s-${id % 3}/reading`, JSON.stringify({ id }), { qos: 1 });
    await eventually(() => failures >= 3 && a.reader.stats().received >= 30);
    expect(a.reader.stats().acked).toBe(0);
    expect(a.reader.stats().reconnects).toBeGreaterThanOrEqual(2);
    const failure = a.events.find((e) => e.type === 'error')!;
    expect(failure.message).toMatch(/^onBatch failed for \d+ records from mqtt:\/\/127\.0\.0\.1:\d+ \(disk full\); \d+ messages are not acknowledged: the broker delivers them again after a reconnect in \d+\.\d s$/);
    expect(a.events.some((e) => e.type === 'reconnecting' && e.retryInMs! > 0 && /for the broker to deliver the unacknowledged messages again/.test(e.message))).toBe(true);
    await a.reader.stop();

    // B, same client id (the source started again): gets all ten, and acknowledges them.
    const bReader = reader({ url: b.url, clientId });
    await bReader.reader.start();
    await eventually(() => new Set(idsOf(bReader.records)).size === 10);
    expect(bReader.events[0]!.message).toMatch(/\(session resumed\)$/);
    await eventually(() => bReader.reader.stats().acked >= 10);
    await bReader.reader.stop();

    // C, same client id: nothing B acknowledged comes back, only what is new.
    const c = reader({ url: b.url, clientId });
    await c.reader.start();
    await pub.publishAsync('fleet/s-9/reading', JSON.stringify({ id: 100 }), { qos: 1 });
    // A redelivery would come first: the broker sends a resumed session's messages right
    // after the CONNACK, before one published once the reader is subscribed.
    await eventually(() => c.records.length >= 1);
    expect(idsOf(c.records)).toEqual([100]);
  });

  it('does not acknowledge a batch that was still running when the connection dropped; the broker delivers it again', async () => {
    const b = await broker();
    const clientId = uniqueName('slow');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const { reader: r, records, events } = reader({ url: b.url, clientId }, async () => {
      if (++calls === 1) await held; // the first batch is slow: still running across the restart
    });
    cleanups.push(async () => release()); // before the reader's stop, which waits for the batch, should the test fail
    await r.start();
    const pub = await publisher(b.url);
    for (let id = 0; id < 5; id++) await pub.publishAsync(`fleet/s-${id}/reading`, JSON.stringify({ id }), { qos: 1 });
    await eventually(() => calls === 1 && r.stats().received === 5);

    // The broker restarts (SIGTERM: it saves the session, the 5 messages in flight included).
    await b.stop();
    await eventually(() => events.some((e) => e.type === 'disconnected'));
    await b.start();
    await eventually(() => r.stats().reconnects === 1 && r.stats().received === 10, { timeoutMs: 15_000 });
    release(); // the slow batch is now durable, but its connection is gone: no PUBACK for it
    await eventually(() => records.length === 10);
    expect(idsOf(records).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(r.stats()).toMatchObject({ received: 10, acked: 5, batches: 2 });
    await r.stop();

    // The copies were acknowledged: a new reader of the session gets nothing again.
    const again = reader({ url: b.url, clientId });
    await again.reader.start();
    await pub.publishAsync('fleet/s-9/reading', JSON.stringify({ id: 100 }), { qos: 1 });
    await eventually(() => again.records.length >= 1); // a redelivery would come first (see above)
    expect(idsOf(again.records)).toEqual([100]);
  });

  it('starts while the broker is down, says it retries, and connects once the broker is up', async () => {
    const b = await broker();
    await b.stop();
    const { reader: r, records, events } = reader({ url: b.url, clientId: uniqueName('down'), reconnect: { minMs: 100, maxMs: 300 } });
    await r.start(); // resolves after the first attempt, which failed
    expect(r.stats().connected).toBe(false);
    const first = events[0]!;
    expect(first.type).toBe('reconnecting');
    expect(first.message).toMatch(new RegExp(`^broker at ${b.url} unreachable \\(ECONNREFUSED\\); retrying in 0\\.\\d s$`));
    expect(first.retryInMs).toBeGreaterThanOrEqual(100);
    await eventually(() => events.length >= 3); // a few attempts, backing off
    await b.start();
    await eventually(() => r.stats().connected);
    const pub = await publisher(b.url);
    await pub.publishAsync('fleet/s-1/reading', '{"id":1}', { qos: 1 });
    await eventually(() => records.length === 1);
    expect(events.filter((e) => e.type === 'connected')).toHaveLength(1);
    expect(r.stats().reconnects).toBe(0);
  });

  it('loses nothing the broker acknowledged to the publisher when the broker is stopped and started mid-stream', async () => {
    const b = await broker();
    const { reader: r, records, events } = reader({ url: b.url, clientId: uniqueName('restart'), reconnect: { minMs: 50, maxMs: 200 } });
    await r.start();
    // The publisher keeps its own session and retries what the broker did not acknowledge.
    const pub = await publisher(b.url, { clean: false, properties: { sessionExpiryInterval: 3600 } });
    pub.on('error', () => {}); // connection refused while the broker is down: it retries

    const TOTAL = 3000;
    const payloads = new Map<number, string>();
    const acknowledged = new Set<number>();
    let answered = 0;
    const publishing = (async () => {
      for (let id = 0; id < TOTAL; id++) {
        const payload = JSON.stringify({ id, sensor: `s-${id % 7}`, t: 20 + (id % 13) / 10 });
        payloads.set(id, payload);
        pub.publish(`fleet/s-${id % 7}/reading`, payload, { qos: 1 }, (error) => {
          answered++;
          if (!error) acknowledged.add(id);
        });
        if (id % 25 === 24) await sleep(20);
      }
    })();
    await eventually(() => acknowledged.size >= TOTAL / 3);
    await b.stop();
    await sleep(300);
    await b.start();
    await publishing;
    await eventually(() => answered === TOTAL, { timeoutMs: 20_000 });

    await eventually(() => [...acknowledged].every((id) => records.some((rec) => (rec.value as { id: number }).id === id)) || missingOf(), { timeoutMs: 20_000 });
    function missingOf(): false {
      const got = new Set(idsOf(records));
      const missing = [...acknowledged].filter((id) => !got.has(id));
      throw new Error(`${missing.length} acknowledged messages missing, e.g. ${missing.slice(0, 5).join(', ')}`);
    }
    // Every delivery, duplicates included, is an exact copy of what was published.
    for (const rec of records) {
      const id = (rec.value as { id: number }).id;
      expect(rec.raw.toString()).toBe(payloads.get(id));
      expect(rec.where).toBe(`fleet/s-${id % 7}/reading`);
      expect(rec.key).toBe(`s-${id % 7}`);
    }
    const duplicates = records.length - new Set(idsOf(records)).size;
    console.log(`[mqtt broker restart] published ${TOTAL}, acknowledged to the publisher ${acknowledged.size}, delivered ${records.length} (${duplicates} duplicates)`);
    expect(acknowledged.size).toBe(TOTAL); // the publisher's session resent what the broker had not acknowledged
    expect(events.some((e) => e.type === 'disconnected')).toBe(true);
    expect(events.some((e) => e.type === 'reconnecting')).toBe(true);
    expect(events.filter((e) => e.type === 'connected').at(-1)!.message).toMatch(/\(session resumed\)$/);
    expect(r.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(r.stats().connected).toBe(true);
  });

  it('takes 20,000 QoS 1 messages, live and from a backlog (the rates are printed, not asserted)', async () => {
    const b = await broker();
    const TOTAL = 20_000;
    const clientId = uniqueName('rate');
    let seen = new Set<number>();
    const { reader: r } = reader({ url: b.url, clientId }, async (batch) => {
      for (const rec of batch) seen.add((rec.value as { id: number }).id);
      batch.length = 0; // keep nothing: this test counts
    });
    const pub = await publisher(b.url);
    const publish = async (from: number) => {
      let acknowledged = 0;
      for (let id = from; id < from + TOTAL; id++) {
        pub.publish(`fleet/s-${id % 100}/reading`, `{"id":${id},"sensor":"s-${id % 100}","t":21.5,"at":1700000000000}`, { qos: 1 }, (error) => {
          if (!error) acknowledged++;
        });
        if (id % 1000 === 999) await sleep(0);
      }
      return () => acknowledged;
    };

    // Live: the publisher, in this process, shares its CPU with the reader.
    await r.start();
    let start = performance.now();
    const live = await publish(0);
    await eventually(() => seen.size === TOTAL, { timeoutMs: 25_000, intervalMs: 5 });
    const liveMs = performance.now() - start;
    await eventually(() => live() === TOTAL && r.stats().acked === TOTAL);
    const liveStats = r.stats();
    await r.stop();

    // Backlog: published while the reader is away (kept in its session), then read alone.
    const backlog = await publish(TOTAL);
    await eventually(() => backlog() === TOTAL, { timeoutMs: 25_000 });
    seen = new Set();
    start = performance.now();
    await r.start();
    await eventually(() => seen.size === TOTAL, { timeoutMs: 25_000, intervalMs: 5 });
    const backlogMs = performance.now() - start;
    const rate = (ms: number) => Math.round(TOTAL / (ms / 1000));
    console.log(
      `[mqtt rate] ${TOTAL} messages at QoS 1: live (publisher in the same process) ${rate(liveMs)} messages/s ` +
        `(${liveMs.toFixed(0)} ms, ${liveStats.batches} batches, ${(liveStats.received / liveStats.batches).toFixed(0)} per batch); ` +
        `from a backlog, the reader alone, connection included: ${rate(backlogMs)} messages/s (${backlogMs.toFixed(0)} ms)`,
    );
    expect(seen.size).toBe(TOTAL);
    expect([...seen].every((id) => id >= TOTAL)).toBe(true);
    await eventually(() => r.stats().acked === 2 * TOTAL);
  });
});
