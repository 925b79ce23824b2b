/**
 * Scoring an ONNX model in a pipeline: asynchronous steps (stream/ops/map-async.ts), so
 * checkpoints wait for the answers, the watermark waits for the records in flight and
 * results go on in arrival order, with their record's event time.
 *
 * - `scoreEach(model, combine)`: one run per record; `combine(record, row)` makes the output.
 * - `scoreBatches(model, recordsOf, combine)`: one run per value holding a batch of records,
 *   typically a key's window of records from `collect()`; `combine(value, rows)` gets the
 *   rows in the records' order.
 *
 * A run that fails (a record whose values do not fit the declared shape, an onnxruntime
 * error) dead-letters the record (or the window) it was for, and the others go on.
 */
import type { OperatorFunction } from 'rxjs';
import { type MapAsyncOptions, mapAsync } from '../../stream/ops/map-async.js';
import type { OnnxModel, OnnxRow } from './onnx-model.js';

/** Runs in flight at once by default: onnxruntime runs them on its own threads. */
const DEFAULT_CONCURRENCY = 4;

/**
 * One run per record.
 *
 * @example
 * readings.pipe(scoreEach(model, (r, row) => ({ ...r, score: row.scores[0] })))
 */
export function scoreEach<V extends T, T, R>(model: OnnxModel<T>, combine: (record: NoInfer<V>, row: OnnxRow) => R, options: MapAsyncOptions = {}): OperatorFunction<V, Exclude<R, undefined>> {
  return mapAsync<V, R>(async (record) => combine(record as V, await model.score(record as V)), { concurrency: DEFAULT_CONCURRENCY, name: 'scoreEach', ...options }) as OperatorFunction<V, Exclude<R, undefined>>;
}

/**
 * One run per batch: `recordsOf(value)` gives the records of a value (a window's), scored
 * together; `combine(value, rows)` gets their answers in order.
 *
 * @example
 * keyBy((r) => r.sensorId), tumbling('1m', { grace: '10s', emit: 'final' }), collect({ limit: 600 }),
 * scoreBatches(model, (w) => w.records, (w, rows) => ({ sensorId: w.key, worst: Math.max(...rows.map((x) => x.scores[0]!)) }))
 */
export function scoreBatches<V, T, R>(
  model: OnnxModel<T>,
  recordsOf: (value: NoInfer<V>) => readonly T[],
  combine: (value: NoInfer<V>, rows: OnnxRow[]) => R,
  options: MapAsyncOptions = {},
): OperatorFunction<V, Exclude<R, undefined>> {
  return mapAsync<V, R>(async (value) => combine(value as V, await model.scoreBatch(recordsOf(value as V))), { concurrency: DEFAULT_CONCURRENCY, name: 'scoreBatches', ...options }) as OperatorFunction<
    V,
    Exclude<R, undefined>
  >;
}
