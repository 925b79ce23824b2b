/**
 * `fastdata schema infer <topic|file.jsonl>`: proposes an Avro schema from JSON samples
 * (a topic's records, decoded, or the lines of a file) and prints it to stdout as .avsc
 * JSON; notes on what to review go to stderr.
 */
import { relative, resolve } from 'node:path';
import { loadProjectConfig } from '../../config/project-config.js';
import { validateTopicName } from '../../log/validate.js';
import { parseAvroSchema } from '../../schema/avro.js';
import { inferSchema, nameFromSource } from '../../schema/tools/infer-schema.js';
import { type SourceRecord, isFileSource, readJsonLines } from '../../schema/tools/json-lines.js';
import { readTopicSnapshot } from '../../tools/schema/topic-records.js';
import { info, writeLine } from '../output.js';

export interface SchemaInferOptions {
  dir: string;
  dataDir?: string;
  name?: string;
  namespace?: string;
  limit: number;
}

export const DEFAULT_INFER_LIMIT = 1000;

/** The records of a topic or a .jsonl file (relative to the working directory, as a shell user means it). */
export async function readSource(source: string, options: { dir: string; dataDir?: string }, limit?: number): Promise<{ records: SourceRecord[]; skipped: number }> {
  if (isFileSource(source)) {
    return { records: await readJsonLines(resolve(source), relative(process.cwd(), resolve(source)) || source, limit), skipped: 0 };
  }
  validateTopicName(source);
  const loaded = await loadProjectConfig({ dir: options.dir, overrides: options.dataDir ? { dataDir: options.dataDir } : {} });
  return readTopicSnapshot(loaded, source, limit);
}

export async function schemaInfer(source: string, options: SchemaInferOptions): Promise<void> {
  const { records, skipped } = await readSource(source, options, options.limit);
  if (skipped > 0) info(`${source}: skipped ${skipped} record${skipped === 1 ? '' : 's'} that were tombstones or neither Avro the registry knows nor JSON`);
  const { schema, notes, samples } = inferSchema(
    records.map((r) => r.value),
    { name: options.name ?? nameFromSource(source), ...(options.namespace ? { namespace: options.namespace } : {}), source },
  );
  // What is printed must be a schema fastdata accepts; a failure here is a bug of infer.
  parseAvroSchema(schema);
  await writeLine(JSON.stringify(schema, null, 2));
  info(`inferred from ${samples} sample${samples === 1 ? '' : 's'} of ${source}${samples === options.limit ? ` (the first ${options.limit}: --limit)` : ''}`);
  for (const note of notes) info(`  note: ${note}`);
}
