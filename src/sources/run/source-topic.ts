/**
 * What every declared source does before its first record: settle its schema (the
 * declared .avsc, registered under `<topic>-value` so the registry's compatibility rules
 * apply; the topic's registered one; or one inferred from the first records), check the key
 * and time fields against it, and create its topic and dead-letter topic when missing.
 * The result is the source's writer (source-writer.ts).
 */
import { FastdataError, isFastdataError } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { type SchemaRegistry, valueSubject } from '../../schema/types.js';
import { writesDeadLetters } from '../declared/describe-source.js';
import type { SourceDeclaration } from '../declared/load-sources.js';
import { SourceWriter } from '../source-writer.js';

export interface SourceEnvironment {
  log: Log;
  registry: SchemaRegistry;
  serde: AvroSerde;
  /** The project root: file paths of declarations are relative to it. */
  root: string;
  /** Where sources keep their positions. */
  dataDir: string;
  /** Partitions of a topic a source creates, unless it says. */
  partitions: number;
  /** Something worth telling the operator (an inferred schema, a rotated file, a reconnect). */
  notice: (message: string) => void;
  now?: () => number;
}

/** The writer of `source`, its topics created; `inferred` is the schema inferred for a `schema: infer` source. */
export async function openSourceTopic(source: SourceDeclaration, env: SourceEnvironment, inferred?: object): Promise<SourceWriter> {
  const subject = valueSubject(source.topic);
  const avro = source.schema.from === 'file' ? source.schema.avro : source.schema.from === 'infer' ? inferred : await registeredSchema(source, env.registry);
  if (avro === undefined) throw new Error(`internal: ${source.name} has schema: infer and no inferred schema`);
  const fields = ((avro as { fields?: { name: string }[] }).fields ?? []).map((f) => f.name);
  for (const setting of ['key', 'time'] as const) {
    const field = source[setting];
    if (field !== undefined && !fields.includes(field)) {
      throw new FastdataError('FD_CONFIG_INVALID', `${source.definedIn} ${setting}: ${field} is not a field of the schema of ${source.topic} (its fields: ${fields.join(', ')})`, {
        context: { file: source.definedIn, field: setting },
      });
    }
  }
  let encoder;
  try {
    encoder = await env.serde.encoderFor(subject, avro, { autoRegister: source.schema.from !== 'registry' });
  } catch (error) {
    if (isFastdataError(error, 'FD_SCHEMA_INCOMPATIBLE')) {
      throw new FastdataError('FD_SCHEMA_INCOMPATIBLE', `${source.definedIn} schema: ${error.message}`, { context: { file: source.definedIn, field: 'schema' }, cause: error });
    }
    throw error;
  }
  // Dead letters say where in the input: `data/x.csv line 17`, `mqtt://broker:1883 plant/s-1/reading`.
  const origin = source.file?.path ?? source.mqtt?.url;
  await ensureTopic(env.log, source.topic, source.partitions ?? env.partitions);
  const retentionMs = (await env.log.describeTopic(source.topic))?.config.retentionMs;
  const writer = new SourceWriter({ log: env.log, name: source.name, topic: source.topic, encoder, key: source.key, time: source.time, origin, retentionMs, onWarning: env.notice, now: env.now });
  if (writesDeadLetters(source)) await ensureTopic(env.log, writer.deadLetterTopic, 1);
  return writer;
}

async function registeredSchema(source: SourceDeclaration, registry: SchemaRegistry): Promise<object> {
  const subject = valueSubject(source.topic);
  try {
    return JSON.parse((await registry.getLatest(subject)).schema) as object;
  } catch (error) {
    if (isFastdataError(error, 'FD_SUBJECT_NOT_FOUND') || isFastdataError(error, 'FD_SCHEMA_NOT_FOUND')) {
      throw new FastdataError(
        'FD_CONFIG_INVALID',
        `${source.definedIn}: ${source.topic} has no registered schema (subject ${subject}); give schema: an .avsc file of the project, or schema: infer`,
        { context: { file: source.definedIn, field: 'schema' }, cause: error },
      );
    }
    throw error;
  }
}

async function ensureTopic(log: Log, topic: string, partitions: number): Promise<void> {
  if (await log.describeTopic(topic)) return;
  try {
    await log.createTopic({ name: topic, partitions });
  } catch (error) {
    // Another process (a second worker, HTTP ingest) created it meanwhile.
    if (!(await log.describeTopic(topic))) throw error;
  }
}
