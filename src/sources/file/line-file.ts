/**
 * Reads a CSV or JSON lines file as a stream of units (lines, or CSV records), in batches
 * with the position right after each batch. Never the whole file in memory: it reads
 * chunks at explicit offsets, and holds only the pending part of a line (or of an open
 * CSV record) between them.
 *
 * Resuming: a position names a byte offset at a line start, and the file's identity (its
 * inode and a hash of its first bytes). When the path holds another file, or a shorter
 * one, reading starts from the beginning with a notice instead of seeking into the middle
 * of unrelated bytes.
 *
 * Following (`follow`): at the end of the file it polls every `pollMs` for appended
 * bytes. A last line is handed out only once its line break has arrived, so a line
 * written in two pieces is read once, whole. A file that shrinks (truncated, as
 * `copytruncate` rotation does) is read again from the start; a path that now names
 * another inode (rotation by rename) is read to the end of the old file first, then
 * from the start of the new one. Each says so through `onNotice`, and emits `restart`
 * so a CSV reader takes the next line as a header. It ends when `signal` aborts.
 * Polling rather than fs.watch: watch events are not delivered on every file system
 * (network mounts, some containers), and a poll of a few hundred milliseconds costs one
 * fstat.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { openForReading, sleep } from './file-access.js';
import { type CsvQuoting, LineSplitter, type LineUnit } from './line-splitter.js';
import type { LinePosition } from './position.js';

/** Bytes read at once, at most, and at least (a growing file is read in small appends). */
const CHUNK_BYTES = 1024 * 1024;
const MIN_CHUNK_BYTES = 16 * 1024;
/** Bytes of the file's start hashed into a position: enough to tell two files apart, cheap to read again. */
const HEAD_BYTES = 1024;

export interface LineReadOptions {
  path: string;
  /** CSV cutting (quoted line breaks); absent for JSON lines. */
  csv?: CsvQuoting;
  /** Whether the first unit of the file is a header (CSV): it is handed out apart, also when resuming. */
  header: boolean;
  from?: LinePosition;
  follow: boolean;
  pollMs: number;
  batchSize: number;
  signal?: AbortSignal;
  onNotice: (message: string) => void;
}

export type LineEvent =
  /** The file's header unit: first of all, and first after each `restart`. */
  | { kind: 'header'; unit: LineUnit }
  | { kind: 'units'; units: LineUnit[]; position: LinePosition }
  /** Reading starts again from the beginning of a file (truncated, or replaced): its first unit is a header again. */
  | { kind: 'restart' };

type Change = 'grown' | 'truncated' | 'replaced' | 'aborted';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The units of the file, in batches of at most `batchSize`, each with the position after it. */
export async function* readLineEvents(options: LineReadOptions): AsyncGenerator<LineEvent> {
  const file = new LineFile(options, await openForReading(options.path));
  try {
    yield* file.events();
  } finally {
    await file.close();
  }
}

class LineFile {
  private ino = 0;
  /** Size of the file at the last look: reads ask for no more than what is there. */
  private size = 0;
  /** File offset of the next read. */
  private readOffset = 0;
  private records = 0;
  private headerPending: boolean;
  private readonly splitter: LineSplitter;
  private head: { length: number; hash: string } | undefined;

  constructor(
    private readonly o: LineReadOptions,
    private fh: FileHandle,
  ) {
    this.splitter = new LineSplitter(o.csv);
    this.headerPending = o.header;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  async *events(): AsyncGenerator<LineEvent> {
    const { signal, follow } = this.o;
    const stats = await this.fh.stat();
    this.ino = stats.ino;
    this.size = stats.size;
    const header = await this.resume();
    if (header) yield { kind: 'header', unit: header };
    const pending = { units: [] as LineUnit[] };
    for (;;) {
      if (signal?.aborted) return;
      const read = await this.readChunk();
      yield* this.drain(read === 0 && !follow, pending);
      if (read > 0) continue;
      if (pending.units.length > 0) yield await this.unitsEvent(pending.units);
      pending.units = [];
      if (!follow) return;
      const change = await this.waitForChange();
      if (change === 'aborted') return;
      if (change === 'grown') continue;
      if (change === 'replaced') {
        // Rotation by rename: what was appended to the old file before it moved is still
        // ours; its last line is complete now, whether or not it ends with a line break.
        for (let read = await this.readChunk(); ; read = await this.readChunk()) {
          yield* this.drain(read === 0, pending);
          if (read === 0) break;
        }
        if (pending.units.length > 0) yield await this.unitsEvent(pending.units);
        pending.units = [];
        this.o.onNotice(`${this.o.path} was replaced by a new file (rotated): reading the new file from its start`);
        await this.fh.close();
        this.fh = await openForReading(this.o.path);
        const stats = await this.fh.stat();
        this.ino = stats.ino;
        this.size = stats.size;
      } else {
        this.o.onNotice(`${this.o.path} was truncated (it now has ${this.size} bytes, ${this.readOffset} had been read): reading it again from the start`);
      }
      this.startOver();
      yield { kind: 'restart' };
    }
  }

  /**
   * The units the splitter has complete (`final`: nothing more will be read, so a last line
   * without a line break is complete too), as events: the header, then batches of
   * batchSize; what does not fill a batch stays in `pending`.
   */
  private async *drain(final: boolean, pending: { units: LineUnit[] }): AsyncGenerator<LineEvent> {
    for (let unit = this.splitter.next(final); unit !== undefined; unit = this.splitter.next(final)) {
      if (this.headerPending) {
        this.headerPending = false;
        yield { kind: 'header', unit };
        continue;
      }
      pending.units.push(unit);
      if (pending.units.length >= this.o.batchSize) {
        yield await this.unitsEvent(pending.units);
        pending.units = [];
        if (this.o.signal?.aborted) return;
      }
    }
  }

  /** Starts at `from` when it is a position in this file; otherwise at the beginning, saying why. The header to hand out first, when resuming past it. */
  private async resume(): Promise<LineUnit | undefined> {
    const from = this.o.from;
    if (from === undefined || from.bytes === 0) return undefined;
    const problem = await this.positionProblem(from);
    if (problem !== undefined) {
      this.o.onNotice(`${this.o.path}: ${problem}; reading it from the start`);
      return undefined;
    }
    if (!this.o.header) {
      this.startAt(from);
      return undefined;
    }
    const header = await this.headerUnit(from.bytes);
    if (header === undefined) {
      this.o.onNotice(`${this.o.path}: its header does not end before the position; reading it from the start`);
      return undefined;
    }
    this.headerPending = false;
    this.startAt(from);
    return header;
  }

  private startAt(from: LinePosition): void {
    this.readOffset = from.bytes;
    this.records = from.records;
    this.splitter.reset(from.bytes, from.line);
  }

  /** Why `from` is not a position in the file now at the path, or undefined. */
  private async positionProblem(from: LinePosition): Promise<string | undefined> {
    if (from.ino !== this.ino) return `the position was taken in another file (inode ${from.ino}, now ${this.ino})`;
    if (this.size < from.bytes) return `the file is shorter (${this.size} bytes) than the position (${from.bytes})`;
    if ((await this.headHash(from.bytes)) !== from.head) return 'its first bytes are not those the position was taken after (rewritten)';
    return undefined;
  }

  /** The file's first unit, when it ends at or before `limit`. */
  private async headerUnit(limit: number): Promise<LineUnit | undefined> {
    const splitter = new LineSplitter(this.o.csv);
    let offset = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(limit - offset, MIN_CHUNK_BYTES)));
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, offset);
      let data = chunk.subarray(0, bytesRead);
      if (offset === 0 && startsWithBom(data)) {
        splitter.reset(BOM.length, 0);
        data = data.subarray(BOM.length);
      }
      offset += bytesRead;
      if (bytesRead > 0) splitter.push(data);
      const unit = splitter.next(bytesRead === 0);
      if (unit) return splitter.consumed().bytes <= limit ? unit : undefined;
      if (bytesRead === 0 || offset > limit) return undefined;
    }
  }

  /** Reads what follows into the splitter; the number of bytes read, 0 at the end of the file. */
  private async readChunk(): Promise<number> {
    const length = Math.min(CHUNK_BYTES, Math.max(this.size - this.readOffset, MIN_CHUNK_BYTES));
    const chunk = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.fh.read(chunk, 0, length, this.readOffset);
    if (bytesRead === 0) return 0;
    let data = chunk.subarray(0, bytesRead);
    if (this.readOffset === 0 && startsWithBom(data)) {
      // A byte order mark is no part of the first line (Excel writes one in front of CSV).
      this.splitter.reset(BOM.length, 0);
      data = data.subarray(BOM.length);
    }
    this.readOffset += bytesRead;
    if (this.readOffset > this.size) this.size = this.readOffset;
    this.splitter.push(data);
    return bytesRead;
  }

  private async unitsEvent(units: LineUnit[]): Promise<LineEvent> {
    const { bytes, line } = this.splitter.consumed();
    this.records += units.length;
    return { kind: 'units', units, position: { kind: 'lines', bytes, line, records: this.records, ino: this.ino, head: await this.headHash(bytes) } };
  }

  /** Hash of the first min(bytes, HEAD_BYTES) bytes of the file, read once per length. */
  private async headHash(bytes: number): Promise<string> {
    const length = Math.min(bytes, HEAD_BYTES);
    if (this.head?.length !== length) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await this.fh.read(buffer, 0, length, 0);
      this.head = { length, hash: createHash('sha1').update(buffer.subarray(0, bytesRead)).digest('hex').slice(0, 16) };
    }
    return this.head.hash;
  }

  /** Polls until the file grows, shrinks or is replaced at its path, or `signal` aborts. */
  private async waitForChange(): Promise<Change> {
    const { signal, path, pollMs } = this.o;
    for (;;) {
      await sleep(pollMs, signal);
      if (signal?.aborted) return 'aborted';
      // A path briefly missing (between the rename and the creation of the new file) is no change yet.
      const atPath = await stat(path).catch(() => undefined);
      if (atPath !== undefined && atPath.ino !== this.ino) return 'replaced';
      const { size } = await this.fh.stat();
      if (size < this.readOffset) {
        this.size = size;
        return 'truncated';
      }
      if (size > this.readOffset) {
        this.size = size;
        return 'grown';
      }
    }
  }

  /** Back to the start of the file: nothing pending, the next unit is a header again. */
  private startOver(): void {
    this.readOffset = 0;
    this.splitter.reset(0, 0);
    this.headerPending = this.o.header;
    this.head = undefined;
  }
}

function startsWithBom(data: Buffer): boolean {
  return data.length >= BOM.length && data[0] === BOM[0] && data[1] === BOM[1] && data[2] === BOM[2];
}
