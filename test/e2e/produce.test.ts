/**
 * `fastdata produce` on a data dir no process holds: JSON lines from a file or standard
 * input into the embedded log, checked against the registered schema; bad lines named,
 * the good ones written, exit code 1 when there was a bad one.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { partitionForStringKey } from '../../src/log/partitioner.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { readAll } from '../conformance/log.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const schema = { type: 'record', name: 'Meter', fields: [{ name: 'meterId', type: 'string' }, { name: 'ts', type: 'long' }, { name: 'kwh', type: 'double' }] };
const meter = (i: number) => ({ meterId: `m${i % 7}`, ts: 1_700_000_000_000 + i * 1000, kwh: i / 4 });

describe('fastdata produce', () => {
  let data: { path: string; remove: () => Promise<void> };

  beforeEach(async () => {
    data = await tempDir();
    const registry = await EmbeddedSchemaRegistry.open(join(data.path, 'registry'));
    await registry.register('my.meters-value', JSON.stringify(schema));
    await registry.close();
  });
  afterEach(async () => {
    await data.remove();
  });

  async function written() {
    const log = await EmbeddedLog.open(join(data.path, 'log'), { readOnly: true });
    const registry = await EmbeddedSchemaRegistry.open(join(data.path, 'registry'), { readOnly: true });
    try {
      const serde = new AvroSerde(registry);
      return await Promise.all((await readAll(log, 'my.meters')).map(async (r) => ({ record: r, value: (await serde.decode(r.value!)) as ReturnType<typeof meter> })));
    } finally {
      await log.close();
      await registry.close();
    }
  }

  it('writes every good line of a file, keyed and timestamped by the fields named, and names the bad lines', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => JSON.stringify(meter(i)));
    lines[10] = '{"meterId": "m1", "ts": 5, "kwh": "lots"}';
    lines[2000] = 'not json';
    const file = join(data.path, 'meters.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await runCli(['produce', 'my.meters', file, '--data-dir', data.path, '--key', 'meterId', '--time', 'ts'], { cwd: repo, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/produce: 2998 records into my\.meters through the embedded log .*; 2 bad/);
    expect(result.stderr).toMatch(/line 11: kwh: expected "?double"?, got "lots"/);
    expect(result.stderr).toMatch(/line 2001: not JSON/);
    const out = await written();
    expect(out).toHaveLength(2_998);
    const expected = new Map(Array.from({ length: 3_000 }, (_, i) => [meter(i).ts, meter(i)]));
    for (const { record, value } of out) {
      expect(value).toEqual(expected.get(value.ts));
      expect(record.key?.toString()).toBe(value.meterId);
      expect(record.partition).toBe(partitionForStringKey(value.meterId, 4));
      expect(record.timestamp).toBe(value.ts);
    }
  });

  it('reads standard input, a JSON array too, and exits 0 when every record is good', async () => {
    const child = spawn(process.execPath, [BIN, 'produce', 'my.meters', '-', '--data-dir', data.path], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(`${JSON.stringify([meter(1), meter(2)])}\n${JSON.stringify(meter(3))}\n`);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect((await written()).map((o) => o.value)).toHaveLength(3);
  });

  it('refuses a topic with no registered schema, saying how to register one', async () => {
    const file = join(data.path, 'x.jsonl');
    await writeFile(file, `${JSON.stringify(meter(1))}\n`);
    const result = await runCli(['produce', 'other.topic', file, '--data-dir', data.path], { cwd: repo, timeoutMs: 60_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/topic other\.topic has no schema \(subject other\.topic-value\).*register one first/);
  });

  it('reads a CSV file by its header, cells typed by the schema, and names a bad cell by its line and column', async () => {
    // ts is a plain long in this schema: milliseconds (a timestamp-millis field would take ISO dates too).
    const rows = Array.from({ length: 500 }, (_, i) => `${meter(i).meterId},${meter(i).ts},${meter(i).kwh}`);
    rows[99] = 'm1,1700000099000,lots';
    const file = join(data.path, 'meters.csv');
    await writeFile(file, `meterId,ts,kwh\n${rows.join('\n')}\n`);
    const result = await runCli(['produce', 'my.meters', file, '--data-dir', data.path, '--key', 'meterId', '--time', 'ts'], { cwd: repo, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/produce: 499 records into my\.meters .*; 1 bad/);
    expect(result.stderr).toMatch(/line 101: column "kwh": expected a double, got "lots"/);
    const out = await written();
    expect(out).toHaveLength(499);
    const expected = new Map(Array.from({ length: 500 }, (_, i) => [meter(i).ts, meter(i)]));
    for (const { record, value } of out) {
      expect(value).toEqual(expected.get(value.ts));
      expect(record.timestamp).toBe(value.ts);
    }
  });
});
