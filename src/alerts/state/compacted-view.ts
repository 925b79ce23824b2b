/**
 * A compacted topic held in memory as a map, caught up at start and then followed live:
 * how silences, acknowledgements and the alert history are shared between processes (the
 * REST API in `fastdata serve`, the receivers in a worker). Writes go to the topic and
 * are applied here at once, so the writer reads its own writes; other processes see them
 * when their reader reaches them.
 *
 * It reads on the processor host (src/stream/host/): one task of the whole topic over a
 * reader feed, no state, no commits; a value that does not decode is counted and warned
 * about (the first three), never written anywhere.
 */
import { FastdataError, errorMessage } from '../../errors.js';
import type { Log, LogRecord } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { ProcessorHost } from '../../stream/host/processor-host.js';
import type { HostedTask } from '../../stream/host/processor.js';
import { ReadProgress } from '../../stream/host/read-progress.js';
import { ReaderFeed } from '../../stream/host/reader-feed.js';
import type { RunnerEvent } from '../../stream/runner-events.js';

export interface CompactedViewOptions {
  log: Log;
  topic: string;
  /** How the values are written: JSON text, or Avro in Confluent framing (decoded with `serde`). */
  format: { json: true } | { avro: AvroSerde };
  onWarning?: (message: string) => void;
}

export class CompactedView<V> {
  private readonly options: CompactedViewOptions;
  private readonly entries = new Map<string, V>();
  private readonly progress = new ReadProgress();
  private readonly host: ProcessorHost<HostedTask>;
  private undecodable = 0;

  constructor(options: CompactedViewOptions) {
    this.options = options;
    const { log, topic, format } = options;
    this.host = new ProcessorHost<HostedTask>({
      name: `view:${topic}`,
      log,
      ...('avro' in format ? { serde: format.avro } : { decode: (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as unknown }),
      feed: new ReaderFeed(log, { topics: [topic], start: 'earliest', ...(options.onWarning ? { onWarning: options.onWarning } : {}) }),
      taskOf: () => 0,
      createTask: (_id, lanes) => {
        for (const { partition } of lanes) this.progress.know(partition);
        return {
          process: (value, record) => this.apply(record, value as V),
          tombstone: (record) => this.apply(record, undefined),
          afterBatch: async () => this.progress.check(),
          stop: () => {},
        };
      },
      // Nothing to checkpoint or time: a view keeps no state and commits nothing.
      commitInterval: Number.POSITIVE_INFINITY,
      tickEvery: false,
      onEvent: (event) => this.onEvent(event),
    });
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  /** Reads the topic to its end, then follows it in the background. */
  async start(): Promise<void> {
    this.progress.start(await this.options.log.offsets(this.options.topic));
    await this.host.start();
    await this.progress.caughtUp;
  }

  private apply(record: LogRecord, value: V | undefined): void {
    if (!this.progress.advance(record.partition, record.offset) || record.key === null) return;
    this.set(record.key.toString('utf8'), value);
  }

  private onEvent(event: RunnerEvent): void {
    if (event.type === 'dead-letter') {
      if (event.offset !== undefined) this.progress.advance(event.partition, event.offset);
      if (++this.undecodable <= 3) this.options.onWarning?.(`${this.options.topic}[${event.partition}]@${event.offset} skipped, it does not decode: ${event.message}`);
    } else if (event.type === 'warning') {
      this.options.onWarning?.(`${this.options.topic}: ${event.message}`);
    } else if (event.type === 'failed') {
      this.options.onWarning?.(`${this.options.topic}: following the topic stopped: ${errorMessage(event.error)}`);
      this.progress.fail(event.error);
    }
  }

  private set(key: string, value: V | undefined): void {
    if (value === undefined) this.entries.delete(key);
    else this.entries.set(key, value);
  }

  /** Writes the value (a tombstone for undefined) and applies it here. */
  async put(key: string, value: V | undefined, encode: (value: V) => Buffer): Promise<void> {
    await this.options.log.produce(this.options.topic, [{ key, value: value === undefined ? null : encode(value) }]);
    this.set(key, value);
  }

  async close(): Promise<void> {
    this.progress.fail(new FastdataError('FD_ARGUMENT_INVALID', `the view of ${this.options.topic} was closed before it caught up`));
    await this.host.stop();
  }
}
