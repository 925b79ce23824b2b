/**
 * `fastdata produce <topic> [file]`: JSON lines (or one JSON array) from a file or standard
 * input into a topic, each record checked against the topic's registered schema.
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
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { openBackends } from '../../app/backends.js';
import { readServerAddress } from '../../app/server-address.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import { AvroSerde } from '../../schema/serde.js';
import { type IngestOptions, type IngestOutcome, RecordIngest } from '../../sources/record-ingest.js';
import { info } from '../output.js';

export interface ProduceOptions {
  dir: string;
  dataDir?: string;
  key?: string;
  time?: string;
  /** The server of a running `fastdata dev` to write through. Default: the one holding the data dir. */
  url?: string;
}

/** Records per write: one ingest request. */
const BATCH = 500;

interface Target {
  where: string;
  send(records: unknown[]): Promise<IngestOutcome>;
  close(): Promise<void>;
}

export async function produce(topic: string, file: string | undefined, options: ProduceOptions): Promise<void> {
  const ingestOptions: IngestOptions = { ...(options.key ? { key: options.key } : {}), ...(options.time ? { time: options.time } : {}), partial: true };
  const target = await openTarget(topic, ingestOptions, options);
  const started = performance.now();
  let accepted = 0;
  const bad: string[] = [];
  let badCount = 0;
  const report = (line: number, message: string) => {
    badCount++;
    if (bad.length < 20) bad.push(`line ${line}: ${message}`);
  };
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    info(`produce: ${accepted} records into ${topic} (${Math.round(accepted / seconds)}/s), ${badCount} bad`);
  }, 1000);
  try {
    let batch: unknown[] = [];
    let lines: number[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const outcome = await target.send(batch);
      accepted += outcome.accepted;
      for (const r of outcome.rejected) report(lines[r.index]!, r.message);
      batch = [];
      lines = [];
    };
    let n = 0;
    for await (const line of inputLines(file)) {
      n++;
      if (line.trim() === '') continue;
      let values: unknown[];
      try {
        const parsed: unknown = JSON.parse(line);
        values = n === 1 && Array.isArray(parsed) ? parsed : [parsed];
      } catch (error) {
        report(n, `not JSON (${errorMessage(error)})`);
        continue;
      }
      for (const value of values) {
        batch.push(value);
        lines.push(n);
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

async function* inputLines(file: string | undefined): AsyncGenerator<string> {
  const stream = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  if (file !== undefined && file !== '-') {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: Error) =>
        reject(new FastdataError('FD_ARGUMENT_INVALID', `[file]: cannot read ${file}: ${errorMessage(error)}`, { context: { field: 'file', cause: error } })),
      );
    });
  }
  yield* createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
}

/** The log of the config, or the server of the process that holds it. */
async function openTarget(topic: string, ingestOptions: IngestOptions, options: ProduceOptions): Promise<Target> {
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides: options.dataDir ? { dataDir: options.dataDir } : {} });
  if (options.url === undefined) {
    try {
      const backends = await openBackends({ config, root, dataDir });
      const ingest = new RecordIngest({ log: backends.log, registry: backends.registry, serde: new AvroSerde(backends.registry), partitions: config.log.partitions });
      return { where: backends.description, send: (records) => ingest.ingest(topic, records, ingestOptions), close: () => backends.close() };
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

function httpTarget(base: string, topic: string, ingestOptions: IngestOptions): Target {
  const query = new URLSearchParams({ partial: 'true', ...(ingestOptions.key ? { key: ingestOptions.key } : {}), ...(ingestOptions.time ? { time: ingestOptions.time } : {}) });
  const url = `${base.replace(/\/$/, '')}/api/ingest/${encodeURIComponent(topic)}?${query}`;
  return {
    where: `the server at ${base}`,
    async send(records) {
      for (;;) {
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
        } catch (error) {
          throw new FastdataError('FD_ARGUMENT_INVALID', `cannot reach the fastdata server at ${base} (${errorMessage(error)}); is 'fastdata dev' running? Give its address with --url`, { context: { field: 'url' } });
        }
        const body = (await response.json().catch(() => ({}))) as { accepted?: number; rejected?: IngestOutcome['rejected']; error?: { code?: string; message?: string } };
        if (response.status === 202 || (response.status === 400 && body.rejected)) return { accepted: body.accepted ?? 0, rejected: body.rejected ?? [] };
        if (response.status === 429 || response.status === 503) {
          await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
          continue;
        }
        throw new FastdataError((body.error?.code as never) ?? 'FD_ARGUMENT_INVALID', `${base} refused the records: ${body.error?.message ?? `HTTP ${response.status}`}`, { context: { topic } });
      }
    },
    close: async () => {},
  };
}
