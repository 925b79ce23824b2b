/**
 * A compacted topic held in memory as a map, caught up at start and then followed live:
 * how silences, acknowledgements and the alert history are shared between processes (the
 * REST API in `fastdata serve`, the receivers in a worker). Writes go to the topic and
 * are applied here at once, so the writer reads its own writes; other processes see them
 * when their reader reaches them.
 */
import { errorMessage } from '../../errors.js';
import type { Log, Reader } from '../../log/types.js';

export interface CompactedViewOptions<V> {
  log: Log;
  topic: string;
  /** Bytes to value; a value that does not decode is skipped (counted, warned once). */
  decode: (bytes: Buffer) => Promise<V> | V;
  onWarning?: (message: string) => void;
  /** Told of each change after the view caught up (not during the catch-up). */
  onChange?: (key: string, value: V | undefined) => void;
}

export class CompactedView<V> {
  private readonly entries = new Map<string, V>();
  private reader: Reader | undefined;
  private following: Promise<void> | undefined;
  private undecodable = 0;

  constructor(private readonly options: CompactedViewOptions<V>) {}

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
    const { log, topic } = this.options;
    const ends: Record<number, number> = {};
    for (const o of await log.offsets(topic)) ends[o.partition] = o.end;
    const catchUp = log.reader({ topic, from: 'earliest', stopAtEnd: true });
    try {
      for await (const batch of catchUp) for (const record of batch.records) await this.apply(record.key, record.value, false);
    } finally {
      await catchUp.close();
    }
    const reader = log.reader({ topic, from: ends });
    this.reader = reader;
    this.following = (async () => {
      try {
        for await (const batch of reader) for (const record of batch.records) await this.apply(record.key, record.value, true);
      } catch (error) {
        this.options.onWarning?.(`${topic}: following the topic stopped: ${errorMessage(error)}`);
      }
    })();
  }

  private async apply(rawKey: Buffer | null, bytes: Buffer | null, notify: boolean): Promise<void> {
    if (rawKey === null) return;
    const key = rawKey.toString('utf8');
    let value: V | undefined;
    if (bytes !== null) {
      try {
        value = await this.options.decode(bytes);
      } catch (error) {
        if (++this.undecodable <= 3) this.options.onWarning?.(`${this.options.topic}: record ${key} skipped, it does not decode: ${errorMessage(error)}`);
        return;
      }
    }
    this.set(key, value, notify);
  }

  private set(key: string, value: V | undefined, notify: boolean): void {
    if (value === undefined) this.entries.delete(key);
    else this.entries.set(key, value);
    if (notify) this.options.onChange?.(key, value);
  }

  /** Writes the value (a tombstone for undefined) and applies it here. */
  async put(key: string, value: V | undefined, encode: (value: V) => Buffer): Promise<void> {
    await this.options.log.produce(this.options.topic, [{ key, value: value === undefined ? null : encode(value) }]);
    this.set(key, value, true);
  }

  async close(): Promise<void> {
    await this.reader?.close();
    await this.following;
    this.reader = undefined;
  }
}
