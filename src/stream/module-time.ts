/**
 * How a stream module keeps event time: each input's own `eventTime` function (or the
 * module's, or the log record's timestamp), one clock per task whose channels are the
 * inputs, and the module's lateness, idle timeout and maximum future skew. The runtime and
 * the test driver both keep time by it (host/event-time.ts).
 *
 * A module that repartitions (repartition.ts) keeps two clocks per task: INPUT_CLOCK, of
 * its own inputs, which it sends to the other tasks in its markers, and TASK_CLOCK, the
 * one its windows follow: the lowest of its own inputs' and every task's markers, since
 * any task may still send it records up to its own watermark.
 */
import type { StreamModule } from './define.js';
import type { EventTimeSpec } from './host/event-time.js';
import { INPUT_CLOCK, TASK_CLOCK } from './host/changelog.js';
import { type Repartition, repartitionedEventTime } from './repartition.js';

export function moduleTimeSpec(module: StreamModule, repartition?: Repartition): EventTimeSpec {
  const inputs = new Map(module.inputs.map((i) => [i.topic, i]));
  const tables = new Set(module.tables.map((t) => t.topic));
  const spec: EventTimeSpec = {
    // A table's rows are not events: a quiet table holds no window open.
    timeless: (topic) => tables.has(topic),
    extractor: (topic) => inputs.get(topic)?.eventTime,
    clockOf: () => TASK_CLOCK,
    channelOf: (topic) => inputs.get(topic)?.alias ?? topic,
    lateness: module.lateness,
    idleTimeout: module.idleTimeout,
    // The host refuses records beyond it; the test driver, on a clock of its own, does not check (it calls no horizon).
    maxFutureSkew: module.maxFutureSkew,
  };
  if (!repartition) return spec;
  const origins = Array.from({ length: repartition.partitions }, (_, i) => String(i));
  const repartitioned = new Set(repartition.topics.values());
  return {
    ...spec,
    extractor: (topic) => (repartitioned.has(topic) ? repartitionedEventTime : inputs.get(topic)?.eventTime),
    clockOf: () => INPUT_CLOCK,
    markedBy: (topic) => (repartitioned.has(topic) ? { clock: TASK_CLOCK, origins } : undefined),
    feeds: { from: INPUT_CLOCK, into: TASK_CLOCK },
  };
}
