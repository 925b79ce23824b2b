/**
 * Delivers the alert topic to one receiver: a consumer group of its own
 * (`fastdata.alerts.receiver.<name>`) reads the notifications routed to it, skips firing
 * ones a silence matches, groups them if the receiver says so, and hands them to the
 * receiver's queue. Offsets are committed only past notifications the queue is done with,
 * so a restart, or another process taking over, delivers what was not delivered yet; a
 * receiver that is down holds its own backlog in the log (its lag) and never the rule
 * evaluation or the other receivers. Memory stays bounded: the consumer waits while the
 * queue is full.
 *
 * A receiver is never given up on: when a notification's retries are spent the queue parks
 * it and everything behind it (queue.ts) and probes the receiver until it answers. Parked
 * notifications are not done with, so the committed offset stays before the oldest of
 * them: the parked backlog is kept where all delivery state is, in the alert topic past
 * the group's offset, and a restart (or another process taking over) sends it again, in
 * order. What ends a parked notification is delivery, a refusal (4xx), `max_age` (measured
 * from the record's timestamp in the alert topic, when it was published) or its alert's
 * resolve arriving behind it (or being in the history) while the receiver was down.
 */
import { errorMessage } from '../../errors.js';
import type { GroupConsumer, Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { ReceiverConfig } from '../receivers/config.js';
import { singleDelivery, type AlertNotification, type Delivery } from '../receivers/notification.js';
import { ReceiverQueue, type ReceiverStats, type SettleOutcome } from '../receivers/queue.js';
import type { Receiver } from '../receivers/receiver.js';
import { systemTimers, type Timers } from '../receivers/timers.js';
import type { AlertHistory } from '../state/alert-history.js';
import type { SilenceStore } from '../state/silence-store.js';
import { fromAlertRecord, type AlertRecord } from '../topic/alert-record.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';
import { CommitTracker } from './commit-tracker.js';
import { AlertGrouper } from './grouper.js';

/** Silenced firings remembered per receiver, to hold back their resolves. */
const MAX_SILENCED_REMEMBERED = 100_000;

export interface ReceiverDispatcherOptions {
  log: Log;
  serde: AvroSerde;
  config: ReceiverConfig;
  receiver: Receiver;
  /** The alert topic it consumes; default `fastdata.alerts`. */
  topics?: AlertTopics;
  silences?: Pick<SilenceStore, 'silencing'>;
  /** `get` tells a parked firing whose alert resolved meanwhile (not re-sent: its resolve follows). */
  history?: Pick<AlertHistory, 'isAcknowledged' | 'query'> & Partial<Pick<AlertHistory, 'get'>>;
  timers?: Timers;
  random?: () => number;
  onWarning?: (message: string) => void;
}

export interface DispatcherStats extends ReceiverStats {
  receiver: string;
  kind: string;
  /** Notifications for this receiver not sent because a silence matched. */
  silenced: number;
  /** Notifications in the alert topic past this receiver's committed offset. */
  lag: number;
  groups: number;
}

export class ReceiverDispatcher {
  readonly name: string;
  readonly groupId: string;
  /** The alert topic (events) this receiver consumes. */
  private readonly topic: string;
  private readonly queue: ReceiverQueue;
  private readonly tracker = new CommitTracker();
  private readonly grouper: AlertGrouper | undefined;
  private consumer: GroupConsumer | undefined;
  private committing: Promise<void> = Promise.resolve();
  private silenced = 0;
  private readonly silencedFirings = new Set<string>();
  private readonly offsetsOf = new WeakMap<Delivery, number[]>();
  /** The alert topic's timestamp (publish time) of each notification read and not yet done with: max_age counts from it. */
  private readonly publishedAt = new Map<number, number>();

  constructor(private readonly options: ReceiverDispatcherOptions) {
    const { config } = options;
    this.name = config.name;
    this.topic = (options.topics ?? ALERT_TOPICS).events;
    this.groupId = `${this.topic}.receiver.${config.name}`;
    const timers = options.timers ?? systemTimers;
    this.queue = new ReceiverQueue(options.receiver, {
      policy: config.delivery,
      timers,
      ...(options.random ? { random: options.random } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      onSettled: (delivery, outcome) => this.settled(delivery, outcome),
      parking: {
        resolvedSince: (id: string) => options.history?.get?.(id)?.status === 'resolved',
      },
    });
    if (config.group) {
      const history = options.history;
      this.grouper = new AlertGrouper({
        receiver: config.name,
        policy: config.group,
        timers,
        emit: (delivery, offsets) => this.hand(delivery, offsets),
        ...(history ? { isAcknowledged: (id: string) => history.isAcknowledged(id) } : {}),
      });
    }
  }

  /** Joins the receiver's group; a receiver seen for the first time starts at the topic's end (no old alerts). */
  async start(): Promise<void> {
    // A webhook without a secret is said once, by the receivers file's loader (receivers/load.ts, with its line).
    const { log, history } = this.options;
    // Alerts firing since before this start keep being repeated (grouped receivers only).
    if (this.grouper && history) {
      for (const entry of history.query({ status: 'firing', limit: 100_000 }).alerts) {
        if (entry.receivers.includes(this.name)) this.grouper.seed(fromAlertRecord({ ...entry, value: null }));
      }
    }
    const consumer = log.consumer({ groupId: this.groupId, topics: [this.topic], start: 'earliest', maxWaitMs: 100, maxBatchRecords: 500 });
    this.consumer = consumer;
    await consumer.run({
      onAssigned: async (tps) => {
        if (tps.length === 0) return;
        const committed = await log.committed(this.groupId, this.topic);
        if (committed.some((c) => c.offset >= 0)) return;
        const [end] = await log.offsets(this.topic);
        const at = end?.end ?? 0;
        consumer.seek({ topic: this.topic, partition: 0, offset: at });
        await consumer.commit([{ topic: this.topic, partition: 0, offset: at }]);
      },
      eachBatch: async (batch) => {
        for (const record of batch.records) {
          this.tracker.add(record.offset);
          const notification = await this.decode(record.value, record.offset);
          if (!notification) {
            this.tracker.markDone(record.offset);
            continue;
          }
          await this.queue.whenRoom();
          this.route(notification, record.offset, record.timestamp);
        }
        this.commit();
      },
    });
  }

  private async decode(value: Buffer | null, offset: number): Promise<AlertNotification | undefined> {
    if (value === null) return undefined;
    let record: AlertRecord;
    try {
      record = (await this.options.serde.decode(value)) as AlertRecord;
    } catch (error) {
      this.options.onWarning?.(`receiver ${this.name}: ${this.topic}@${offset} does not decode, skipped: ${errorMessage(error)}`);
      return undefined;
    }
    if (!record.receivers.includes(this.name)) return undefined;
    return fromAlertRecord(record);
  }

  private route(notification: AlertNotification, offset: number, publishedAt: number): void {
    // A firing a silence matches is not sent; nor is its resolve, as Alertmanager does: the
    // receiver never heard of it. Any other resolve goes out: whoever heard of the firing hears that it ended.
    const silencedFiring = notification.status === 'firing' && this.options.silences?.silencing(notification.labels) !== undefined;
    const resolveOfSilenced = notification.status === 'resolved' && this.silencedFirings.delete(notification.id);
    if (silencedFiring || resolveOfSilenced) {
      if (silencedFiring) this.rememberSilenced(notification.id);
      this.silenced++;
      this.tracker.markDone(offset);
      return;
    }
    this.publishedAt.set(offset, publishedAt);
    if (this.grouper) this.grouper.add(notification, offset);
    else this.hand(singleDelivery(notification), [offset]);
  }

  /**
   * The alert instances whose firing a silence held back, so that their resolve is held back
   * too. In memory and bounded (the oldest forgotten first): after a restart, or past the bound,
   * such a resolve goes out, which tells a receiver of an end it did not hear begin, and no more.
   */
  private rememberSilenced(id: string): void {
    this.silencedFirings.add(id);
    if (this.silencedFirings.size > MAX_SILENCED_REMEMBERED) this.silencedFirings.delete(this.silencedFirings.values().next().value!);
  }

  private hand(delivery: Delivery, offsets: number[]): void {
    this.offsetsOf.set(delivery, offsets);
    // A group's delivery is as old as its newest change; a repeat (no offsets) as when it is made.
    const times = offsets.flatMap((offset) => this.publishedAt.get(offset) ?? []);
    if (times.length > 0) delivery.notifiedAt = Math.max(...times);
    this.queue.enqueueDelivery(delivery);
  }

  private settled(delivery: Delivery, outcome: SettleOutcome): void {
    // Dropped only when the queue closes: those stay uncommitted and go out after the restart.
    if (outcome === 'dropped') return;
    for (const offset of this.offsetsOf.get(delivery) ?? []) {
      this.publishedAt.delete(offset);
      this.tracker.markDone(offset);
    }
    this.commit();
  }

  private commit(): void {
    const offset = this.tracker.takeCommit();
    const consumer = this.consumer;
    if (offset === undefined || !consumer) return;
    this.committing = this.committing
      .then(() => consumer.commit([{ topic: this.topic, partition: 0, offset }]))
      .catch((error) => this.options.onWarning?.(`receiver ${this.name}: commit deferred: ${errorMessage(error)}`));
  }

  async stats(): Promise<DispatcherStats> {
    const { log } = this.options;
    const [end] = await log.offsets(this.topic);
    const [committed] = await log.committed(this.groupId, this.topic);
    const lag = Math.max(0, (end?.end ?? 0) - Math.max(0, committed?.offset ?? 0));
    return { receiver: this.name, kind: this.options.receiver.kind, ...this.queue.stats(), silenced: this.silenced, lag, groups: this.grouper?.size ?? 0 };
  }

  /** Resolves once every notification read so far is done with (tests, benches). */
  async idle(): Promise<void> {
    await this.queue.idle();
    await this.committing;
  }

  /** Stops reading, gives the delivery in flight a moment, commits what was delivered. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.grouper?.close();
    await this.queue.close();
    await this.committing;
    this.consumer = undefined;
  }
}
