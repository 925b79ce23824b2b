/**
 * Confluent wire format: magic byte 0, the schema's global id as a 4-byte big-endian
 * integer, then the Avro body. Every Confluent-compatible producer and consumer frames
 * records this way, so output topics are readable by downstream pipelines as they are.
 */
import { FastdataError } from '../errors.js';

export const MAGIC_BYTE = 0;
/** Bytes before the Avro body: the magic byte and the schema id. */
export const HEADER_SIZE = 5;
/** Largest schema id the 4-byte field holds (Confluent ids are signed 32-bit, positive). */
export const MAX_SCHEMA_ID = 0x7fffffff;

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_SCHEMA_ID) {
    throw new FastdataError('FD_WIRE_FORMAT_INVALID', `schema id ${id} does not fit the wire format; it must be an integer from 0 to ${MAX_SCHEMA_ID}`, {
      context: { id },
    });
  }
}

/** Writes the 5-byte header at `offset` of `target` (which must have room for it). */
export function writeHeader(target: Buffer, id: number, offset = 0): void {
  checkId(id);
  target[offset] = MAGIC_BYTE;
  target.writeUInt32BE(id, offset + 1);
}

/** A framed record: header plus `body`, in one new buffer. */
export function frame(id: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  writeHeader(out, id);
  out.set(body, HEADER_SIZE);
  return out;
}

/** The schema id of a framed record; FD_WIRE_FORMAT_INVALID for a short buffer or a wrong magic byte. */
export function readSchemaId(buf: Uint8Array): number {
  if (buf.length < HEADER_SIZE) {
    throw new FastdataError(
      'FD_WIRE_FORMAT_INVALID',
      `record of ${buf.length} bytes is too short for the Confluent wire format (a 5-byte header: magic byte 0 and a 4-byte schema id, then the Avro body)`,
      { context: { length: buf.length } },
    );
  }
  const magic = buf[0];
  if (magic !== MAGIC_BYTE) {
    throw new FastdataError(
      'FD_WIRE_FORMAT_INVALID',
      `record starts with byte 0x${(magic ?? 0).toString(16).padStart(2, '0')}, not the magic byte 0x00 of the Confluent wire format; ` +
        'it was not written by a schema-registry serializer (plain JSON or another framing?)',
      { context: { magicByte: magic } },
    );
  }
  // Unsigned, as Confluent's serializers never write a negative id; avoids a DataView per call.
  return ((buf[1]! << 24) >>> 0) + (buf[2]! << 16) + (buf[3]! << 8) + buf[4]!;
}

/** The Avro body of a framed record, without a copy. */
export function body(buf: Buffer): Buffer {
  readSchemaId(buf);
  return buf.subarray(HEADER_SIZE);
}
