/**
 * How a stream module keeps event time: each input's own `eventTime` function (or the
 * module's, or the log record's timestamp), one clock per task whose channels are the
 * inputs, and the module's lateness and idle timeout. The runtime and the test driver
 * both keep time by it (host/event-time.ts).
 */
import type { StreamModule } from './define.js';
import type { EventTimeSpec } from './host/event-time.js';
import { TASK_CLOCK } from './host/changelog.js';

export function moduleTimeSpec(module: StreamModule): EventTimeSpec {
  const inputs = new Map(module.inputs.map((i) => [i.topic, i]));
  return {
    extractor: (topic) => inputs.get(topic)?.eventTime,
    clockOf: () => TASK_CLOCK,
    channelOf: (topic) => inputs.get(topic)?.alias ?? topic,
    lateness: module.lateness,
    idleTimeout: module.idleTimeout,
  };
}
