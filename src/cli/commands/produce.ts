/**
 * `fastdata produce <topic> [file]`: records from a file (CSV, JSON lines, Avro, Parquet:
 * the readers of the file sources, sources/file/) or JSON lines (or one JSON array) from
 * standard input into a topic, each record checked against the topic's registered schema.
 *
 * Where it writes: the log of the config directly (Kafka, or an embedded data dir no other
 * process holds); beside a running `fastdata dev`, which holds the embedded log, through that
 * process's `POST /api/ingest` (its address from `<dataDir>/server.json`, or `--url`).
 * Either way the same checks (sources/record-ingest.ts).
 *
 * Every good record is written; a bad one (not JSON, a field that does not fit the schema,
 * no usable key or time) is reported with its line and field, and the command exits 1 at the
 * end when there was one. A progress line every second on long inputs, a summary at the end.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import avsc from 'avsc';
import { openBackends } from '../../app/backends.js';
import { readServerAddress } from '../../app/server-address.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import { AvroSerde } from '../../schema/serde.js';
import { type FileFormat, formatOfPath } from '../../sources/file/formats.js';
import { readFileRecords } from '../../sources/file/read-file.js';
import { type IngestOptions, type IngestOutcome, RecordIngest } from '../../sources/record-ingest.js';
import type { SourceRecord } from '../../sources/source-record.js';
import { info } from '../output.js';

export interface ProduceOptions {
  dir: string;
  dataDir?: string;
  key?: string;
  time?: string;
  /** The server of a running `fastdata dev` to write through. Default: the one holding the data dir. */
  url?: string;
  /** The file's format; default from its extension. Standard input is JSON lines. */
  format?: FileFormat;
}

/** Records per write: one ingest request. */
const BATCH = 2000;

interface Target {
  where: string;
  send(records: unknown[]): Promise<IngestOutcome>;
  /** The topic's schema (latest registered version), which types CSV cells. */
  schema(): Promise<unknown>;
  close(): Promise<void>;
}

export async function produce(topic: string, file: string | undefined, options: ProduceOptions): Promise<void> {
  const ingestOptions: IngestOptions = { ...(options.key ? { key: options.key } : {}), ...(options.time ? { time: options.time } : {}), partial: true };
  const target = await openTarget(topic, ingestOptions, options);
  const started = performance.now();
  let accepted = 0;
  const bad: string[] = [];
  let badCount = 0;
  const report = (where: string, message: string) => {
    badCount++;
    if (bad.length < 20) bad.push(`${where}: ${message.startsWith(`${where},`) ? message.slice(where.length + 2) : message}`);
  };
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    info(`produce: ${accepted} records into ${topic} (${Math.round(accepted / seconds)}/s), ${badCount} bad`);
  }, 1000);
  try {
    let batch: unknown[] = [];
    let wheres: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const outcome = await target.send(batch);
      accepted += outcome.accepted;
      for (const r of outcome.rejected) report(wheres[r.index]!, r.message);
      batch = [];
      wheres = [];
    };
    for await (const records of inputRecords(file, options.format, target)) {
      for (const record of records) {
        if (record.value === undefined) {
          report(record.where, record.error ?? 'cannot be read');
          continue;
        }
        batch.push(record.value);
        wheres.push(record.where);
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
  } finally {
    clearInterval(progress);
    await target.close();
  }
  const seconds = (performance.now() - started) / 1000;
  info(`produce: ${accepted} records into ${topic} through ${target.where} in ${seconds.toFixed(1)} s (${Math.round(accepted / Math.max(seconds, 1e-3))}/s); ${badCount} bad`);
  for (const line of bad) info(`  ${line}`);
  if (badCount > bad.length) info(`  ... and ${badCount - bad.length} more`);
  if (badCount > 0) process.exitCode = 1;
}

/** The input in batches: a file through the file sources' readers, standard input as JSON lines. */
async function* inputRecords(file: string | undefined, format: FileFormat | undefined, target: Target): AsyncGenerator<SourceRecord[]> {
  if (file === undefined || file === '-') {
    yield* jsonLines(process.stdin);
    return;
  }
  await access(file, constants.R_OK).catch((error: unknown) => {
    throw new FastdataError('FD_ARGUMENT_INVALID', `[file]: cannot read ${file}: ${errorMessage(error)}`, { context: { field: 'file', cause: error } });
  });
  let chosen: FileFormat;
  try {
    chosen = format ?? formatOfPath(file);
  } catch (error) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `${errorMessage(error).replace('add `format:` to the source', 'give --format')}`, { context: { field: 'format' } });
  }
  const schema = await target.schema();
  const type = avsc.Type.forSchema(schema as avsc.Schema);
  for await (const batch of readFileRecords(file, { format: chosen, type, schema, batchSize: BATCH })) yield batch.records;
}

/** JSON lines from a stream (the first line may be one JSON array of records), `line N` for each. */
async function* jsonLines(input: NodeJS.ReadableStream): AsyncGenerator<SourceRecord[]> {
  let n = 0;
  let batch: SourceRecord[] = [];
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    n++;
    if (line.trim() === '') continue;
    const where = `line ${n}`;
    const raw = Buffer.from(line);
    try {
      const parsed: unknown = JSON.parse(line);
      for (const value of n === 1 && Array.isArray(parsed) ? parsed : [parsed]) batch.push({ value, where, raw });
    } catch (error) {
      batch.push({ error: `not JSON (${errorMessage(error)})`, where, raw });
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The log of the config, or the server of the process that holds it. */
async function openTarget(topic: string, ingestOptions: IngestOptions, options: ProduceOptions): Promise<Target> {
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides: options.dataDir ? { dataDir: options.dataDir } : {} });
  if (options.url === undefined) {
    try {
      const backends = await openBackends({ config, root, dataDir });
      const ingest = new RecordIngest({ log: backends.log, registry: backends.registry, serde: new AvroSerde(backends.registry), partitions: config.log.partitions });
      return {
        where: backends.description,
        send: (records) => ingest.ingest(topic, records, ingestOptions),
        schema: async () => JSON.parse((await ingest.encoderOf(topic)).schema.canonical) as unknown,
        close: () => backends.close(),
      };
    } catch (error) {
      if (!isFastdataError(error, 'FD_LOG_LOCKED')) throw error;
      const url = await readServerAddress(dataDir);
      if (url === undefined) {
        throw new FastdataError('FD_LOG_LOCKED', `${error.message}. That process serves no ingest address (${dataDir}/server.json); give its server with --url http://127.0.0.1:<port>`, {
          context: error.context,
        });
      }
      return httpTarget(url, topic, ingestOptions);
    }
  }
  return httpTarget(options.url, topic, ingestOptions);
}

/** A server with `server.tokens` takes the token in FASTDATA_CLIENT_TOKEN (of scope write). */
function authorization(): Record<string, string> {
  const token = process.env.FASTDATA_CLIENT_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}

function httpTarget(base: string, topic: string, ingestOptions: IngestOptions): Target {
  const query = new URLSearchParams({ partial: 'true', ...(ingestOptions.key ? { key: ingestOptions.key } : {}), ...(ingestOptions.time ? { time: ingestOptions.time } : {}) });
  const url = `${base.replace(/\/$/, '')}/api/ingest/${encodeURIComponent(topic)}?${query}`;
  return {
    where: `the server at ${base}`,
    async send(records) {
      for (;;) {
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization() }, body: JSON.stringify(records) });
        } catch (error) {
          throw new FastdataError('FD_ARGUMENT_INVALID', `cannot reach the fastdata server at ${base} (${errorMessage(error)}); is 'fastdata dev' running? Give its address with --url`, { context: { field: 'url' } });
        }
        const body = (await response.json().catch(() => ({}))) as { accepted?: number; rejected?: IngestOutcome['rejected']; error?: { code?: string; message?: string } };
        if (response.status === 202 || (response.status === 400 && body.rejected)) return { accepted: body.accepted ?? 0, rejected: body.rejected ?? [] };
        if (response.status === 429 || response.status === 503) {
          await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
          continue;
        }
        const hint = response.status === 401 || response.status === 403 ? ' (set FASTDATA_CLIENT_TOKEN to a token of scope write)' : '';
        throw new FastdataError((body.error?.code as never) ?? 'FD_ARGUMENT_INVALID', `${base} refused the records: ${body.error?.message ?? `HTTP ${response.status}`}${hint}`, { context: { topic } });
      }
    },
    async schema() {
      const subject = `${topic}-value`;
      const response = await fetch(`${base.replace(/\/$/, '')}/registry/subjects/${encodeURIComponent(subject)}/versions/latest`, { headers: authorization() }).catch((error: unknown) => {
        throw new FastdataError('FD_ARGUMENT_INVALID', `cannot reach the fastdata server at ${base} (${errorMessage(error)}); is 'fastdata dev' running? Give its address with --url`, { context: { field: 'url' } });
      });
      const body = (await response.json().catch(() => ({}))) as { schema?: string };
      if (response.status === 404 || body.schema === undefined) {
        throw new FastdataError('FD_SUBJECT_NOT_FOUND', `topic ${topic} has no schema (subject ${subject}) at ${base} to check records against: register one first`, { context: { topic, subject } });
      }
      return JSON.parse(body.schema) as unknown;
    },
    close: async () => {},
  };
}
