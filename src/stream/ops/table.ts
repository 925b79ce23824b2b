/**
 * A table a module joins with: a compacted topic read as the latest value per key (Kafka
 * Streams' KTable). The pipeline gets one `Table` handle per entry of the definition's
 * `tables`; `joinTable` looks records up in it.
 *
 * A task holds the rows of its own partition of the table topic, the one read beside
 * partition p of the inputs (so the table must have as many partitions as the inputs, and
 * be keyed by the join key, as any producer keys it). The rows are not checkpointed: the
 * compacted topic is their durable copy, read again to its end whenever a task starts,
 * before the task takes its first input record. After that, a change of the table and the
 * input records are applied in the order they are read.
 */
export class Table<V> {
  /** Phantom: the row type, for the operators' signatures. */
  declare readonly row?: V;

  constructor(
    /** The alias in the definition's `tables`. */
    readonly alias: string,
    readonly topic: string,
  ) {}
}

/** The rows of the tables of one task, by alias: key -> latest value. */
export class TableRows {
  private readonly rows = new Map<string, Map<string, unknown>>();

  of(alias: string): Map<string, unknown> {
    let rows = this.rows.get(alias);
    if (!rows) this.rows.set(alias, (rows = new Map()));
    return rows;
  }

  /** A record of the table's topic: the key's new row, or (null) its deletion. */
  apply(alias: string, key: string, value: unknown): void {
    if (value === null) this.of(alias).delete(key);
    else this.of(alias).set(key, value);
  }

  get size(): number {
    let n = 0;
    for (const rows of this.rows.values()) n += rows.size;
    return n;
  }
}
