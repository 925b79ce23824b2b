/**
 * Event time and watermarks of one task, for every processor that keeps time (stream
 * tasks, the alert evaluator): the event time of each record, and the watermarks it
 * moves, all by the one rule of watermark.ts.
 *
 * A task reads lanes (a topic-partition each). Each lane feeds one channel of one clock:
 * a stream task has one clock whose channels are its inputs (partition p of each), so a
 * slow input holds its windows open; the alert evaluator has a clock per source topic
 * whose channels are its partitions, so a lagging partition's records are not late.
 */
import { errorMessage } from '../../errors.js';
import type { LogRecord, TopicPartition } from '../../log/types.js';
import type { Clock } from '../../time/clock.js';
import { WatermarkTracker, type WatermarkSnapshot } from '../watermark.js';

export interface EventTimeSpec {
  /** How a topic's records tell their event time (milliseconds since the epoch or a Date); undefined: the log record's timestamp. */
  extractor(topic: string): ((value: unknown, record: LogRecord) => unknown) | undefined;
  /** The clock a topic's records move (a watermark of its own). */
  clockOf(topic: string): string;
  /** The channel of a topic-partition within its clock. */
  channelOf(topic: string, partition: number): string;
  /** How far behind the newest event time records may come without being late. */
  lateness: number;
  /** After this long without records (processing time), a channel stops holding its clock back. */
  idleTimeout: number;
}

/** One topic-partition of a task, as records of it move time. */
export interface TimeLane {
  readonly clock: string;
  /** The event time of a record, or a message saying why it has none usable. */
  eventTime(value: unknown, record: LogRecord): number | string;
  /** Notes a record's event time; the clock's watermark, when it moved forward, else undefined. */
  observe(eventTime: number, receivedAt: number): number | undefined;
}

export class TaskEventTime {
  private readonly trackers = new Map<string, WatermarkTracker>();
  private readonly lanes = new Map<string, TimeLane>();
  private readonly spec: EventTimeSpec;
  private readonly clock: Clock;
  /** Clocks a checkpoint was restored into. */
  private readonly restored = new Set<string>();

  /** `lanes`: every topic-partition the task reads, so a silent one holds its clock until it is idle. */
  constructor(spec: EventTimeSpec, lanes: readonly TopicPartition[], clock: Clock) {
    this.spec = spec;
    this.clock = clock;
    const channels = new Map<string, Set<string>>();
    for (const { topic, partition } of lanes) {
      const name = spec.clockOf(topic);
      const set = channels.get(name) ?? new Set<string>();
      set.add(spec.channelOf(topic, partition));
      channels.set(name, set);
    }
    for (const [name, set] of channels) this.trackers.set(name, new WatermarkTracker([...set], spec.lateness, spec.idleTimeout, clock));
    for (const { topic, partition } of lanes) this.lanes.set(laneKey(topic, partition), this.makeLane(topic, partition));
  }

  /** Lanes that join later (a topic of a reader feed that appeared after the others). */
  addLanes(lanes: readonly TopicPartition[]): void {
    for (const { topic, partition } of lanes) {
      if (this.lanes.has(laneKey(topic, partition))) continue;
      const name = this.spec.clockOf(topic);
      let tracker = this.trackers.get(name);
      if (!tracker) this.trackers.set(name, (tracker = new WatermarkTracker([], this.spec.lateness, this.spec.idleTimeout, this.clock)));
      tracker.addInput(this.spec.channelOf(topic, partition));
      this.lanes.set(laneKey(topic, partition), this.makeLane(topic, partition));
    }
  }

  /** The lane of a topic-partition of the task (one lookup per batch, not per record). */
  lane(topic: string, partition: number): TimeLane | undefined {
    return this.lanes.get(laneKey(topic, partition));
  }

  private makeLane(topic: string, partition: number): TimeLane {
    const clock = this.spec.clockOf(topic);
    const channel = this.spec.channelOf(topic, partition);
    const tracker = this.trackers.get(clock)!;
    const extract = this.spec.extractor(topic);
    return {
      clock,
      eventTime: extract
        ? (value, record) => {
            let time: unknown;
            try {
              time = extract(value, record);
            } catch (error) {
              return `the eventTime function threw: ${errorMessage(error)}`;
            }
            return typeof time === 'number' && Number.isFinite(time) ? time : usableTime(time);
          }
        : (_, record) => record.timestamp,
      observe(eventTime, receivedAt) {
        const before = tracker.watermark;
        const after = tracker.observe(channel, eventTime, receivedAt);
        return after > before ? after : undefined;
      },
    };
  }

  /** Re-evaluates idleness; the clocks whose watermark moved, with it. */
  tick(): [clock: string, watermark: number][] {
    const moved: [string, number][] = [];
    for (const [name, tracker] of this.trackers) {
      const before = tracker.watermark;
      const after = tracker.tick();
      if (after > before) moved.push([name, after]);
    }
    return moved;
  }

  /** Moves a clock's watermark to at least `watermark` (the test driver); the new watermark. */
  force(clock: string, watermark: number): number {
    return this.trackers.get(clock)?.force(watermark) ?? Number.NEGATIVE_INFINITY;
  }

  watermark(clock: string): number {
    return this.trackers.get(clock)?.watermark ?? Number.NEGATIVE_INFINITY;
  }

  get clocks(): string[] {
    return [...this.trackers.keys()];
  }

  snapshot(): Record<string, WatermarkSnapshot> {
    return Object.fromEntries([...this.trackers].map(([name, tracker]) => [name, tracker.snapshot()]));
  }

  /** Puts the checkpointed progress back into the clocks that have never seen a record or a restore (lanes added later). */
  restoreNew(snapshots: Record<string, WatermarkSnapshot> | undefined): [clock: string, watermark: number][] {
    const fresh = Object.fromEntries(Object.entries(snapshots ?? {}).filter(([name]) => this.trackers.has(name) && !this.restored.has(name) && !Number.isFinite(this.trackers.get(name)!.watermark)));
    return this.restore(fresh);
  }

  /** Puts the checkpointed progress back; the clocks whose watermark it moved, with it. */
  restore(snapshots: Record<string, WatermarkSnapshot> | undefined): [clock: string, watermark: number][] {
    const moved: [string, number][] = [];
    for (const [name, snapshot] of Object.entries(snapshots ?? {})) {
      const tracker = this.trackers.get(name);
      if (!tracker) continue;
      this.restored.add(name);
      tracker.restore(snapshot);
      if (Number.isFinite(tracker.watermark)) moved.push([name, tracker.watermark]);
    }
    return moved;
  }
}

const laneKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A usable event time from what an event-time function returned other than a finite number (a Date), or why not. */
function usableTime(time: unknown): number | string {
  if (time instanceof Date) time = time.getTime();
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    return `the eventTime function returned ${JSON.stringify(time) ?? String(time)}; return milliseconds since the epoch (a number) or a Date`;
  }
  return time;
}
