/**
 * A store that holds an output's records outside the log (Cassandra, written by a sink),
 * which the access layer asks first. It answers only what it answers well (a key's latest
 * record, a key's records in a time range) and says `undefined` for anything else, or
 * when it is unreachable: the log, which holds every record, answers then.
 *
 * The port lives here, below both sides: sinks implement it (sinks/cassandra/result-store.ts)
 * and the serving layer asks it (serve/access/access-layer.ts).
 */

/** A record of an output topic as readers are given it: decoded, with its position. */
export interface OutputRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
}

export interface RangeQuery {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
  limit: number;
  key?: string;
  /** Where the previous page ended: next offset per partition. */
  cursor?: Record<number, number>;
}

export interface RangePage {
  records: OutputRecord[];
  /** The cursor of the next page; undefined when the range is exhausted. */
  next: Record<number, number> | undefined;
}

export interface ResultStore {
  /** The latest record of `key` in `topic`; undefined: ask the log (no such row yet, or no answer). */
  latestOf(topic: string, key: string): Promise<OutputRecord | undefined>;
  /**
   * A page of `topic`'s records in [from, to) with the log's semantics (ordered by offset
   * within a partition, cursor = next offset per partition); undefined: ask the log.
   */
  range(topic: string, query: RangeQuery): Promise<RangePage | undefined>;
  close(): Promise<void>;
}
