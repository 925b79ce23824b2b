/**
 * fastdata: the public face for model authors. Stream modules import from here only.
 */
export { defineStream } from './stream/define.js';
export type { StreamDefinition, StreamModule, InputSpec, OutputSpec, WatermarkOptions, Inputs, Tables, TableSpec } from './stream/define.js';
export { keyBy } from './stream/ops/key-by.js';
export type { KeyByOptions } from './stream/ops/key-by.js';
export { joinTable } from './stream/ops/join-table.js';
export type { JoinTableOptions } from './stream/ops/join-table.js';
export { joinStream } from './stream/ops/join-stream.js';
export type { JoinStreamOptions } from './stream/ops/join-stream.js';
export type { Table } from './stream/ops/table.js';
export { tumbling, hopping, session } from './stream/ops/windows.js';
export { sliding } from './stream/ops/windows.js';
export type { WindowOptions, EmitPolicy, WindowSpec } from './stream/ops/window-spec.js';
export { aggregate } from './stream/ops/aggregate.js';
export type { AggregateOptions, WindowResult } from './stream/ops/aggregate.js';
export { count, sum, mean, min, max, stddev } from './stream/ops/aggregators.js';
export type { Aggregator, AggregateResults, StddevOptions } from './stream/ops/aggregators.js';
export { reduce } from './stream/ops/reduce.js';
export type { ReduceOptions, ReduceResult } from './stream/ops/reduce.js';
export { collect, COLLECT_DEFAULT_LIMIT, COLLECT_MAX_LIMIT } from './stream/ops/collect.js';
export type { CollectOptions, CollectResult } from './stream/ops/collect.js';
export { topK, TOP_K_MAX } from './stream/ops/top-k.js';
export type { TopKOptions, TopKResult } from './stream/ops/top-k.js';
export { mapWithState } from './stream/ops/map-with-state.js';
export type { MapWithStateOptions, StepContext } from './stream/ops/map-with-state.js';
export { Keyed, Windowed } from './stream/ops/keyed.js';
export { FastdataError, isFastdataError } from './errors.js';
export type { ErrorCode, ErrorDomain } from './errors.js';
export type { Duration } from './time/duration.js';
export { ewmaInit, ewmaUpdate, ewmaStddev } from './models/ewma.js';
export type { EwmaState } from './models/ewma.js';
export { anomalyScore, MAX_ANOMALY_SCORE } from './models/anomaly-score.js';
export type { AnomalyScoreOptions, Scored } from './models/anomaly-score.js';
export { ewmaPredictiveStddev } from './models/ewma.js';
// Online models: sketches, clustering, drift, forecasting, regression and their live evaluation (docs/models.md).
export * from './models/index.js';
// Asynchronous steps the checkpoints wait for, and ONNX models scored in the stream (docs/models/onnx.md).
export { mapAsync } from './stream/ops/map-async.js';
export type { MapAsyncOptions } from './stream/ops/map-async.js';
export * from './models/onnx/index.js';
