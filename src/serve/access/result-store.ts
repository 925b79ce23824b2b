/**
 * A store that holds an output's records outside the log (Cassandra, written by a sink),
 * which the access layer asks first. It answers only what it answers well (a key's latest
 * record, a key's records in a time range) and says `undefined` for anything else, or
 * when it is unreachable: the log, which holds every record, answers then.
 */
import type { RangePage, RangeQuery } from './range.js';
import type { ViewRecord } from './view-record.js';

export interface ResultStore {
  /** The latest record of `key` in `topic`; undefined: ask the log (no such row yet, or no answer). */
  latestOf(topic: string, key: string): Promise<ViewRecord | undefined>;
  /**
   * A page of `topic`'s records in [from, to) with the log's semantics (ordered by offset
   * within a partition, cursor = next offset per partition); undefined: ask the log.
   */
  range(topic: string, query: RangeQuery): Promise<RangePage | undefined>;
  close(): Promise<void>;
}
