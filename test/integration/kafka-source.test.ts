/**
 * `kafka` sources on a real Kafka and schema registry, in a `fastdata run --sources` worker
 * (in this process): a topic of JSON written by a producer outside fastdata (plain kafkajs,
 * as any service would) is read in the source's consumer group, each record checked and
 * written as Avro for the modules, the bad ones dead-lettered with their partition and
 * offset; an Avro topic written with the registry is declared, and listed with its schema.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastdataProcess } from '../../src/app/process.js';
import { startWorker } from '../../src/app/profiles.js';
import { loadProjectConfig } from '../../src/config/project-config.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { readAll } from '../conformance/log.js';
import { READING_SCHEMA } from '../fixtures/reading-schema.js';
import { eventually } from '../helpers/eventually.js';
import { kafkaBrokers, registryUrl } from '../helpers/servers.js';
import { tempDir, uniqueName } from '../helpers/temp-dir.js';

describe.skipIf(!kafkaBrokers || !registryUrl)('kafka sources on Kafka', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('bridges JSON written by an outside producer into Avro, dead-letters what does not fit, and declares an Avro topic', async () => {
    // The source is named after its file: unique, so its group and dead-letter topic are new on a reused broker.
    const name = uniqueName('ksrc');
    const raw = `${name}.raw`;
    const target = `${name}.readings`;
    const { path: root, remove } = await tempDir();
    cleanups.push(remove);
    await mkdir(join(root, 'sources'));
    await mkdir(join(root, 'streams'));
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
    await writeFile(join(root, `sources/${name}.yaml`), `kind: kafka\ntopic: ${target}\nschema: schemas/reading.avsc\ntime: ts\npartitions: 3\nkafka: { format: json, from: ${raw} }\n`);
    await writeFile(join(root, 'sources/declared.yaml'), `kind: kafka\ntopic: ${target}\nkafka: { format: avro }\n`);

    // The outside producer: plain kafkajs, JSON values, its own keys.
    const kafka = new Kafka({ clientId: `${name}-producer`, brokers: kafkaBrokers!, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: raw, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    // Recent event times: Kafka deletes records by their timestamp past the topic's retention (the test broker checks every 500 ms).
    const t0 = Date.now() - 60_000;
    const messages = Array.from({ length: 1_000 }, (_, i) => ({ key: `d${i % 13}`, value: JSON.stringify({ id: `r${i}`, ts: t0 + i, value: i / 4 }) }));
    messages[250] = { key: 'd1', value: '{"id": "r250", "ts": "yesterday", "value": 1}' };
    messages[600] = { key: 'd2', value: '<xml/>' };
    await producer.send({ topic: raw, messages });

    const { config, dataDir } = await loadProjectConfig({ dir: root, overrides: { log: { kind: 'kafka', brokers: kafkaBrokers }, registry: { url: registryUrl } } });
    const worker: FastdataProcess = await startWorker({ root, config, dataDir, sources: true, alerts: false });
    cleanups.push(() => worker.stop());
    const log = worker.context.log;
    await eventually(async () => expect(await readAll(log, target)).toHaveLength(998), { timeoutMs: 30_000 });

    const serde = new AvroSerde(worker.context.registry);
    const records = await readAll(log, target);
    const values = await Promise.all(records.map(async (r) => ({ key: r.key?.toString(), timestamp: r.timestamp, value: (await serde.decode(r.value!)) as { id: string; ts: number; value: number } })));
    const expected = messages.map((m, i) => ({ i, m })).filter(({ i }) => i !== 250 && i !== 600);
    expect(new Set(values.map((v) => v.value.id))).toEqual(new Set(expected.map(({ i }) => `r${i}`)));
    for (const v of values) {
      const i = Number(v.value.id.slice(1));
      expect(v.key).toBe(`d${i % 13}`); // the producer's key, kept
      expect(v.timestamp).toBe(t0 + i);
      expect(v.value.value).toBe(i / 4);
    }
    const dead = await readAll(log, `fastdata.source.${name}.dlq`);
    const letters = dead.map((d) => ({ reason: String(d.headers['fastdata.dlq.reason']), where: String(d.headers['fastdata.source.where']), value: d.value!.toString(), message: String(d.headers['fastdata.dlq.message']) }));
    expect(letters.map((l) => [l.reason, l.value]).sort()).toEqual(
      [
        ['event-time', '{"id": "r250", "ts": "yesterday", "value": 1}'],
        ['parse', '<xml/>'],
      ].sort(),
    );
    for (const l of letters) expect(l.where).toMatch(new RegExp(`^${raw.replace(/\./g, '\\.')}\\[[01]\\]@\\d+$`));

    const status = (await worker.status()) as { sources: { name: string; state: string; produced: number }[] };
    expect(status.sources.find((s) => s.name === name)).toMatchObject({ state: 'running', produced: 998 });
    // Declared before the bridge registered the topic's schema (its file comes first), it waited for it.
    await eventually(async () => expect(((await worker.status()) as typeof status).sources.find((s) => s.name === 'declared')).toMatchObject({ state: 'running' }), { timeoutMs: 10_000 });
    const committed = await log.committed(`fastdata.source.${name}`, raw);
    expect(committed.reduce((n, c) => n + c.offset, 0)).toBe(1_000);
  }, 90_000);
});
