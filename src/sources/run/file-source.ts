/**
 * A `file` source: CSV, JSON lines, Avro object container files or Parquet
 * (sources/file/), read once or followed as it grows, at full speed or replayed by event
 * time (`replay.speed`), optionally retimed so recorded data arrives as if live and looped.
 *
 * Where it has read to is saved after the batches written (run/position-store.ts; at most
 * every 200 ms, and at the end and at stop), so a restarted process goes on from there: a
 * file read once is not read again, a followed file is not read from its beginning. After
 * a crash, what was written since the last save is read and written again (at least once).
 * A file that does not exist yet is waited for.
 *
 * Retiming (`replay.retime`): every event time is shifted so that the first record of
 * the file is now. A loop's next pass continues after the last record written, so event
 * time never goes back. The shift is saved with the position: a restart mid-pass keeps it.
 * At speeds above 1x, retimed event time runs ahead of the clock (an hour of recording
 * played at 60x ends an hour from now, after a minute).
 */
import { access, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { errorMessage } from '../../errors.js';
import { formatOfPath, type FileFormat } from '../file/formats.js';
import { paceByEventTime, parseSpeed } from '../file/pace.js';
import type { FilePosition } from '../file/position.js';
import { readFileRecords } from '../file/read-file.js';
import { timeOf } from '../record-check.js';
import type { SourceRecord } from '../source-record.js';
import type { SourceWriter, SourceWriterStats } from '../source-writer.js';
import { DeclaredSource } from './declared-source.js';
import { inferAvroSchema } from './infer-schema.js';
import { PositionStore } from './position-store.js';
import { openSourceTopic } from './source-topic.js';

/** What a file source saves after each batch. */
interface SavedPosition {
  /** Where the pass in progress has read to; absent at the start of a pass. */
  file?: FilePosition;
  /** Passes over the file completed (loop). */
  pass: number;
  /** The retime shift of the pass in progress (ms), once its first record is written. */
  shift?: number;
}

const WAIT_FOR_FILE_MS = 1000;
const SAVE_EVERY_MS = 200;
const INFER_SAMPLE = 1000;
const INFER_CSV_BYTES = 1024 * 1024;

export class FileSource extends DeclaredSource {
  private passes = 0;
  private read = 0;

  private get options() {
    return this.declaration.file!;
  }

  private get path(): string {
    return resolve(this.env.root, this.options.path);
  }

  private get format(): FileFormat {
    return this.options.format ?? formatOfPath(this.options.path);
  }

  protected override async open(signal: AbortSignal): Promise<SourceWriter> {
    if (this.declaration.schema.from !== 'infer') return openSourceTopic(this.declaration, this.env);
    await this.waitForFile(signal);
    const inferred = await this.infer(signal);
    this.env.notice(
      `source ${this.name}: schema inferred from the first records of ${this.options.path} and registered for ${this.topic}; ` +
        `save it as schemas/${this.topic}.avsc, set \`schema: schemas/${this.topic}.avsc\` in ${this.declaration.definedIn}, and edit it as needed:\n${JSON.stringify(inferred, null, 2)}`,
    );
    return openSourceTopic(this.declaration, this.env, inferred);
  }

  protected async run(writer: SourceWriter, signal: AbortSignal): Promise<void> {
    const store = new PositionStore<SavedPosition>(this.env.dataDir, this.name, `${this.options.path}|${this.format}`);
    let saved: SavedPosition = (await store.load()) ?? { pass: 0 };
    const replay = this.options.replay;
    const speed = parseSpeed(replay?.speed ?? 'max');
    const timeField = this.declaration.time;
    const originalTime = (value: unknown) => (timeField === undefined || value === undefined ? undefined : timeOf((value as Record<string, unknown>)[timeField]));
    const type = writer.type;
    let lastTime: number | undefined;
    let savedAt = 0;
    await this.waitForFile(signal);
    while (!signal.aborted) {
      this.passes = saved.pass;
      const batches = readFileRecords(this.path, {
        format: this.format,
        type,
        schema: writer.schema,
        ...(saved.file ? { from: saved.file } : {}),
        follow: this.options.follow ?? false,
        batchSize: 4000,
        signal,
        ...(this.options.csv ? { csv: this.options.csv } : {}),
        onNotice: (message) => this.env.notice(`source ${this.name}: ${message}`),
      });
      const pieces = speed === 'max' ? batches : paceByEventTime(batches, { speed, timeOf: originalTime, signal });
      for await (const piece of pieces) {
        let records = piece.records;
        if (replay?.retime && timeField !== undefined) {
          if (saved.shift === undefined) {
            const first = records.find((r) => originalTime(r.value) !== undefined);
            if (first) saved.shift = Math.max(Date.now(), (lastTime ?? 0) + 1) - originalTime(first.value)!;
          }
          if (saved.shift !== undefined) records = retime(records, timeField, saved.shift);
        }
        if (records.length > 0) await writer.write(records);
        this.read += records.length;
        for (const r of records) {
          const t = originalTime(r.value);
          if (t !== undefined) lastTime = t + (replay?.retime ? (saved.shift ?? 0) : 0);
        }
        if (piece.position) {
          saved = { ...saved, file: piece.position };
          // Saved at most every SAVE_EVERY_MS (and at the end): a crash re-reads at most that much, written again.
          if (Date.now() - savedAt >= SAVE_EVERY_MS) {
            await store.save(saved);
            savedAt = Date.now();
          }
        }
        if (signal.aborted) break;
      }
      await store.save(saved);
      if (signal.aborted || !replay?.loop) return;
      saved = { pass: saved.pass + 1 };
      await store.save(saved);
    }
  }

  protected override details(stats: SourceWriterStats): string {
    const how = this.options.follow ? 'followed' : this.options.replay?.loop ? `looped (pass ${this.passes + 1})` : 'read once';
    const pace = this.options.replay ? `, replay ${this.options.replay.speed}${this.options.replay.retime ? ' retimed' : ''}` : '';
    const dead = stats.deadLetters > 0 ? `, ${stats.deadLetters} dead letters` : '';
    return `${this.options.path} (${this.format}, ${how}${pace}), ${this.state}${dead}${this.lastError ? `: ${this.lastError}` : ''}`;
  }

  /** Resolves once the file exists (the state says what it waits for meanwhile), or on abort. */
  private async waitForFile(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await access(this.path);
        if (this.state === 'waiting') this.state = 'running';
        this.lastError = undefined;
        return;
      } catch {
        if (signal.aborted) return;
        if (this.state === 'running') this.state = 'waiting';
        this.lastError = `waiting for ${this.options.path} to exist`;
        await delay(WAIT_FOR_FILE_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** A schema from the first records: CSV cells are text, typed by what they read as; other formats carry their types. */
  private async infer(signal: AbortSignal): Promise<object> {
    let samples: Record<string, unknown>[];
    if (this.format === 'csv') {
      samples = await csvSample(this.path, this.options.csv?.delimiter, this.options.csv?.quote);
    } else {
      samples = [];
      for await (const batch of readFileRecords(this.path, { format: this.format, signal })) {
        for (const r of batch.records) if (r.value !== undefined && samples.length < INFER_SAMPLE) samples.push(r.value as Record<string, unknown>);
        if (samples.length >= INFER_SAMPLE) break;
      }
    }
    return inferAvroSchema(this.topic, samples, { fromText: this.format === 'csv' });
  }
}

/** Records with their time field shifted by `shift` ms, in the form it had (a number, or an ISO date). */
function retime(records: SourceRecord[], field: string, shift: number): SourceRecord[] {
  return records.map((record) => {
    const value = record.value as Record<string, unknown> | undefined;
    if (!value) return record;
    const t = value[field];
    const shifted = typeof t === 'number' ? t + shift : typeof t === 'string' && Number.isFinite(Date.parse(t)) ? new Date(Date.parse(t) + shift).toISOString() : t;
    return { ...record, value: { ...value, [field]: shifted } };
  });
}

/** The first records of a CSV file as objects of text, for inference. */
async function csvSample(path: string, delimiter: string | undefined, quote: string | undefined): Promise<Record<string, unknown>[]> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(INFER_CSV_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let text = buffer.subarray(0, bytesRead).toString('utf8');
    // Only whole lines: the sample may end mid-line.
    if (bytesRead === buffer.length) text = text.slice(0, text.lastIndexOf('\n') + 1);
    try {
      return parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, skip_records_with_error: true, to: INFER_SAMPLE, ...(delimiter ? { delimiter } : {}), ...(quote ? { quote } : {}) }) as Record<string, unknown>[];
    } catch (error) {
      throw new Error(`cannot infer a schema from ${path}: ${errorMessage(error)}`);
    }
  } finally {
    await handle.close();
  }
}
