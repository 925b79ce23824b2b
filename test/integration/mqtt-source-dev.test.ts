/**
 * An `mqtt` source in a `fastdata dev` process (in this process, on a temporary project and
 * the embedded log) against a real Mosquitto broker that is stopped and started while a
 * device keeps publishing at QoS 1. Ground truth is the publisher's: every message whose
 * PUBACK it received must be in the topic (nothing acknowledged is lost), a message written
 * twice (QoS 1 redelivery) is an exact copy under the same key, so a table of the topic
 * keyed by the message id holds each message once; a bad payload is dead-lettered with the
 * broker and MQTT topic it came from.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MqttClient, connect } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastdataProcess } from '../../src/app/process.js';
import { startDev } from '../../src/app/profiles.js';
import { loadProjectConfig } from '../../src/config/project-config.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { readAll } from '../conformance/log.js';
import { eventually } from '../helpers/eventually.js';
import { Mosquitto, mosquittoSkipReason } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { READING_SCHEMA } from '../fixtures/reading-schema.js';

const skip = mosquittoSkipReason();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skip !== undefined)('an mqtt source in dev, against Mosquitto', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('loses nothing the broker acknowledged to the device across a broker restart; redelivered copies are exact', async () => {
    const broker = await Mosquitto.start();
    cleanups.push(() => broker.dispose());
    const { path: root, remove } = await tempDir();
    cleanups.push(remove);
    await mkdir(join(root, 'sources'));
    await mkdir(join(root, 'streams'));
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
    await writeFile(join(root, 'fastdata.config.yaml'), 'server: { port: 0 }\nlog: { partitions: 3 }\ngenerator: { enabled: false }\n');
    await writeFile(join(root, 'sources/devices.yaml'), `kind: mqtt\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\ntime: ts\nmqtt:\n  url: ${broker.url}\n  topics: [plant/+/reading]\n  clientId: fastdata-devices-test\n`);
    const notices: string[] = [];
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    const dev: FastdataProcess = await startDev({ root, config, dataDir, hotReload: false, onEvent: (e) => e.type === 'notice' && notices.push(e.message) });
    cleanups.push(() => dev.stop());

    const device: MqttClient = connect(broker.url, { clientId: 'device-1', clean: false, reconnectPeriod: 200, connectTimeout: 2_000 });
    cleanups.push(() => device.endAsync(true));
    await new Promise<void>((resolve) => device.once('connect', () => resolve()));
    const acked = new Set<string>();
    const sent = new Map<string, string>();
    const publish = (i: number) => {
      const id = `m${i}`;
      const payload = JSON.stringify({ id, ts: 1_700_000_000_000 + i, value: i / 2 });
      sent.set(id, payload);
      device.publish(`plant/s${i % 10}/reading`, payload, { qos: 1 }, (error) => {
        if (!error) acked.add(id);
      });
    };
    device.publish('plant/bad/reading', 'not json', { qos: 1 });

    // 4,000 messages over about 2 s; the broker is stopped a third of the way in and started again 1 s later.
    const publishing = (async () => {
      for (let i = 0; i < 4_000; i++) {
        publish(i);
        if (i % 100 === 99) await sleep(50);
      }
    })();
    await sleep(700);
    await broker.stop();
    await sleep(1_000);
    await broker.start();
    await publishing;
    await eventually(() => expect(acked.size).toBe(4_000), { timeoutMs: 20_000 });

    const serde = new AvroSerde(dev.context.registry);
    const decoded = async () => Promise.all((await readAll(dev.context.log, 'readings')).map(async (r) => ({ key: r.key!.toString(), value: (await serde.decode(r.value!)) as { id: string; ts: number; value: number } })));
    await eventually(async () => expect(new Set((await decoded()).map((r) => r.value.id)).size).toBe(4_000), { timeoutMs: 20_000 });
    const records = await decoded();
    // Every acknowledged message is there, keyed by its id, as it was sent.
    const byId = new Map<string, (typeof records)[number][]>();
    for (const r of records) byId.set(r.value.id, [...(byId.get(r.value.id) ?? []), r]);
    for (const id of acked) {
      const copies = byId.get(id);
      expect(copies, id).toBeDefined();
      for (const copy of copies!) {
        expect(copy.key).toBe(id);
        expect(JSON.stringify(copy.value)).toBe(sent.get(id));
      }
    }
    const duplicates = records.length - byId.size;
    console.log(`mqtt source across a broker restart: ${acked.size} acknowledged to the device, ${records.length} records written, ${duplicates} redelivered copies`);

    const dead = await readAll(dev.context.log, 'fastdata.source.devices.dlq');
    expect(dead.map((d) => [String(d.headers['fastdata.dlq.reason']), String(d.headers['fastdata.source.where']), d.value!.toString()])).toEqual([['parse', `${broker.url} plant/bad/reading`, 'not json']]);
    expect(notices.some((n) => /source devices: .*(retrying|reconnect)/i.test(n))).toBe(true);
    const status = (await dev.status()) as { sources: { name: string; state: string; details: string }[] };
    expect(status.sources.find((s) => s.name === 'devices')).toMatchObject({ state: 'running' });
  }, 60_000);
});
