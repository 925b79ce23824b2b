/**
 * Runs alert rules over their source topics on the processor host (src/stream/host/), as
 * every consumer of fastdata runs.
 *
 * One evaluator at a time, wherever it runs: an alert instance is keyed by the rule's key
 * field, which need not be the topic's record key, so its state cannot be split by
 * partition. The feed is a lease (host/lease-feed.ts): every process that runs alerts
 * joins the group `fastdata.alerts` on the one-partition state topic; the member that owns
 * the partition reads every partition of the rules' source topics as the one task of
 * everything (alert-task.ts), the others stand by and take over, from the last
 * checkpoint, when it leaves or dies.
 *
 * The host decodes (what does not decode goes to the dead-letter topic), keeps event time
 * (alert-time.ts) and checkpoints about once a second: the book's changes (alert-state.ts)
 * to the state topic, which is the task's changelog, in requests under its size limit,
 * closed by a marker with the input positions, the watermarks and the alert topic's end.
 * Notifications are published to the alert topic as soon as the batch that caused them is
 * evaluated (notification-outbox.ts), and before the checkpoint that includes them.
 *
 * `setRules` (hot reload) swaps the rule set as a restart would, without leaving the
 * process: the host checkpoints and stops, and a host over the new rules restores from that
 * checkpoint, where the identity of each rule decides what is kept (rule-identity.ts).
 */
import { errorMessage } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { LeaseFeed } from '../../stream/host/lease-feed.js';
import { ProcessorHost } from '../../stream/host/processor-host.js';
import type { TaskRestore } from '../../stream/host/processor.js';
import type { RunnerEvent } from '../../stream/runner-events.js';
import { type Clock, systemClock } from '../../time/clock.js';
import type { AlertNotification, BookEntry } from '../engine/index.js';
import { WarnThrottle } from '../receivers/warn-throttle.js';
import type { CompiledRule } from '../rules/index.js';
import type { AlertPublisher } from '../topic/alert-publisher.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';
import { AlertTask } from './alert-task.js';
import { alertTimeSpec } from './alert-time.js';
import { identityOf } from './rule-identity.js';

export interface AlertRunnerOptions {
  log: Log;
  serde: AvroSerde;
  rules: readonly CompiledRule[];
  publisher: Pick<AlertPublisher, 'publish' | 'keysSince'>;
  /** Where state is checkpointed (`state`) and undecodable records go (`deadLetter`); default: under `fastdata.alerts`. */
  topics?: AlertTopics;
  /** The lease group; default: the alert topic's name. */
  groupId?: string;
  /** Least time between checkpoints (notifications go out at once, whatever this is). */
  checkpointIntervalMs?: number;
  /**
   * A partition that sent nothing for this long (processing time) no longer holds its
   * topic's watermark where it stood: it moves on with the clock from the partition's last
   * record time (WatermarkTracker's rule), and so does the watermark of a topic that went
   * silent, so absence rules fire even when every key has gone quiet.
   */
  idleTimeoutMs?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** Told when this process starts or stops evaluating (the lease moved). */
  onLease?: (active: boolean) => void;
  /** Told of the notifications just published (the terminal of `dev` and `run` prints them). */
  onPublished?: (notifications: readonly AlertNotification[]) => void;
}

export interface AlertRunnerStats {
  active: boolean;
  records: number;
  undecodable: number;
  notifications: number;
  checkpoints: number;
  /** Notifications re-derived after a takeover and not published again. */
  republishSkipped: number;
  rules: { name: string; keys: number; firing: number }[];
}

const sourcesOf = (rules: readonly CompiledRule[]) => [...new Set(rules.map((r) => r.source))].sort();

/** How long setRules waits for the new task before it reports (a standby waits for the lease instead). */
const TASK_WAIT_MS = 5_000;
/** Dead letters are kept a week, as stream modules keep theirs. */
const DEAD_LETTER_RETENTION_MS = 7 * 24 * 3_600_000;
/** Pause before a host that failed (the alert topic could not be written) starts again. */
const RESTART_DELAY_MS = 1_000;

export class AlertRunner {
  private readonly options: Required<Omit<AlertRunnerOptions, 'onWarning' | 'onLease' | 'onPublished'>> & Pick<AlertRunnerOptions, 'onWarning' | 'onLease' | 'onPublished'>;
  private entries: BookEntry[];
  /** The topics the host reads: the rules' sources (see setRules for an empty rule set). */
  private topics: string[];
  private started = false;
  /** While the rules are swapped, the lease moving is not news (it comes straight back). */
  private swapping = false;
  private host: ProcessorHost<AlertTask> | undefined;
  private task: AlertTask | undefined;
  private held = false;
  private stopping = false;
  private restarting: Promise<void> | undefined;
  private readonly warnings: WarnThrottle;
  private readonly counters = { records: 0, undecodable: 0, notifications: 0, checkpoints: 0, republishSkipped: 0 };

  constructor(options: AlertRunnerOptions) {
    this.options = {
      ...options,
      topics: options.topics ?? ALERT_TOPICS,
      groupId: options.groupId ?? (options.topics ?? ALERT_TOPICS).events,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 1_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      clock: options.clock ?? systemClock,
    };
    this.entries = options.rules.map((rule) => ({ topic: rule.source, rule }));
    this.topics = sourcesOf(options.rules);
    const clock = this.options.clock;
    this.warnings = new WarnThrottle((message) => options.onWarning?.(message), () => clock.now(), 60_000);
  }

  get active(): boolean {
    return this.held;
  }

  stats(): AlertRunnerStats {
    const book = this.held ? this.host?.task(0)?.book : undefined;
    return {
      active: this.active,
      ...this.counters,
      rules: this.options.rules.flatMap((r) => {
        const stats = book?.evaluator(r.name)?.stats;
        return stats ? [{ name: r.name, keys: stats.keys, firing: stats.firing }] : [];
      }),
    };
  }

  get rules(): readonly CompiledRule[] {
    return this.options.rules;
  }

  /** Joins the lease group; evaluation starts once (and whenever) this process owns the lease. */
  async start(): Promise<void> {
    const { log, topics } = this.options;
    // max.message.bytes left at the default: checkpoints are cut to fit whatever it is.
    await log.createTopic({ name: topics.state, partitions: 1, config: { cleanupPolicy: 'compact', segmentMs: 600_000 } });
    await log.createTopic({ name: topics.deadLetter, partitions: 1, config: { retentionMs: DEAD_LETTER_RETENTION_MS } });
    this.started = true;
    await this.startHost();
  }

  /**
   * Evaluates `rules` from now on (hot reload; one call at a time). The running host
   * checkpoints and stops; a host over the new rules restores from that checkpoint: a rule
   * of the same identity keeps its keys, a changed or removed one is retired (its firing
   * alerts resolved, alert-task.ts). With no rules left, the host still reads the old
   * rules' topics once more, so that their alerts are resolved: a task is only made for
   * topics it reads. Resolves once the new host consumes (or, in a standby, waits for the lease).
   */
  async setRules(rules: readonly CompiledRule[]): Promise<{ rule: string; reason: string; resolved: number }[]> {
    if (this.stopping) return [];
    this.swapping = true;
    try {
      await this.restarting;
      await this.host?.stop();
      await this.task?.settled();
      this.host = undefined;
      this.task = undefined;
      this.options.rules = rules;
      this.entries = rules.map((rule) => ({ topic: rule.source, rule }));
      if (rules.length > 0) this.topics = sourcesOf(rules);
      if (this.topics.length === 0 || this.stopping) return [];
      const created = new Promise<AlertTask>((resolve) => (this.onTaskCreated = resolve));
      if (!this.started) await this.start();
      else await this.startHost();
      // The task is made once the lease is held, which a standby may wait for: the report then says nothing.
      let timer: NodeJS.Timeout | undefined;
      const task = await Promise.race([created, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), TASK_WAIT_MS)))]);
      clearTimeout(timer);
      return task?.retired ?? [];
    } finally {
      this.swapping = false;
      this.onTaskCreated = undefined;
      // The swap hid the lease's comings and goings; say where it ended if that changed.
      if (this.held !== this.announced) this.lease(this.held);
    }
  }

  private async startHost(): Promise<void> {
    const { log, serde, topics, groupId, clock, idleTimeoutMs } = this.options;
    const host: ProcessorHost<AlertTask> = new ProcessorHost<AlertTask>({
      name: 'alerts',
      log,
      serde,
      feed: new LeaseFeed(log, {
        leaseTopic: topics.state,
        leaseGroup: groupId,
        topics: this.topics,
        start: 'earliest',
        maxBatchRecords: 2_000,
        onLease: (held) => this.lease(held),
        onWarning: (message) => this.options.onWarning?.(`alert engine: ${message}`),
      }),
      taskOf: () => 0,
      createTask: (_id, _lanes, _io, restored) => {
        this.task = this.createTask(restored);
        this.onTaskCreated?.(this.task);
        return this.task;
      },
      time: alertTimeSpec(idleTimeoutMs),
      deadLetterTopic: topics.deadLetter,
      changelogTopic: topics.state,
      commitInterval: this.options.checkpointIntervalMs,
      clock,
      onEvent: (event) => this.onEvent(host, event),
    });
    this.host = host;
    await host.start();
  }

  private createTask(restored: TaskRestore | undefined): AlertTask {
    const { publisher, onPublished } = this.options;
    return new AlertTask(
      {
        rules: this.entries,
        identities: new Map(this.options.rules.map((r) => [r.name, identityOf(r)])),
        publisher,
        counters: this.counters,
        onPublished: (fresh, skipped) => {
          this.counters.notifications += fresh.length;
          this.counters.republishSkipped += skipped;
          if (fresh.length > 0) onPublished?.(fresh);
        },
        warn: (topic, message) => this.warnings.warnAbout(topic, message),
      },
      restored,
    );
  }

  /** Told of the next task made (setRules waits for it, to report what was retired). */
  private onTaskCreated: ((task: AlertTask) => void) | undefined;
  /** What onLease was last told. */
  private announced = false;

  private lease(held: boolean): void {
    this.held = held;
    if (this.swapping) return;
    this.announced = held;
    this.options.onLease?.(held);
  }

  private onEvent(host: ProcessorHost<AlertTask>, event: RunnerEvent): void {
    const warn = this.options.onWarning;
    switch (event.type) {
      case 'checkpoint':
        this.counters.checkpoints++;
        return;
      case 'dead-letter':
        this.counters.undecodable++;
        if (this.counters.undecodable <= 3) warn?.(`alert engine: ${event.topic}[${event.partition}]@${String(event.offset)} does not decode (${event.message}); sent to ${this.options.topics.deadLetter}`);
        return;
      case 'warning':
        this.warnings.warnAbout(event.message, `alert engine: ${event.message}`);
        return;
      case 'failed':
        this.restartAfter(host, event.error);
        return;
    }
  }

  /**
   * A host fails on what it cannot go on from (the alert topic or the state topic cannot be
   * written): it gives the lease up and evaluation starts again, here or in a standby, from
   * the last checkpoint, which publishes nothing twice.
   */
  private restartAfter(failed: ProcessorHost<AlertTask>, error: unknown): void {
    if (this.stopping || this.restarting) return;
    this.warnings.warnAbout('failed', `alert engine: stopped by an error, starting again from the last checkpoint: ${errorMessage(error)}`);
    this.restarting = (async () => {
      await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
      await failed.stop().catch(() => undefined);
      await this.task?.settled();
      while (!this.stopping) {
        try {
          await this.startHost();
          return;
        } catch (again) {
          await this.host?.stop().catch(() => undefined);
          this.warnings.warnAbout('restart', `alert engine: cannot start again, trying every second: ${errorMessage(again)}`);
          await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
        }
      }
    })().finally(() => (this.restarting = undefined));
  }

  /** Checkpoints, stops reading and leaves the lease group (a standby takes over); idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting;
    await this.host?.stop();
    await this.task?.settled();
  }
}
