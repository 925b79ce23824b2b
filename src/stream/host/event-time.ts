/**
 * Event time and watermarks of one task, for every processor that keeps time (stream
 * tasks, the alert evaluator): the event time of each record, and the watermarks it
 * moves, all by the one rule of watermark.ts.
 *
 * A task reads lanes (a topic-partition each). Each lane feeds one channel of one clock:
 * a stream task has one clock whose channels are its inputs (partition p of each), so a
 * slow input holds its windows open; the alert evaluator has a clock per source topic
 * whose channels are its partitions, so a lagging partition's records are not late.
 *
 * Records that come through a repartition topic were sent by other tasks: their event
 * times do not move a clock, the watermark markers those tasks send along do (header
 * `fastdata.watermark`, one channel per sending task), so a task's windows wait for every
 * task that may still send it records. What a task sends in its markers is the watermark
 * of its own inputs (its `input` clock), which feeds its `task` clock as one more channel.
 *
 * Event time from the future: with `maxFutureSkew`, an event time further ahead of the
 * processor's clock than that is no event time a record may have today (a sensor whose clock
 * says 2036). Left in, one such record would move its clock years ahead, and every later
 * record of its partition would be late. So the host refuses such a record (`horizon`,
 * dead letter `future-event-time`) before it moves anything; a marker that says such a
 * watermark is ignored, and a checkpointed one (written before records were checked) is not
 * restored. Each of these only holds windows back until the next records say where event
 * time stands; none makes a record late. Judged against the processor's clock, not the
 * records: a replay of old data is never ahead.
 */
import { errorMessage } from '../../errors.js';
import type { LogRecord, TopicPartition } from '../../log/types.js';
import type { Clock } from '../../time/clock.js';
import { formatMillis } from '../../time/duration.js';
import { WatermarkTracker, type WatermarkSnapshot } from '../watermark.js';
import type { DeadLetter } from './dead-letters.js';

/** Header of a watermark marker: the sending task's watermark (ms since the epoch). */
export const WATERMARK_HEADER = 'fastdata.watermark';
/** Header of a record or marker sent by another task: which one (its id). */
export const ORIGIN_HEADER = 'fastdata.origin';
/** The watermark a marker carries when its sender's inputs have had no record for the idle timeout: do not wait for it. */
export const IDLE_MARK = 'idle';

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
  /**
   * How far ahead of the processor's clock an event time may be. Further ahead: a record
   * is refused, a marker ignored, a checkpointed watermark not restored. Undefined: no limit.
   */
  maxFutureSkew?: number;
  /**
   * Topics written by other tasks (repartition topics): their markers move `clock`, one
   * channel per task in `origins`; their records' event times move nothing.
   */
  markedBy?(topic: string): { clock: string; origins: readonly string[] } | undefined;
  /** A clock whose watermark is a channel of another (a module that repartitions: `input` into `task`). */
  feeds?: { from: string; into: string };
  /** Topics whose records have no event time and hold no clock back (a module's tables: rows, not events). */
  timeless?(topic: string): boolean;
}

/** One topic-partition of a task, as records of it move time. */
export interface TimeLane {
  /** The clock the task is told about when this lane moves time. */
  readonly clock: string;
  /** The event time of a record, or a message saying why it has none usable. */
  eventTime(value: unknown, record: LogRecord): number | string;
  /** Notes a record's event time; the watermark of `clock`, when it moved forward, else undefined. */
  observe(eventTime: number, receivedAt: number): number | undefined;
  /** A watermark marker of a repartition topic's lane (undefined for other lanes); the watermark of `clock` if it moved. */
  readonly marker: ((record: LogRecord, receivedAt: number) => number | undefined) | undefined;
}

/** Progress a checkpoint held that was not restored: beyond the horizon when it was read. */
export interface WatermarkReset {
  clock: string;
  /** The checkpointed watermark, when it was beyond the horizon. */
  watermark: number | undefined;
  /** The channels whose highest event time was beyond it. */
  channels: string[];
  /** The furthest of those times: how far ahead the checkpoint was. */
  furthest: number;
}

export interface TaskEventTimeOptions {
  /** A marker said a watermark beyond the horizon, and was ignored. */
  onAheadMarker?(message: string): void;
}

const FEED_CHANNEL = (clock: string) => `@${clock}`;
const ORIGIN_CHANNEL = (topic: string, origin: string) => `${topic}#${origin}`;

export class TaskEventTime {
  private readonly trackers = new Map<string, WatermarkTracker>();
  private readonly lanes = new Map<string, TimeLane>();
  private readonly spec: EventTimeSpec;
  private readonly clock: Clock;
  /** Clocks a checkpoint was restored into. */
  private readonly restored = new Set<string>();

  private readonly options: TaskEventTimeOptions;

  /** `lanes`: every topic-partition the task reads, so a silent one holds its clock until it is idle. */
  constructor(spec: EventTimeSpec, lanes: readonly TopicPartition[], clock: Clock, options: TaskEventTimeOptions = {}) {
    this.spec = spec;
    this.clock = clock;
    this.options = options;
    this.addLanes(lanes);
  }

  /** The furthest event time a record may have at processing time `now` (+Infinity without maxFutureSkew). */
  horizon(now: number): number {
    return this.spec.maxFutureSkew === undefined ? Number.POSITIVE_INFINITY : now + this.spec.maxFutureSkew;
  }

  /** The dead letter of a record whose event time `time` is beyond the horizon at `now` (its source added by the caller). */
  future(time: number, now: number): DeadLetter {
    const skew = this.spec.maxFutureSkew ?? 0;
    return {
      reason: 'future-event-time',
      message:
        `event time ${iso(time)} is ${roughly(time - now)} ahead of the processor's clock (${iso(now)}), more than watermark.maxFutureSkew (${formatMillis(skew)}) allows; ` +
        `the record moves no watermark. Fix the sender's clock, or raise maxFutureSkew if such records are real`,
      details: { 'fastdata.event.time': String(time), 'fastdata.processor.time': String(now), 'fastdata.max-future-skew': String(skew) },
    };
  }

  /** The tracker of a clock, created on first use: channels fed by other clocks or markers carry watermarks, so no lateness there. */
  private tracker(name: string): WatermarkTracker {
    let tracker = this.trackers.get(name);
    if (!tracker) {
      // Its channels carry watermarks, each idle only when its sender says so: no lateness, no timeout.
      const carriesWatermarks = this.spec.feeds?.into === name;
      tracker = carriesWatermarks ? new WatermarkTracker([], 0, Number.POSITIVE_INFINITY, this.clock) : new WatermarkTracker([], this.spec.lateness, this.spec.idleTimeout, this.clock);
      this.trackers.set(name, tracker);
      if (this.spec.feeds?.into === name) tracker.addInput(FEED_CHANNEL(this.spec.feeds.from));
    }
    return tracker;
  }

  /** The channels a lane holds its clock back with, until they are idle. */
  private register({ topic, partition }: TopicPartition): void {
    const marked = this.spec.markedBy?.(topic);
    if (marked) {
      const tracker = this.tracker(marked.clock);
      for (const origin of marked.origins) tracker.addInput(ORIGIN_CHANNEL(topic, origin));
      return;
    }
    const clock = this.spec.clockOf(topic);
    this.tracker(clock).addInput(this.spec.channelOf(topic, partition));
    if (this.spec.feeds?.from === clock) this.tracker(this.spec.feeds.into);
  }

  /** Lanes that join later (a topic of a reader feed that appeared after the others). */
  addLanes(lanes: readonly TopicPartition[]): void {
    for (const lane of lanes) {
      if (this.lanes.has(laneKey(lane.topic, lane.partition)) || this.spec.timeless?.(lane.topic)) continue;
      this.register(lane);
      this.lanes.set(laneKey(lane.topic, lane.partition), this.makeLane(lane.topic, lane.partition));
    }
  }

  /** The lane of a topic-partition of the task (one lookup per batch, not per record); none for a timeless topic. */
  lane(topic: string, partition: number): TimeLane | undefined {
    return this.lanes.get(laneKey(topic, partition));
  }

  private makeLane(topic: string, partition: number): TimeLane {
    const extract = this.spec.extractor(topic);
    const eventTime = extract
      ? (value: unknown, record: LogRecord): number | string => {
          let time: unknown;
          try {
            time = extract(value, record);
          } catch (error) {
            return `the eventTime function threw: ${errorMessage(error)}`;
          }
          return typeof time === 'number' && Number.isFinite(time) ? time : usableTime(time);
        }
      : (_: unknown, record: LogRecord) => record.timestamp;
    const marked = this.spec.markedBy?.(topic);
    if (marked) {
      const tracker = this.tracker(marked.clock);
      return {
        clock: marked.clock,
        eventTime,
        // A repartitioned record's own time does not move time: the markers of its sender do.
        observe: () => undefined,
        marker: (record, receivedAt) => {
          const origin = record.headers[ORIGIN_HEADER]?.toString();
          const said = record.headers[WATERMARK_HEADER]?.toString();
          const watermark = Number(said);
          if (origin === undefined || !(said === IDLE_MARK || Number.isFinite(watermark))) return undefined;
          const channel = ORIGIN_CHANNEL(topic, origin);
          if (said !== IDLE_MARK && watermark > this.horizon(receivedAt)) {
            // A sender that took a record from the future (before records were checked): not heard from, rather than years ahead.
            this.options.onAheadMarker?.(
              `a watermark marker of task ${origin} in ${topic} says ${iso(watermark)}, ${roughly(watermark - receivedAt)} ahead of the processor's clock, ` +
                `more than watermark.maxFutureSkew allows; it is ignored (windows wait for that task's next marker)`,
            );
            return undefined;
          }
          const before = tracker.watermark;
          const after = said === IDLE_MARK ? tracker.markIdle(channel) : tracker.observe(channel, watermark, receivedAt);
          return after > before ? after : undefined;
        },
      };
    }
    const clock = this.spec.clockOf(topic);
    const channel = this.spec.channelOf(topic, partition);
    const tracker = this.tracker(clock);
    const feeds = this.spec.feeds?.from === clock ? this.spec.feeds : undefined;
    if (!feeds) {
      return {
        clock,
        eventTime,
        observe(time, receivedAt) {
          const before = tracker.watermark;
          const after = tracker.observe(channel, time, receivedAt);
          return after > before ? after : undefined;
        },
        marker: undefined,
      };
    }
    // This clock's watermark is a channel of another: only moves of it go on (most records move nothing).
    const target = this.tracker(feeds.into);
    const feedChannel = FEED_CHANNEL(clock);
    return {
      clock: feeds.into,
      eventTime,
      observe(time, receivedAt) {
        const before = tracker.watermark;
        const after = tracker.observe(channel, time, receivedAt);
        if (!(after > before)) return undefined;
        const was = target.watermark;
        const now = target.observe(feedChannel, after, receivedAt);
        return now > was ? now : undefined;
      },
      marker: undefined,
    };
  }

  /**
   * Re-evaluates idleness; the clocks whose watermark moved, with it. `caughtUp`: the task
   * has nothing left to read, so inputs that never had a record may stop holding back the
   * clock they feed (while some are still to be fetched, they are not idle, only unread).
   */
  tick(caughtUp = true): [clock: string, watermark: number][] {
    const moved: [string, number][] = [];
    const feeds = this.spec.feeds;
    const now = this.clock.now();
    for (const [name, tracker] of this.trackers) {
      if (feeds?.into === name) continue; // after the clock that feeds it
      const before = tracker.watermark;
      const after = tracker.tick();
      if (after > before) moved.push([name, after]);
      if (feeds?.from === name) {
        const into = this.trackers.get(feeds.into);
        // Inputs that never had a record and are idle: the task's own inputs hold nothing back.
        if (Number.isFinite(after)) into?.observe(FEED_CHANNEL(name), after, now);
        else if (caughtUp && tracker.isIdle(now)) into?.markIdle(FEED_CHANNEL(name));
      }
    }
    const into = feeds ? this.trackers.get(feeds.into) : undefined;
    if (into) {
      const before = into.watermark;
      const after = into.tick();
      if (after > before) moved.push([feeds!.into, after]);
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
  restoreNew(snapshots: Record<string, WatermarkSnapshot> | undefined, guard?: RestoreGuard): [clock: string, watermark: number][] {
    const fresh = Object.fromEntries(Object.entries(snapshots ?? {}).filter(([name]) => this.trackers.has(name) && !this.restored.has(name) && !Number.isFinite(this.trackers.get(name)!.watermark)));
    return this.restore(fresh, guard);
  }

  /**
   * Puts the checkpointed progress back; the clocks whose watermark it moved, with it. With
   * `guard`, progress beyond the horizon at `guard.now` is left out (WatermarkTracker.restore)
   * and reported to `guard.reset`; without, all of it is restored (the test driver, whose
   * clock is not the wall clock).
   */
  restore(snapshots: Record<string, WatermarkSnapshot> | undefined, guard?: RestoreGuard): [clock: string, watermark: number][] {
    const moved: [string, number][] = [];
    const horizon = guard ? this.horizon(guard.now) : Number.POSITIVE_INFINITY;
    for (const [name, snapshot] of Object.entries(snapshots ?? {})) {
      const tracker = this.trackers.get(name);
      if (!tracker) continue;
      this.restored.add(name);
      const dropped = tracker.restore(snapshot, horizon);
      if (dropped.inputs.length > 0 || dropped.watermark !== undefined) {
        const furthest = Math.max(dropped.watermark ?? Number.NEGATIVE_INFINITY, ...dropped.inputs.map((alias) => snapshot.maxEventTime[alias]!));
        guard?.reset?.({ clock: name, watermark: dropped.watermark, channels: dropped.inputs, furthest });
      }
      if (Number.isFinite(tracker.watermark)) moved.push([name, tracker.watermark]);
    }
    return moved;
  }
}

/** How a restore judges checkpointed progress: against the horizon at `now`; `reset` hears what it left out. */
export interface RestoreGuard {
  now: number;
  reset?(reset: WatermarkReset): void;
}

const iso = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** A span for people: `10.0 years`, `3.2 days`, `5.0 h`, `12.5 min`, `40 s`. */
export function roughly(ms: number): string {
  const DAY = 86_400_000;
  if (ms >= 365.25 * DAY) return `${(ms / (365.25 * DAY)).toFixed(1)} years`;
  if (ms >= DAY) return `${(ms / DAY).toFixed(1)} days`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${Math.round(ms / 1000)} s`;
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
