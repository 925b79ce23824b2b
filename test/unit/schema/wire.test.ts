import { describe, expect, it } from 'vitest';
import { HEADER_SIZE, MAX_SCHEMA_ID, body, frame, readSchemaId, writeHeader } from '../../../src/schema/wire.js';
import { caught } from './fixtures.js';

describe('Confluent wire format', () => {
  it('frames a body as magic byte 0, a big-endian schema id and the body', () => {
    const framed = frame(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 0xaa, 0xbb]);
    expect(readSchemaId(framed)).toBe(0x01020304);
    expect([...body(framed)]).toEqual([0xaa, 0xbb]);
  });

  it('round-trips the largest schema id', () => {
    const header = Buffer.alloc(HEADER_SIZE);
    writeHeader(header, MAX_SCHEMA_ID);
    expect(readSchemaId(header)).toBe(MAX_SCHEMA_ID);
  });

  it('refuses ids the 4-byte field cannot hold', async () => {
    expect((await caught(() => frame(-1, Buffer.alloc(0)), 'FD_WIRE_FORMAT_INVALID')).message).toContain('schema id -1 does not fit');
    await caught(() => frame(2 ** 32, Buffer.alloc(0)), 'FD_WIRE_FORMAT_INVALID');
    await caught(() => frame(1.5, Buffer.alloc(0)), 'FD_WIRE_FORMAT_INVALID');
  });

  it('refuses a buffer shorter than the header, saying its length', async () => {
    const error = await caught(() => readSchemaId(Buffer.from([0, 0, 1])), 'FD_WIRE_FORMAT_INVALID');
    expect(error.message).toContain('record of 3 bytes is too short for the Confluent wire format');
    expect(error.context.length).toBe(3);
  });

  it('refuses a wrong magic byte, naming the byte found', async () => {
    const error = await caught(() => readSchemaId(Buffer.from('{"sensorId":"a"}')), 'FD_WIRE_FORMAT_INVALID');
    expect(error.message).toContain('record starts with byte 0x7b, not the magic byte 0x00');
    expect(error.context.magicByte).toBe(0x7b);
  });
});
