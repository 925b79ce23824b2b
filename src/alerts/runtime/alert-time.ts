/**
 * Event time of the alert evaluator on the processor host (host/event-time.ts): a clock per
 * source topic, whose channels are its partitions, moved by the records' timestamps with
 * no lateness, so a topic's watermark is the least of its partitions' newest record times
 * and a partition silent for `idleTimeout` stops holding it back (WatermarkTracker's rule,
 * the one every processor keeps). A rule's record is never dropped as late: the engine
 * takes a late record at the key's clock (engine/evaluator.ts).
 */
import type { EventTimeSpec } from '../../stream/host/event-time.js';

export function alertTimeSpec(idleTimeout: number): EventTimeSpec {
  return {
    // Record timestamps: output topics carry event time in them.
    extractor: () => undefined,
    clockOf: (topic) => topic,
    // A channel per partition of the topic.
    channelOf: (_topic, partition) => String(partition),
    lateness: 0,
    idleTimeout,
  };
}
