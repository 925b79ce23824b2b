/**
 * Declared sources in a `fastdata dev` process (in this process, on a temporary project and
 * the embedded log): started from sources/*.yaml, writing what they read checked against
 * the schema, bad records to their dead-letter topic, counted in /metrics and the status,
 * shown in the catalog, and replaced when their file is saved.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastdataProcess } from '../../../src/app/process.js';
import { startDev } from '../../../src/app/profiles.js';
import type { HttpRole } from '../../../src/app/roles/http.js';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import type { Catalog } from '../../../src/catalog/types.js';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { readAll } from '../../conformance/log.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { READING_SCHEMA } from '../../fixtures/reading-schema.js';


describe('the sources role of dev', () => {
  let root: string;
  let remove: () => Promise<void>;
  let dev: FastdataProcess | undefined;
  const notices: string[] = [];

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir());
    await mkdir(join(root, 'sources'));
    await mkdir(join(root, 'streams'));
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
    await writeFile(join(root, 'fastdata.config.yaml'), 'server: { port: 0 }\nlog: { partitions: 3 }\ngenerator: { enabled: false }\n');
    notices.length = 0;
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
    await remove();
  });

  async function start(): Promise<{ url: string; status: () => Promise<{ sources: { name: string; state: string; produced: number; details: string }[] }> }> {
    const { config, dataDir } = await loadProjectConfig({ dir: root });
    dev = await startDev({
      root,
      config,
      dataDir,
      onEvent: (e) => {
        if (e.type === 'notice') notices.push(e.message);
        if (e.type === 'source-failed') notices.push(`FAILED ${e.source}: ${String((e.error as Error).message)}`);
      },
    });
    const url = dev.role<HttpRole>('http')!.url!;
    return { url, status: async () => (await (await fetch(`${url}/api/status`)).json()) as never };
  }

  it('runs an http and a kafka JSON source: keys and times from the declared fields, bad records dead-lettered with where and why', async () => {
    await writeFile(join(root, 'sources/posted.yaml'), 'kind: http\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\ntime: ts\n');
    await writeFile(join(root, 'sources/bridge.yaml'), 'kind: kafka\ntopic: bridged\nschema: schemas/reading.avsc\ntime: ts\nkafka: { format: json, from: raw.readings }\n');
    await writeFile(join(root, 'sources/broken.yaml'), 'kind: http\ntopic: readings\nkey: nope\nschema: schemas/reading.avsc\n');
    const { url, status } = await start();
    const log = dev!.context.log;
    const serde = new AvroSerde(dev!.context.registry);

    // http: plain records, no ?key=&time=: the source declared them.
    const posted = Array.from({ length: 50 }, (_, i) => ({ id: `s${i % 5}`, ts: 1_700_000_000_000 + i, value: i / 2 }));
    const response = await fetch(`${url}/api/ingest/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(posted) });
    expect(response.status).toBe(202);
    const records = await readAll(log, 'readings');
    expect(records).toHaveLength(50);
    for (const r of records) {
      const value = (await serde.decode(r.value!)) as (typeof posted)[number];
      expect(r.key!.toString()).toBe(value.id);
      expect(r.partition).toBe(partitionForStringKey(value.id, 3));
      expect(r.timestamp).toBe(value.ts);
    }

    // kafka json: raw JSON written by an outside producer, read in the source's group, written as Avro.
    await log.createTopic({ name: 'raw.readings', partitions: 2 });
    const raw = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `d${i % 9}`, ts: 1_700_000_100_000 + i, value: i }));
    raw[17] = '{"id": "d1", "ts": 1, "value": "hot"}';
    raw[120] = 'not json at all';
    await log.produce('raw.readings', raw.map((text, i) => ({ key: `k${i % 4}`, value: Buffer.from(text) })));
    await eventually(async () => expect(await readAll(log, 'bridged')).toHaveLength(198), { timeoutMs: 10_000 });
    const bridged = await readAll(log, 'bridged');
    const values = await Promise.all(bridged.map(async (r) => (await serde.decode(r.value!)) as { id: string; value: number }));
    expect(new Set(values.map((v) => v.value))).toEqual(new Set(Array.from({ length: 200 }, (_, i) => i).filter((i) => i !== 17 && i !== 120)));
    const dead = (await readAll(log, 'fastdata.source.bridge.dlq')).map((d) => ({ value: d.value!.toString(), headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, String(v)])) }));
    expect(dead.map((d) => [d.headers['fastdata.dlq.reason'], d.value]).sort()).toEqual(
      [
        ['parse', 'not json at all'],
        ['schema', '{"id": "d1", "ts": 1, "value": "hot"}'],
      ].sort(),
    );
    const schemaLetter = dead.find((d) => d.headers['fastdata.dlq.reason'] === 'schema')!;
    expect(schemaLetter.headers['fastdata.dlq.message']).toMatch(/value: expected "?double"?, got "hot"/);
    expect(schemaLetter.headers['fastdata.source.where']).toMatch(/^raw\.readings\[\d\]@\d+$/);
    expect(schemaLetter.headers['fastdata.dlq.module']).toBe('source:bridge');

    // Status, metrics and the catalog.
    const listed = (await status()).sources;
    expect(listed.find((s) => s.name === 'posted')).toMatchObject({ state: 'running', produced: 50 });
    expect(listed.find((s) => s.name === 'bridge')).toMatchObject({ state: 'running', produced: 198 });
    expect(listed.find((s) => s.name === 'sources/broken.yaml')).toMatchObject({ state: 'invalid' });
    expect(listed.find((s) => s.name === 'sources/broken.yaml')!.details).toMatch(/sources\/broken\.yaml:3:\d+ key: nope is not a field/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('fastdata_source_records_total{source="bridge",kind="kafka",topic="bridged"} 198');
    expect(metrics).toContain('fastdata_source_dead_letters_total{source="bridge",kind="kafka",topic="bridged",reason="parse"} 1');
    const catalog = (await (await fetch(`${url}/api/catalog`)).json()) as Catalog;
    expect(catalog.inputs.map((i) => [i.name, i.kind, i.topic, i.deadLetterTopic])).toEqual([
      ['bridge', 'kafka', 'bridged', 'fastdata.source.bridge.dlq'],
      ['posted', 'http', 'readings', null],
    ]);
    expect(catalog.lineage.edges).toEqual(expect.arrayContaining([
      { from: 'topic:raw.readings', to: 'input:bridge' },
      { from: 'input:bridge', to: 'topic:bridged' },
      { from: 'input:posted', to: 'topic:readings' },
    ]));
    expect(catalog.topics.find((t) => t.name === 'bridged')).toMatchObject({ writer: 'source bridge', role: 'source' });
    expect(catalog.problems.some((p) => p.startsWith('sources/broken.yaml'))).toBe(true);
  });

  it('replaces a source when its file is saved, keeps the others, and counts across the reload', async () => {
    await writeFile(join(root, 'sources/posted.yaml'), 'kind: http\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\n');
    await writeFile(join(root, 'sources/other.yaml'), 'kind: http\ntopic: others\nschema: schemas/reading.avsc\n');
    const { url, status } = await start();
    const post = (topic: string, body: unknown[]) => fetch(`${url}/api/ingest/${topic}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('readings', [{ id: 'a', ts: 1, value: 1 }])).status).toBe(202);

    // A bad save: the source stops and says why; the other one runs on.
    await writeFile(join(root, 'sources/posted.yaml'), 'kind: http\ntopic: readings\nschema: schemas/reading.avsc\nkey: [id\n');
    await eventually(async () => expect((await status()).sources.find((s) => s.name === 'sources/posted.yaml')).toMatchObject({ state: 'invalid' }), { timeoutMs: 5_000 });
    expect((await status()).sources.find((s) => s.name === 'other')).toMatchObject({ state: 'running' });

    // Fixed, with the time field now declared: it runs again, with the new settings.
    await writeFile(join(root, 'sources/posted.yaml'), 'kind: http\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\ntime: ts\n');
    await eventually(async () => expect((await status()).sources.find((s) => s.name === 'posted')).toMatchObject({ state: 'running' }), { timeoutMs: 5_000 });
    expect((await status()).sources.some((s) => s.name === 'sources/posted.yaml')).toBe(false);
    expect((await post('readings', [{ id: 'b', ts: 1_234, value: 2 }])).status).toBe(202);
    const records = await readAll(dev!.context.log, 'readings');
    expect(records.map((r) => [r.key!.toString(), r.timestamp === 1_234])).toEqual([
      ['a', false],
      ['b', true],
    ]);

    // A new file starts a source; a deleted one stops it.
    await writeFile(join(root, 'sources/third.yaml'), 'kind: http\ntopic: thirds\nschema: schemas/reading.avsc\n');
    await eventually(async () => expect((await status()).sources.find((s) => s.name === 'third')).toMatchObject({ state: 'running' }), { timeoutMs: 5_000 });
    await rm(join(root, 'sources/other.yaml'));
    await eventually(async () => expect((await status()).sources.some((s) => s.name === 'other')).toBe(false), { timeoutMs: 5_000 });
    expect(notices.some((n) => /source other: stopped/.test(n))).toBe(true);
  });

  it('reads a CSV file once, bad lines dead-lettered with their line, and does not read it again after a restart', async () => {
    await mkdir(join(root, 'data'));
    const lines = ['id,ts,value'];
    for (let i = 0; i < 1000; i++) lines.push(`s${i % 7},${1_700_000_000_000 + i * 1000},${i / 4}`);
    lines[500] = 's1,1700000499000,"12.5'; // an unclosed quote
    lines[700] = 's2,1700000699000,warm'; // not a double
    await writeFile(join(root, 'data/r.csv'), `${lines.join('\n')}\n`);
    await writeFile(join(root, 'sources/recorded.yaml'), 'kind: file\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\ntime: ts\nfile: { path: data/r.csv }\n');
    const { status } = await start();
    await eventually(async () => expect((await status()).sources.find((s) => s.name === 'recorded')).toMatchObject({ state: 'done', produced: 998 }), { timeoutMs: 10_000 });
    const log = dev!.context.log;
    const serde = new AvroSerde(dev!.context.registry);
    const records = await readAll(log, 'readings');
    expect(records).toHaveLength(998);
    const values = await Promise.all(records.map(async (r) => (await serde.decode(r.value!)) as { id: string; ts: number; value: number }));
    const expected = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 499 && i !== 699);
    expect(values.map((v) => v.value * 4).sort((a, b) => a - b)).toEqual(expected);
    for (const [i, r] of records.entries()) expect(r.timestamp).toBe(values[i]!.ts);
    const dead = (await readAll(log, 'fastdata.source.recorded.dlq')).map((d) => [String(d.headers['fastdata.dlq.reason']), String(d.headers['fastdata.source.where']), d.value!.toString()]);
    expect(dead).toEqual([
      ['parse', 'data/r.csv line 501', 's1,1700000499000,"12.5'],
      // CSV cells are typed as they are read: a cell that is not of its field's type is a parse error.
      ['parse', 'data/r.csv line 701', 's2,1700000699000,warm'],
    ]);
    // Dated 2023: older than the topic's retention, which deletes by timestamp; the source says so.
    expect(notices.find((n) => n.includes('older than its retention'))).toMatch(/source recorded: writes records dated 2023-11-14T.* into readings, older than its retention \(168 h\)/);

    await dev!.stop();
    const again = await start();
    await eventually(async () => expect((await again.status()).sources.find((s) => s.name === 'recorded')).toMatchObject({ state: 'done' }), { timeoutMs: 10_000 });
    expect(await readAll(dev!.context.log, 'readings')).toHaveLength(998);
  });

  it('follows a JSON lines file as it grows, and infers a schema from its first records', async () => {
    await mkdir(join(root, 'data'));
    const line = (i: number) => JSON.stringify({ meter: `m${i % 3}`, ts: 1_700_000_000_000 + i, kwh: i + 0.5 });
    await writeFile(join(root, 'data/m.jsonl'), `${Array.from({ length: 10 }, (_, i) => line(i)).join('\n')}\n`);
    await writeFile(join(root, 'sources/meters.yaml'), 'kind: file\ntopic: meters\nschema: infer\nkey: meter\ntime: ts\nfile: { path: data/m.jsonl, follow: true }\n');
    const { status } = await start();
    const log = dev!.context.log;
    await eventually(async () => expect(await readAll(log, 'meters')).toHaveLength(10), { timeoutMs: 10_000 });
    expect(notices.find((n) => n.includes('schema inferred'))).toMatch(/"name": "kwh",\s*"type": "double"/);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(join(root, 'data/m.jsonl'), `${line(10)}\n${line(11).slice(0, 12)}`);
    await eventually(async () => expect(await readAll(log, 'meters')).toHaveLength(11), { timeoutMs: 10_000 });
    await appendFile(join(root, 'data/m.jsonl'), `${line(11).slice(12)}\n`);
    await eventually(async () => expect(await readAll(log, 'meters')).toHaveLength(12), { timeoutMs: 10_000 });
    expect((await status()).sources.find((s) => s.name === 'meters')).toMatchObject({ state: 'running', produced: 12 });
  });

  it('replays by event time, retimed so the first record is now and the gaps kept (the pacing itself: file/pace.test.ts, on a fake clock)', async () => {
    await mkdir(join(root, 'data'));
    // 30 records 4 s apart in event time (two minutes of 2020), played at 60x: about 2 s.
    const t0 = Date.UTC(2020, 0, 1);
    await writeFile(join(root, 'data/r.jsonl'), `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: 'a', ts: t0 + i * 4000, value: i })).join('\n')}\n`);
    await writeFile(join(root, 'sources/replayed.yaml'), 'kind: file\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\ntime: ts\nfile: { path: data/r.jsonl, replay: { speed: 60x, retime: true } }\n');
    const before = Date.now();
    const { status } = await start();
    await eventually(async () => expect((await status()).sources.find((s) => s.name === 'replayed')).toMatchObject({ state: 'done', produced: 30 }), { timeoutMs: 15_000 });
    const records = await readAll(dev!.context.log, 'readings');
    const first = records[0]!.timestamp;
    expect(first).toBeGreaterThanOrEqual(before);
    // Retimed: the gaps of the recording are kept, shifted to now.
    expect(records.map((r) => r.timestamp - first)).toEqual(Array.from({ length: 30 }, (_, i) => i * 4000));
  });
});
