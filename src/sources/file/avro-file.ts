/**
 * Avro object container files: every record of every block, decoded by avsc, in batches.
 *
 * - Values are plain objects (plain-values.ts). With the topic's type given, the file's
 *   schema is resolved to it (Avro schema resolution: fields by name, defaults for the
 *   missing ones, promotions such as int to long, fields the topic lacks dropped), so the
 *   values are in the topic's shape. A file whose schema cannot be resolved to the
 *   topic's (another record name is forgiven: files come from other systems) is decoded by
 *   its own schema, with a notice: its values may still fit, and the writer dead-letters
 *   those that do not.
 * - `where` is `record N`, N counting from 1 over the file (error records included).
 * - A record that does not decode is one error record with the rest of its block (a
 *   record's end is only known by decoding it), and reading goes on with the next block.
 * - A damaged block (its sync marker is not the file's, it does not decompress, its
 *   count or size is garbled, or the file ends inside it) is one error record naming its
 *   offset; its records are lost, and reading resumes at the next sync marker found after
 *   it (avsc's own BlockDecoder would stop there: see avro-container.ts). When there is
 *   none, reading ends there, without throwing.
 * - A file that is not an Avro container file, or whose header is cut, throws
 *   FD_CONFIG_INVALID naming the file.
 */
import type { Type } from 'avsc';
import type { Resolver } from 'avsc';
import { FastdataError, errorMessage } from '../../errors.js';
import { parseAvroSchema, resolverOptions } from '../../schema/avro.js';
import type { SourceRecord } from '../source-record.js';
import { type AvroHeader, type Decompress, FileWindow, type Frame, decompressorFor, findSync, frameAt, readAvroHeader } from './avro-container.js';
import { openForReading } from './file-access.js';
import { plainValue } from './plain-values.js';
import type { AvroPosition, FileBatch } from './position.js';

/** Bytes of a damaged block or undecodable records kept as the error record's raw bytes (a dead letter has a size limit). */
const MAX_RAW_BYTES = 64 * 1024;
/**
 * Records a block may hold beyond one per byte: records of no bytes (all fields null, or
 * none) are legal, but a garbled count in the billions would make the decode loop spin.
 */
const MAX_EMPTY_RECORDS = 1 << 20;

export interface AvroReadOptions {
  path: string;
  batchSize: number;
  signal?: AbortSignal;
  onNotice: (message: string) => void;
  /** The topic's record type, to resolve the file's schema to. */
  type?: Type;
  from?: AvroPosition;
}

interface Reader {
  type: Type;
  resolver?: Resolver;
}

export async function* readAvroFile(o: AvroReadOptions): AsyncGenerator<FileBatch> {
  const fh = await openForReading(o.path);
  try {
    const window = new FileWindow(fh, (await fh.stat()).size);
    const header = await readAvroHeader(window, o.path);
    yield* new AvroFile(o, window, header).batches();
  } finally {
    await fh.close();
  }
}

class AvroFile {
  private readonly decompress: Decompress;
  private readonly reader: Reader;
  private readonly sync: string;
  /** Where reading resumes after what has been handed out: a block's offset and the records of it already out. */
  private block: number;
  private skip = 0;
  private records = 0;
  private batch: SourceRecord[] = [];

  constructor(
    private readonly o: AvroReadOptions,
    private readonly window: FileWindow,
    private readonly header: AvroHeader,
  ) {
    this.decompress = decompressorFor(header.codec, o.path);
    this.reader = readerFor(header, o);
    this.sync = header.sync.toString('hex');
    this.block = header.end;
    if (o.from) this.resume(o.from);
  }

  private resume(from: AvroPosition): void {
    let problem: string | undefined;
    if (from.sync !== this.sync) problem = 'the position was taken in another file (its sync marker differs)';
    else if (from.block < this.header.end || from.block > this.window.size) problem = `the position (byte ${from.block}) is outside its blocks`;
    if (problem !== undefined) {
      this.o.onNotice(`${this.o.path}: ${problem}; reading it from the start`);
      return;
    }
    this.block = from.block;
    this.skip = from.skip;
    this.records = from.records;
  }

  async *batches(): AsyncGenerator<FileBatch> {
    const { signal, batchSize } = this.o;
    while (this.block < this.window.size) {
      if (signal?.aborted) return;
      const offset = this.block;
      const frame = await frameAt(this.window, offset, this.header.sync);
      if (frame.kind === 'block' && frame.syncOk) {
        let data: Buffer | undefined;
        try {
          data = this.decompress(frame.data);
        } catch (error) {
          this.damaged(offset, `it does not decompress (${this.header.codec}: ${errorMessage(error)})`, frame.data, frame.end);
        }
        if (data !== undefined && frame.count > data.length + MAX_EMPTY_RECORDS) {
          this.damaged(offset, `its record count (${frame.count}) is beyond what its ${data.length} bytes can hold`, frame.data, frame.end);
        } else if (data !== undefined) {
          // Records are handed out one at a time so a full batch leaves mid-block, with a position inside it.
          for (const record of this.decodeBlock(offset, frame, data)) {
            this.batch.push(record);
            if (this.batch.length >= batchSize) {
              yield this.takeBatch();
              if (signal?.aborted) return;
            }
          }
        }
      } else {
        await this.recover(offset, frame);
      }
      if (this.batch.length >= batchSize) yield this.takeBatch();
    }
    if (this.batch.length > 0) yield this.takeBatch();
  }

  /** The records of one block from `skip` on; the position moves past each. */
  private *decodeBlock(offset: number, frame: Extract<Frame, { kind: 'block' }>, data: Buffer): Generator<SourceRecord> {
    const { type, resolver } = this.reader;
    let pos = 0;
    for (let i = 0; i < frame.count; i++) {
      let decoded: { value: unknown; offset: number } | undefined;
      let why: string | undefined;
      try {
        decoded = type.decode(data, pos, resolver);
        if (decoded.offset < 0) why = 'the block ends inside it';
      } catch (error) {
        why = errorMessage(error);
      }
      if (why !== undefined || decoded === undefined) {
        this.finishBlock(frame.end);
        if (i < this.skip) return;
        const n = ++this.records;
        const lost = frame.count - i - 1;
        yield {
          error: `record ${n} (block at byte ${offset}) cannot be decoded by the file's schema: ${why}; the ${lost} record${lost === 1 ? '' : 's'} after it in the block are lost with it`,
          where: `record ${n}`,
          raw: data.subarray(pos, pos + MAX_RAW_BYTES),
        };
        return;
      }
      const raw = data.subarray(pos, decoded.offset);
      pos = decoded.offset;
      if (i < this.skip) continue;
      if (i + 1 === frame.count) this.finishBlock(frame.end);
      else this.skip = i + 1;
      const n = ++this.records;
      yield { value: plainValue(decoded.value), where: `record ${n}`, raw };
    }
    this.finishBlock(frame.end);
  }

  private finishBlock(next: number): void {
    this.block = next;
    this.skip = 0;
  }

  /**
   * A block whose frame is wrong: reported, then reading resumes at the next block. When
   * its frame read fine but its sync marker is damaged, the next block may well start
   * right after it: that is tried first, before searching for the next marker.
   */
  private async recover(offset: number, frame: Frame): Promise<void> {
    const why =
      frame.kind === 'truncated' ? 'the file ends inside it, or its size is garbled' : frame.kind === 'garbled' ? frame.why : "its sync marker is not the file's";
    let next: number | undefined;
    if (frame.kind === 'block') {
      const after = await frameAt(this.window, frame.end, this.header.sync);
      if (frame.end === this.window.size || (after.kind === 'block' && after.syncOk)) next = frame.end;
    }
    if (next === undefined) {
      const marker = await findSync(this.window, offset + 1, this.header.sync);
      next = marker === undefined ? undefined : marker + this.header.sync.length;
    }
    const raw = await this.window.bytes(offset, Math.min(MAX_RAW_BYTES, (next ?? this.window.size) - offset));
    this.damaged(offset, why, raw, next);
  }

  /** One error record for a damaged block; reading resumes at `next`, or ends when there is none. */
  private damaged(offset: number, why: string, raw: Buffer, next: number | undefined): void {
    const then = next === undefined ? 'no block follows it: reading ends here' : `reading resumes at the next block (byte ${next})`;
    this.records++;
    this.batch.push({ error: `the block at byte ${offset} of ${this.o.path} is damaged: ${why}; its records are lost, ${then}`, where: `block at byte ${offset}`, raw: raw.subarray(0, MAX_RAW_BYTES) });
    this.finishBlock(next ?? this.window.size);
  }

  private takeBatch(): FileBatch {
    const records = this.batch;
    this.batch = [];
    return { records, position: { kind: 'avro', block: this.block, skip: this.skip, records: this.records, sync: this.sync } };
  }
}

/**
 * How records are decoded: resolved to the topic's type when it can read the file's
 * schema (another top-level record name is forgiven), by the file's own schema otherwise.
 */
function readerFor(header: AvroHeader, o: AvroReadOptions): Reader {
  let writer: Type;
  try {
    writer = parseAvroSchema(header.schema, { file: o.path }).type;
  } catch (error) {
    throw new FastdataError('FD_CONFIG_INVALID', `${o.path}: the Avro schema in its header does not parse: ${errorMessage(error)}`, { context: { file: o.path }, cause: error });
  }
  const target = o.type;
  if (target === undefined) return { type: writer };
  const attempts: Type[] = [writer];
  const schema = header.schema;
  if (typeof schema === 'object' && !Array.isArray(schema) && schema.type === 'record' && target.name !== undefined && schema.name !== target.name) {
    try {
      const { namespace: _, ...renamed } = schema;
      attempts.push(parseAvroSchema({ ...renamed, name: target.name }).type);
    } catch {
      // Renamed, it may clash with a nested type's name: the first attempt's error stands.
    }
  }
  let failure: unknown;
  for (const attempt of attempts) {
    try {
      return { type: target, resolver: target.createResolver(attempt, resolverOptions()) };
    } catch (error) {
      failure ??= error;
    }
  }
  o.onNotice(
    `${o.path}: its schema cannot be resolved to the topic's (${errorMessage(failure)}); its records are read by their own schema, and those that do not fit the topic's go to the dead-letter topic`,
  );
  return { type: writer };
}
