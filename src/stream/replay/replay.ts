/**
 * Replay: runs a module's pipeline (the code of its file as it is now) over a time range of
 * its inputs' history and writes what it emits to a separate topic, so `fastdata diff`
 * can compare it with the live output before the new version replaces the old one.
 *
 * It touches nothing of the live module: no consumer group (the inputs are read with plain
 * readers, so no offsets are committed), no changelog (each partition's task starts with
 * empty state in memory and is thrown away at the end), no dead-letter topic (dead letters
 * are counted, not written). Per input partition, one task reads the records in offset
 * order, as the live runner does, so a deterministic pipeline given the same records gives
 * the same windows. A module with several inputs gets them merged by record timestamp.
 *
 * The watermark comes from the records only (nothing is idle in a replay), so windows
 * still open when the range ends are not emitted: they are counted in `openAtEnd`.
 *
 * It is bounded, so it can run inside a process whose modules keep running (`fastdata dev`,
 * through POST /api/replay, serve/replay/): the range ends at the end offsets the inputs had
 * when it started, it holds one partition's state and at most PRODUCE_BATCH output records at
 * a time, it gives the event loop back after every batch, and `signal` stops it between records.
 */
import { FastdataError, errorMessage } from '../../errors.js';
import type { Log, LogRecord, ProduceRecord } from '../../log/types.js';
import { validateTopicName } from '../../log/validate.js';
import { readSchemaSource } from '../../schema/schema-file.js';
import type { AvroEncoder, AvroSerde } from '../../schema/serde.js';
import { valueSubject } from '../../schema/types.js';
import type { StreamModule } from '../../stream/define.js';
import type { DeadLetter, DeadLetterReason } from '../../stream/host/dead-letters.js';
import { TaskEventTime } from '../../stream/host/event-time.js';
import { moduleTimeSpec } from '../../stream/module-time.js';
import { OutputStage, isDeadLetter } from '../../stream/output-stage.js';
import { StreamTask } from '../../stream/task.js';
import { systemClock } from '../../time/clock.js';
import { mergeByTimestamp, readRange } from './replay-reader.js';

export interface ReplayOptions {
  log: Log;
  serde: AvroSerde;
  /** Where the module's schema path is resolved. */
  root: string;
  module: StreamModule;
  /** The topic the replay writes; not the module's output, not one of its inputs. */
  output: string;
  /** Records from this time (log timestamp, ms), inclusive. */
  from: number;
  /** Records before this time, exclusive. Default: up to the end offsets when the replay starts. */
  to?: number;
  /** Partitions of the output topic when neither the module nor its live output say. */
  defaultPartitions: number;
  /** Told after every batch of outputs and at the end of every partition. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Stops the replay between records (FD_REPLAY_ABORTED); what was written stays in the output topic. */
  signal?: AbortSignal;
}

/** Where a replay is: the partition it reads and the counts so far. */
export interface ReplayProgress {
  partition: number;
  partitions: number;
  /** Input records read so far, over every partition. */
  read: number;
  outputs: number;
}

export interface ReplayResult {
  /** Input records read, per topic. */
  read: Record<string, number>;
  outputs: number;
  deadLetters: Partial<Record<DeadLetterReason, number>>;
  /** Windows and keyed states still held when the range ended (not emitted). */
  openAtEnd: number;
  partitions: number;
}

const PRODUCE_BATCH = 1_000;

/** Checks the arguments, creates the output topic, replays every partition. */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { log, module: m } = options;
  const partitions = await checkReplay(options);
  const schema = await readSchemaSource(m.output.schema, options.root, { stream: m.name });
  // Registered under `<output>-value`, so the replay topic decodes like any output.
  const encoder = await options.serde.encoderFor(valueSubject(options.output), schema);
  const live = await log.describeTopic(m.output.topic);
  await log.createTopic({ name: options.output, partitions: m.output.partitions ?? live?.partitions ?? options.defaultPartitions });

  const result: ReplayResult = { read: Object.fromEntries(m.inputs.map((i) => [i.topic, 0])), outputs: 0, deadLetters: {}, openAtEnd: 0, partitions };
  const ranges = await Promise.all(m.inputs.map(async (input) => ({ input, ...(await offsetRange(log, input.topic, options.from, options.to)) })));
  for (let partition = 0; partition < partitions; partition++) {
    await replayPartition(options, encoder, partition, ranges, result);
    report(options, partition, result);
  }
  return result;
}

function report(options: ReplayOptions, partition: number, result: ReplayResult): void {
  const read = Object.values(result.read).reduce((a, b) => a + b, 0);
  options.onProgress?.({ partition, partitions: result.partitions, read, outputs: result.outputs });
}

function checkAborted(options: ReplayOptions): void {
  if (options.signal?.aborted) {
    throw new FastdataError('FD_REPLAY_ABORTED', `the replay of ${options.module.name} into ${options.output} was stopped (${errorMessage(options.signal.reason ?? 'aborted')}); the records written so far stay in ${options.output}`, {
      context: { stream: options.module.name, topic: options.output },
    });
  }
}

/** Lets the live work of the process (other modules, HTTP) run between batches of the replay. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The input partition count; throws, naming the argument, what makes the replay impossible. */
export async function checkReplay(options: ReplayOptions): Promise<number> {
  const { log, module: m, output } = options;
  validateTopicName(output);
  if (!Number.isFinite(options.from)) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `--from: ${String(options.from)} is not a time; give ISO 8601, epoch ms or -10m`, { context: { field: '--from' } });
  }
  const refuse = (message: string) => {
    throw new FastdataError('FD_ARGUMENT_INVALID', `--output ${output}: ${message}`, { context: { field: '--output' } });
  };
  if (output === m.output.topic) refuse(`that is ${m.name}'s own output; give the replay a topic of its own, e.g. ${m.output.topic}.replay`);
  if (m.inputs.some((i) => i.topic === output)) refuse(`that is an input of ${m.name}; give the replay a topic of its own, e.g. ${m.output.topic}.replay`);
  if (output === m.topics.changelog || output === m.topics.deadLetter) refuse(`that is an internal topic of ${m.name}`);
  if (options.to !== undefined && options.to <= options.from) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `--to (${new Date(options.to).toISOString()}) must be after --from (${new Date(options.from).toISOString()})`, { context: { field: '--to' } });
  }
  const existing = await log.describeTopic(output);
  if (existing) {
    const records = (await log.offsets(output)).reduce((n, o) => n + o.end - o.start, 0);
    if (records > 0) refuse(`the topic exists and holds ${records} records; a replay writes to a new or empty topic: choose another name, or delete the topic`);
  }
  const described = await Promise.all(m.inputs.map((i) => log.describeTopic(i.topic)));
  const missing = m.inputs.filter((_, i) => !described[i]).map((i) => i.topic);
  if (missing.length > 0) {
    throw new FastdataError('FD_TOPIC_NOT_FOUND', `${m.name}: its input ${missing.join(', ')} does not exist in this log, so there is no history to replay; check --data-dir or the log config`, {
      context: { stream: m.name, topic: missing[0] },
    });
  }
  const counts = new Set(described.map((d) => d!.partitions));
  if (counts.size > 1) throw new FastdataError('FD_STREAM_DEFINITION_INVALID', `${m.name}: its inputs have different partition counts, which a task cannot read together`);
  return described[0]!.partitions;
}

/** Per partition: the first offset at or after `from`, and the first at or after `to` (or the end now). */
async function offsetRange(log: Log, topic: string, from: number, to: number | undefined): Promise<{ start: Map<number, number>; end: Map<number, number> }> {
  const start = new Map((await log.offsetsForTime(topic, from)).map((o) => [o.partition, o.offset]));
  const end =
    to === undefined
      ? new Map((await log.offsets(topic)).map((o) => [o.partition, o.end]))
      : new Map((await log.offsetsForTime(topic, to)).map((o) => [o.partition, o.offset]));
  return { start, end };
}

async function replayPartition(
  options: ReplayOptions,
  encoder: AvroEncoder,
  partition: number,
  ranges: { input: StreamModule['inputs'][number]; start: Map<number, number>; end: Map<number, number> }[],
  result: ReplayResult,
): Promise<void> {
  const { log, serde, module: m, output } = options;
  let buffer: ProduceRecord[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const records = buffer;
    buffer = [];
    await log.produce(output, records);
  };
  const count = (letter: DeadLetter) => {
    result.deadLetters[letter.reason] = (result.deadLetters[letter.reason] ?? 0) + 1;
  };
  // The live runner's output stage and event time: the same record gives the same output.
  const stage = new OutputStage(m, (value) => encoder.encode(value), encoder.type);
  const task = new StreamTask(m, partition, systemClock, {
    output(value, timestamp) {
      const staged = stage.accept(value);
      if (isDeadLetter(staged)) return count(staged);
      buffer.push({ key: staged.key, value: staged.value, timestamp: Number.isFinite(timestamp) ? timestamp : Date.now() });
      result.outputs++;
    },
    deadLetter: count,
    warn: () => undefined,
  });
  task.start();
  const time = new TaskEventTime(moduleTimeSpec(m), m.inputs.map((i) => ({ topic: i.topic, partition })), systemClock);
  const aliasOf = new Map(m.inputs.map((i) => [i.topic, i.alias]));
  const readers = ranges.map(({ input, start, end }) => readRange(log, input.topic, partition, start.get(partition) ?? 0, end.get(partition) ?? 0));
  let sinceYield = 0;
  try {
    for await (const record of mergeByTimestamp(readers)) {
      checkAborted(options);
      result.read[record.topic] = (result.read[record.topic] ?? 0) + 1;
      if (record.value === null) continue;
      const value = await decode(serde, record, count);
      if (value === undefined) continue;
      const lane = time.lane(record.topic, partition)!;
      const eventTime = lane.eventTime(value.decoded, record);
      if (typeof eventTime === 'string') {
        count({ reason: 'event-time', message: eventTime, source: record });
        continue;
      }
      // As the live host does: a record dated further ahead of the clock than maxFutureSkew is refused and moves nothing.
      const now = systemClock.now();
      if (eventTime > time.horizon(now)) {
        count({ ...time.future(eventTime, now), source: record });
        continue;
      }
      task.process(aliasOf.get(record.topic)!, value.decoded, record, eventTime);
      // Nothing is idle in a replay: only records move the watermark (receivedAt: now, so no input counts as idle).
      const watermark = lane.observe(eventTime, systemClock.now());
      if (watermark !== undefined) task.advanceWatermark(watermark);
      if (buffer.length >= PRODUCE_BATCH) await flush();
      if (++sinceYield >= PRODUCE_BATCH) {
        sinceYield = 0;
        // Asynchronous steps (mapAsync, model scoring): at most a batch in flight.
        await task.settle(PRODUCE_BATCH);
        report(options, partition, result);
        await yieldToEventLoop();
      }
    }
    // Every record's outputs, including those of asynchronous steps still in flight, before the last write.
    await task.settle();
    await flush();
    for (const [, store] of task.ctx.storeEntries()) result.openAtEnd += store.size;
  } finally {
    task.stop();
  }
}

async function decode(serde: AvroSerde, record: LogRecord, deadLetter: (letter: DeadLetter) => void): Promise<{ decoded: unknown } | undefined> {
  try {
    return { decoded: await serde.decode(record.value!) };
  } catch (error) {
    deadLetter({ reason: 'decode', message: errorMessage(error), source: record });
    return undefined;
  }
}
