/**
 * `defineStream`: how a model author declares a stream module — its inputs, its output
 * topic and schema, its event time, and its RxJS pipeline. Validated here, once, with
 * every problem reported together; the runtime and the test driver take the result.
 */
import type { Observable } from 'rxjs';
import { FastdataError } from '../errors.js';
import type { Table } from './ops/table.js';
import { unknownKeyMessage } from '../config/nearest-name.js';
import { validateTopicName } from '../log/validate.js';
import { resolveSinks, sinksProblems, type SinksSpec } from './sink-spec.js';
import { type Duration, toMillis } from '../time/duration.js';
import { DEFAULT_MAX_COMMIT_INTERVAL } from './host/commit-policy.js';

export interface InputSpec<T> {
  topic: string;
  /** Event time of a record of this input, overriding the module's `eventTime`. */
  eventTime?: (record: T) => number;
}

export interface OutputSpec<Out> {
  topic: string;
  /** Path of the Avro schema (`.avsc`), relative to the project root, or the schema itself. */
  schema: string | object;
  /** The entity a record is about: its Kafka key, hence its partition. */
  key: (record: Out) => string | number;
  /** Partitions when the runtime creates the topic. Default: the project's default. */
  partitions?: number;
  /** How long the log keeps output records. Default: 7 days. */
  retention?: Duration;
  /**
   * Stores that also receive the output, each as a consumer group of its own on the output
   * topic, active where the project configures them (`fastdata run` with a `cassandra`
   * section); `fastdata dev` ignores them. See docs/cassandra.md.
   */
  sinks?: SinksSpec;
}

export interface WatermarkOptions {
  /** How far behind the highest event time records may arrive without being late. Default 0. */
  lateness?: Duration;
  /** After this long without records (processing time), an input's watermark follows the wall clock. Default 30s. */
  idleTimeout?: Duration;
  /**
   * How far ahead of the processor's clock a record's event time may be. A record further
   * ahead (a sensor whose clock says 2036) goes to the dead-letter topic with reason
   * `future-event-time` and moves no watermark. Default 5m (DEFAULT_MAX_FUTURE_SKEW).
   */
  maxFutureSkew?: Duration;
}

/**
 * The default of `watermark.maxFutureSkew`: far above the skew of a clock that is set at
 * all (NTP: milliseconds; a free-running quartz clock drifts about a second a day), below
 * every time-zone or DST mistake (30 minutes or more), and a bound on the damage of a record
 * it lets through: one ahead by d makes its partition's records late for up to d (less the
 * lateness). Replays and backfills are in the past and never reach it.
 */
export const DEFAULT_MAX_FUTURE_SKEW = '5m';

export type Inputs<In> = { [K in keyof In]: Observable<In[K]> };
/** The tables a pipeline joins with (`joinTable`), by alias. */
export type Tables<Tb> = { [K in keyof Tb]: Table<Tb[K]> };

export interface TableSpec {
  /**
   * A compacted topic keyed by the join key, with as many partitions as the inputs (the
   * table's partition p is read beside the inputs' partition p). Its latest value per key is the row.
   */
  topic: string;
}

export interface StreamDefinition<In extends Record<string, unknown>, Out, Tb extends Record<string, unknown> = Record<string, never>> {
  /** Lower-case letters, digits and '-': it names the consumer group and the internal topics. */
  name: string;
  /** Markdown, shown in the catalog. */
  doc?: string;
  inputs: { [K in keyof In]: string | InputSpec<In[K]> };
  /** Topics read as tables (the latest value per key), which `joinTable` looks records up in. */
  tables?: { [K in keyof Tb]: string | TableSpec };
  output: OutputSpec<Out>;
  /** Event time of an input record, milliseconds since the epoch. Default: the log record's timestamp. */
  eventTime?: (record: In[keyof In]) => number;
  watermark?: WatermarkOptions;
  pipeline: (inputs: Inputs<In>, tables: Tables<Tb>) => Observable<Out>;
  /** Least time between two checkpoints (outputs, changelog, offsets). Default 200ms. */
  commitInterval?: Duration;
  /**
   * Longest time between two checkpoints while there is work. Between the two, the interval
   * stretches under load so that checkpoints take at most a fifth of the time (see the
   * README's Guarantees). Default: 2 s, or commitInterval if longer; equal to commitInterval: a fixed interval.
   */
  maxCommitInterval?: Duration;
}

export interface ResolvedInput {
  alias: string;
  topic: string;
  eventTime: ((record: unknown) => number) | undefined;
}

export interface ResolvedTable {
  alias: string;
  topic: string;
}

export interface ResolvedOutput<Out> {
  readonly topic: string;
  readonly schema: string | object;
  // Method syntax on purpose: it lets any module be passed where a StreamModule of
  // unknown records is expected (the runner, the driver), as the runtime checks records.
  key(record: Out): string | number;
  readonly partitions: number | undefined;
  readonly retentionMs: number | undefined;
  readonly sinks: Readonly<SinksSpec>;
}

/** A validated stream module: what `defineStream` returns and the runtime runs. */
export interface StreamModule<In extends Record<string, unknown> = Record<string, unknown>, Out = unknown, Tb extends Record<string, unknown> = Record<string, unknown>> {
  readonly kind: 'fastdata.stream';
  readonly name: string;
  readonly doc: string;
  readonly inputs: readonly ResolvedInput[];
  readonly tables: readonly ResolvedTable[];
  readonly output: ResolvedOutput<Out>;
  readonly lateness: number;
  readonly idleTimeout: number;
  /** Milliseconds an event time may be ahead of the processor's clock. */
  readonly maxFutureSkew: number;
  readonly commitInterval: number;
  readonly maxCommitInterval: number;
  pipeline(inputs: Inputs<In>, tables: Tables<Tb>): Observable<Out>;
  /** Topic names fastdata derives for the module. */
  readonly topics: Readonly<{ changelog: string; deadLetter: string }>;
  readonly groupId: string;
}

/** The keys each part of a definition may have: a misspelt one is refused at load, with the nearest (`commitIntervall` → commitInterval). */
const KEYS = {
  definition: ['name', 'doc', 'inputs', 'tables', 'output', 'eventTime', 'watermark', 'pipeline', 'commitInterval', 'maxCommitInterval'],
  input: ['topic', 'eventTime'],
  table: ['topic'],
  output: ['topic', 'schema', 'key', 'partitions', 'retention', 'sinks'],
  watermark: ['lateness', 'idleTimeout', 'maxFutureSkew'],
} as const;

/** A problem per key of `value` that is not in `known`, named by its path. */
function unknownKeys(value: unknown, known: readonly string[], path: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => `${path ? `${path}.` : ''}${key}: ${unknownKeyMessage(key, known)}`);
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ALIAS = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function internalTopics(name: string) {
  return { changelog: `fastdata.${name}.changelog`, deadLetter: `fastdata.${name}.dlq` };
}

export function defineStream<In extends Record<string, unknown>, Out, Tb extends Record<string, unknown> = Record<string, never>>(
  definition: StreamDefinition<In, Out, Tb>,
): StreamModule<In, Out, Tb> {
  const problems: string[] = [];
  const d = (definition ?? {}) as Partial<StreamDefinition<In, Out, Tb>>;
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };

  problems.push(...unknownKeys(d, KEYS.definition, ''));
  problems.push(...unknownKeys(d.output, KEYS.output, 'output'));
  problems.push(...unknownKeys(d.watermark, KEYS.watermark, 'watermark'));
  check(d.watermark === undefined || (typeof d.watermark === 'object' && d.watermark !== null), 'watermark: an object such as { lateness: \'5s\', idleTimeout: \'30s\' }');
  check(typeof d.name === 'string' && NAME.test(d.name), `name: ${JSON.stringify(d.name)} must be lower-case letters, digits and '-', starting with a letter (e.g. 'sensor-stats')`);
  check(d.doc === undefined || typeof d.doc === 'string', 'doc: must be a markdown string');
  check(typeof d.pipeline === 'function', 'pipeline: must be a function from the input streams to the output stream');
  check(d.eventTime === undefined || typeof d.eventTime === 'function', 'eventTime: must be a function from an input record to milliseconds since the epoch');

  const inputs: ResolvedInput[] = [];
  if (d.inputs === null || typeof d.inputs !== 'object' || Object.keys(d.inputs).length === 0) {
    problems.push("inputs: name at least one input topic, e.g. inputs: { readings: 'sensor.readings' }");
  } else {
    for (const [alias, spec] of Object.entries(d.inputs as Record<string, string | InputSpec<unknown>>)) {
      check(ALIAS.test(alias), `inputs.${alias}: the alias must be a JavaScript identifier`);
      const topic = typeof spec === 'string' ? spec : spec?.topic;
      const eventTime = typeof spec === 'object' && spec !== null ? spec.eventTime : undefined;
      problems.push(...unknownKeys(spec, KEYS.input, `inputs.${alias}`));
      attempt(() => validateTopicName(topic));
      check(eventTime === undefined || typeof eventTime === 'function', `inputs.${alias}.eventTime: must be a function`);
      inputs.push({ alias, topic: String(topic), eventTime: eventTime as ResolvedInput['eventTime'] });
    }
    const topics = inputs.map((i) => i.topic);
    check(new Set(topics).size === topics.length, `inputs: a topic is named twice (${topics.join(', ')}); read it once and share the stream in the pipeline`);
  }

  const tables: ResolvedTable[] = [];
  if (d.tables !== undefined && (d.tables === null || typeof d.tables !== 'object' || Array.isArray(d.tables))) {
    problems.push("tables: an object of aliases and topics, e.g. tables: { metadata: 'sensor.metadata' }");
  } else {
    for (const [alias, spec] of Object.entries((d.tables ?? {}) as Record<string, string | TableSpec>)) {
      check(ALIAS.test(alias), `tables.${alias}: the alias must be a JavaScript identifier`);
      check(!inputs.some((i) => i.alias === alias), `tables.${alias}: an input has the same alias; give the table another`);
      const topic = typeof spec === 'string' ? spec : spec?.topic;
      problems.push(...unknownKeys(spec, KEYS.table, `tables.${alias}`));
      attempt(() => validateTopicName(topic));
      check(!inputs.some((i) => i.topic === topic), `tables.${alias}: ${String(topic)} is also an input; read a topic either as a stream or as a table`);
      tables.push({ alias, topic: String(topic) });
    }
  }

  const output = d.output;
  let retentionMs: number | undefined;
  if (output === null || typeof output !== 'object') {
    problems.push("output: give { topic, schema, key }, e.g. { topic: 'sensor.stats', schema: 'schemas/sensor-stats.avsc', key: (s) => s.sensorId }");
  } else {
    attempt(() => validateTopicName(output.topic));
    check(typeof output.schema === 'string' || (typeof output.schema === 'object' && output.schema !== null), 'output.schema: the path of an .avsc file, or an Avro schema object');
    check(typeof output.key === 'function', 'output.key: a function from an output record to its key (the entity it is about)');
    check(
      output.partitions === undefined || (Number.isInteger(output.partitions) && output.partitions >= 1),
      `output.partitions: a whole number >= 1, got ${JSON.stringify(output.partitions)}`,
    );
    if (output.retention !== undefined) retentionMs = attempt(() => toMillis(output.retention, { what: 'output.retention' }));
    check(!inputs.some((i) => i.topic === output.topic), `output.topic: ${output.topic} is also an input; a module cannot read its own output`);
    check(!tables.some((t) => t.topic === output.topic), `output.topic: ${output.topic} is also a table; a module cannot read its own output`);
    problems.push(...sinksProblems(output.sinks));
  }

  const lateness = attempt(() => toMillis(d.watermark?.lateness ?? 0, { what: 'watermark.lateness', allowZero: true })) ?? 0;
  const idleTimeout = attempt(() => toMillis(d.watermark?.idleTimeout ?? '30s', { what: 'watermark.idleTimeout' })) ?? 0;
  const maxFutureSkew = attempt(() => toMillis(d.watermark?.maxFutureSkew ?? DEFAULT_MAX_FUTURE_SKEW, { what: 'watermark.maxFutureSkew' })) ?? 0;
  const commitInterval = attempt(() => toMillis(d.commitInterval ?? 200, { what: 'commitInterval' })) ?? 0;
  const maxCommitInterval = attempt(() => toMillis(d.maxCommitInterval ?? DEFAULT_MAX_COMMIT_INTERVAL, { what: 'maxCommitInterval' })) ?? 0;

  if (problems.length > 0) {
    const label = typeof d.name === 'string' ? `stream ${d.name}` : 'stream definition';
    throw new FastdataError('FD_STREAM_DEFINITION_INVALID', `${label} is not valid:\n  - ${problems.join('\n  - ')}`, {
      context: { stream: typeof d.name === 'string' ? d.name : undefined },
    });
  }

  const name = d.name!;
  const defaultEventTime = d.eventTime as ((record: unknown) => number) | undefined;
  return Object.freeze({
    kind: 'fastdata.stream' as const,
    name,
    doc: d.doc ?? '',
    inputs: Object.freeze(inputs.map((i) => Object.freeze({ ...i, eventTime: i.eventTime ?? defaultEventTime }))),
    tables: Object.freeze(tables.map((t) => Object.freeze(t))),
    output: Object.freeze({
      topic: output!.topic,
      schema: output!.schema,
      key: output!.key,
      partitions: output!.partitions,
      retentionMs,
      sinks: resolveSinks(output!.sinks),
    }),
    lateness,
    idleTimeout,
    maxFutureSkew,
    commitInterval,
    maxCommitInterval: Math.max(commitInterval, maxCommitInterval),
    pipeline: d.pipeline!,
    topics: Object.freeze(internalTopics(name)),
    groupId: `fastdata.${name}`,
  });
}

export function isStreamModule(value: unknown): value is StreamModule {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'fastdata.stream';
}
