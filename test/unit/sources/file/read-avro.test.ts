import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import avro from 'avsc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import { parseAvroSchema } from '../../../../src/schema/avro.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { readAll, shape } from './file-fixtures.js';

const EVENT_SCHEMA = {
  type: 'record',
  name: 'Event',
  namespace: 'test.avro',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'score', type: ['null', 'double'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'payload', type: 'bytes' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
    { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] } },
  ],
};
const EVENT_TYPE = parseAvroSchema(EVENT_SCHEMA).type;

function event(i: number) {
  return {
    id: 1_000_000_000_000 + i,
    name: `event ${i}`,
    score: i % 3 === 0 ? null : i / 2,
    tags: i % 2 === 0 ? [] : ['odd', `t${i}`],
    payload: Buffer.from([i % 256, 7]),
    kind: i % 2 === 0 ? 'A' : 'B',
    inner: { x: 0 - i },
  };
}

/** An object container file of `count` events, written by avsc in blocks of about `blockSize` bytes. */
async function containerFile(count: number, options: { blockSize: number; codec?: string }): Promise<Buffer> {
  const encoder = new avro.streams.BlockEncoder(EVENT_SCHEMA as avro.Schema, { blockSize: options.blockSize, codec: options.codec ?? 'null' });
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => encoder.on('end', resolve));
  for (let i = 0; i < count; i++) encoder.write(event(i));
  encoder.end();
  await ended;
  return Buffer.concat(chunks);
}

/** Each block of a container file: its offset, record count and the offset of its sync marker (the header's sync is the last 16 bytes before the first block). */
function blocksOf(file: Buffer): { offset: number; count: number; sync: number }[] {
  const headerEnd = avro.Type.forSchema({
    type: 'record',
    name: 'H',
    fields: [
      { name: 'magic', type: { type: 'fixed', name: 'M', size: 4 } },
      { name: 'meta', type: { type: 'map', values: 'bytes' } },
      { name: 'sync', type: { type: 'fixed', name: 'S', size: 16 } },
    ],
  }).decode(file, 0).offset;
  const long = avro.Type.forSchema('long');
  const blocks: { offset: number; count: number; sync: number }[] = [];
  for (let offset = headerEnd; offset < file.length; ) {
    const count = long.decode(file, offset);
    const size = long.decode(file, count.offset);
    const sync = size.offset + (size.value as number);
    blocks.push({ offset, count: count.value as number, sync });
    offset = sync + 16;
  }
  return blocks;
}

describe('reading Avro object container files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('fastdata-avro-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('reads every record of every block as a plain object, record N, its encoded bytes raw, in batches', async () => {
    const path = join(dir.path, 'events.avro');
    const file = await containerFile(50, { blockSize: 400 });
    await writeFile(path, file);
    expect(blocksOf(file).length).toBeGreaterThan(3);
    const { records, batches, positions } = await readAll(path, { format: 'avro', batchSize: 20 });
    expect(batches.map((b) => b.records.length)).toEqual([20, 20, 10]);
    expect(records.map(shape)).toEqual(Array.from({ length: 50 }, (_, i) => ({ where: `record ${i + 1}`, value: event(i) })));
    for (const r of records) {
      const value = r.value as { inner: object };
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(value.inner)).toBe(Object.prototype);
    }
    expect(records.map((r) => r.raw)).toEqual(Array.from({ length: 50 }, (_, i) => EVENT_TYPE.toBuffer(event(i))));
    expect(positions.at(-1)).toMatchObject({ kind: 'avro', block: file.length, skip: 0, records: 50 });
  });

  it('resumes from the position of any batch (mid-block too) with exactly the records after it', async () => {
    const path = join(dir.path, 'resume.avro');
    await writeFile(path, await containerFile(40, { blockSize: 300, codec: 'deflate' }));
    const whole = await readAll(path, { format: 'avro', batchSize: 7 });
    expect(whole.records).toHaveLength(40);
    expect(whole.positions.some((p) => p.kind === 'avro' && p.skip > 0)).toBe(true);
    let before = 0;
    for (const [i, batch] of whole.batches.entries()) {
      before += batch.records.length;
      const rest = await readAll(path, { format: 'avro', batchSize: 7, from: batch.position });
      expect(rest.records.map(shape), `after batch ${i}`).toEqual(whole.records.slice(before).map(shape));
    }
  });

  it("resolves the file's schema to the topic's type: defaults filled, dropped fields gone, another record name forgiven", async () => {
    const path = join(dir.path, 'resolved.avro');
    await writeFile(path, await containerFile(3, { blockSize: 1000 }));
    const topic = parseAvroSchema({
      type: 'record',
      name: 'TopicEvent',
      namespace: 'elsewhere',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'name', type: 'string' },
        { name: 'region', type: 'string', default: 'eu' },
      ],
    }).type;
    const notices: string[] = [];
    const { records } = await readAll(path, { format: 'avro', type: topic, onNotice: (m) => notices.push(m) });
    expect(records.map((r) => r.value)).toEqual([0, 1, 2].map((i) => ({ id: event(i).id, name: event(i).name, region: 'eu' })));
    expect(notices).toEqual([]);

    const incompatible = parseAvroSchema({ type: 'record', name: 'Event', namespace: 'test.avro', fields: [{ name: 'id', type: 'int' }] }).type;
    const own = await readAll(path, { format: 'avro', type: incompatible, onNotice: (m) => notices.push(m) });
    expect(own.records.map((r) => r.value)).toEqual([0, 1, 2].map(event));
    expect(notices).toEqual([expect.stringMatching(/its schema cannot be resolved to the topic's .*read by their own schema/)]);
  });

  it('makes one error record of a block whose sync marker is damaged, and reads the blocks after it', async () => {
    const path = join(dir.path, 'damaged-sync.avro');
    const file = await containerFile(60, { blockSize: 400 });
    const blocks = blocksOf(file);
    const bad = blocks[2]!;
    file.fill(0, bad.sync, bad.sync + 16);
    await writeFile(path, file);
    const { records } = await readAll(path, { format: 'avro' });
    const lost = new Set(Array.from({ length: bad.count }, (_, k) => blocks.slice(0, 2).reduce((n, b) => n + b.count, 0) + k));
    const good = Array.from({ length: 60 }, (_, i) => i).filter((i) => !lost.has(i));
    const errors = records.filter((r) => r.error !== undefined);
    expect(errors.map(shape)).toEqual([
      {
        where: `block at byte ${bad.offset}`,
        error: `the block at byte ${bad.offset} of ${path} is damaged: its sync marker is not the file's; its records are lost, reading resumes at the next block (byte ${blocks[3]!.offset})`,
      },
    ]);
    expect(records.filter((r) => r.error === undefined).map((r) => r.value)).toEqual(good.map(event));
  });

  it('makes one error record of a deflate block that does not inflate, and of a record that does not decode, and reads on', async () => {
    const path = join(dir.path, 'damaged-data.avro');
    const file = await containerFile(60, { blockSize: 400, codec: 'deflate' });
    const blocks = blocksOf(file);
    const bad = blocks[1]!;
    // Bytes flipped in the middle of the block's compressed data.
    for (let i = bad.offset + 8; i < bad.offset + 16; i++) file[i] = file[i]! ^ 0xff;
    await writeFile(path, file);
    const { records } = await readAll(path, { format: 'avro' });
    const errors = records.filter((r) => r.error !== undefined);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatch(new RegExp(`^the block at byte ${bad.offset} of .* is damaged: it does not decompress \\(deflate: .+\\); its records are lost, reading resumes at the next block \\(byte ${blocks[2]!.offset}\\)$`));
    expect(records.filter((r) => r.error === undefined)).toHaveLength(60 - bad.count);

    // Uncompressed: a string length garbled in the middle of a block spoils that record and the rest of its block only.
    const plain = await containerFile(30, { blockSize: 300 });
    const plainBlocks = blocksOf(plain);
    const target = plainBlocks[1]!;
    const firstOfBlock = plainBlocks[0]!.count;
    // The second record of the block: skip the block's count and size, then the first record; its id, then its name's length.
    const long = avro.Type.forSchema('long');
    const dataStart = long.decode(plain, long.decode(plain, target.offset).offset).offset;
    const second = dataStart + EVENT_TYPE.toBuffer(event(firstOfBlock)).length;
    const nameLength = long.decode(plain, second).offset;
    plain[nameLength] = 0x7e; // a length of 63 bytes, running into the records after it
    const plainPath = join(dir.path, 'garbled-record.avro');
    await writeFile(plainPath, plain);
    const read = await readAll(plainPath, { format: 'avro' });
    const bad2 = read.records.filter((r) => r.error !== undefined);
    expect(bad2.map((r) => r.where)).toEqual([`record ${firstOfBlock + 2}`]);
    expect(bad2[0]!.error).toMatch(new RegExp(`^record ${firstOfBlock + 2} \\(block at byte ${target.offset}\\) cannot be decoded by the file's schema: .+; the ${target.count - 2} records after it in the block are lost with it$`));
    expect(read.records.filter((r) => r.error === undefined).map((r) => (r.value as { id: number }).id)).toEqual(
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i < firstOfBlock + 1 || i >= firstOfBlock + target.count)
        .map((i) => event(i).id),
    );
  });

  it('takes a block count far beyond its bytes for a damaged block, not for 2^40 records of no bytes to decode', async () => {
    const schema = { type: 'record', name: 'Empty', fields: [{ name: 'n', type: 'null' }] };
    const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, { codec: 'null' });
    const chunks: Buffer[] = [];
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => encoder.on('end', resolve));
    for (let i = 0; i < 3; i++) encoder.write({ n: null });
    encoder.end();
    await ended;
    const file = Buffer.concat(chunks);
    const [block] = blocksOf(file);
    const long = avro.Type.forSchema('long');
    // The same block with its count garbled to 2^40: still a valid frame (size 0, the file's sync marker).
    const garbled = Buffer.concat([file.subarray(0, block!.offset), long.toBuffer(2 ** 40), long.toBuffer(0), file.subarray(block!.sync)]);
    const path = join(dir.path, 'count.avro');
    await writeFile(path, garbled);
    const { records } = await readAll(path, { format: 'avro' });
    expect(records.map((r) => r.error)).toEqual([expect.stringContaining(`the block at byte ${block!.offset} of ${path} is damaged: its record count (1099511627776) is beyond what its 0 bytes can hold`)]);
  });

  it('reads a file cut short up to the cut block, then one error record, without throwing', async () => {
    const path = join(dir.path, 'truncated.avro');
    const file = await containerFile(40, { blockSize: 400 });
    const blocks = blocksOf(file);
    const last = blocks.at(-1)!;
    await writeFile(path, file.subarray(0, file.length - 10));
    const { records } = await readAll(path, { format: 'avro' });
    expect(records.filter((r) => r.error === undefined).map((r) => r.value)).toEqual(Array.from({ length: 40 - last.count }, (_, i) => event(i)));
    expect(records.at(-1)!.error).toBe(
      `the block at byte ${last.offset} of ${path} is damaged: the file ends inside it, or its size is garbled; its records are lost, no block follows it: reading ends here`,
    );
  });

  it('throws FD_CONFIG_INVALID for a file that is not Avro, or whose header is cut', async () => {
    const path = join(dir.path, 'not.avro');
    await writeFile(path, 'id,name\n1,a\n');
    const error = await readAll(path, { format: 'avro' }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toBe(`${path} is not a readable Avro object container file: it does not start with Obj\\x01; check the source's \`format:\` and that the file was written completely`);
    const file = await containerFile(5, { blockSize: 400 });
    await writeFile(path, file.subarray(0, 40));
    const cut = await readAll(path, { format: 'avro' }).catch((e: unknown) => e);
    expect(isFastdataError(cut, 'FD_CONFIG_INVALID')).toBe(true);
    expect((cut as Error).message).toContain('its header is cut short or damaged');
  });
});
