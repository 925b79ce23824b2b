/**
 * The alerting of one process: the project's rules and receivers loaded and checked, the
 * rule evaluator (active in one process at a time, see AlertRunner), one dispatcher per
 * receiver (each a consumer group on the alert topic), and the silences and history the
 * REST API and the dispatchers share. `fastdata dev` runs it beside the modules on the
 * embedded log; `fastdata run` in every worker, where one evaluates and the others stand by.
 *
 * A rule file or a receiver with problems is reported and left out; the others run.
 */
import { join } from 'node:path';
import { formatProblem, type Problem } from '../../config/validated-file.js';
import { errorMessage } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { Clock } from '../../time/clock.js';
import type { AlertNotification } from '../engine/index.js';
import { ReceiverDispatcher, type DispatcherStats } from '../delivery/receiver-dispatcher.js';
import type { KafkaReceiverConfig, ReceiverConfig, WebsocketReceiverConfig } from '../receivers/config.js';
import { createReceiver } from '../receivers/create.js';
import { loadReceivers } from '../receivers/load.js';
import { TopicReceiver } from '../receivers/topic-receiver.js';
import { loadAlertRules, type CompiledRule, type SchemaOf } from '../rules/index.js';
import { AlertHistory } from '../state/alert-history.js';
import type { Silence } from '../state/silence.js';
import { SilenceStore } from '../state/silence-store.js';
import { AlertPublisher } from '../topic/alert-publisher.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';
import { AlertRunner, type AlertRunnerStats } from './alert-runner.js';

export interface AlertServiceOptions {
  root: string;
  /** The folder of the rule files and receivers.yaml (default: <root>/alerts). */
  dir?: string;
  log: Log;
  serde: AvroSerde;
  schemaOf: SchemaOf;
  /** The alert topics (`alerts.topicPrefix`); default under `fastdata.alerts`. */
  topics?: AlertTopics;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  checkpointIntervalMs?: number;
  idleTimeoutMs?: number;
  onWarning?: (message: string) => void;
  onLease?: (active: boolean) => void;
  /** Told of each notification the evaluator publishes (in this process, while it holds the lease), with the silence that keeps a firing from the receivers. */
  onNotification?: (notification: AlertNotification, silencedBy?: Silence) => void;
}

export interface AlertServiceStatus {
  rules: { name: string; source: string; severity: string; receivers: string[]; file: string }[];
  problems: string[];
  engine: AlertRunnerStats;
  receivers: DispatcherStats[];
}

export class AlertService {
  readonly rules: CompiledRule[];
  readonly problems: Problem[];
  readonly silences: SilenceStore;
  readonly history: AlertHistory;
  readonly topics: AlertTopics;
  /** The topics of the websocket receivers, served on /ws. */
  readonly websocketTopics: string[];
  private readonly runner: AlertRunner;
  private readonly publisher: AlertPublisher;
  private readonly dispatchers: ReceiverDispatcher[] = [];
  private stopped = false;
  private readonly onWarning: (message: string) => void;

  private constructor(options: AlertServiceOptions, rules: CompiledRule[], problems: Problem[], receivers: ReceiverConfig[]) {
    const { log, serde } = options;
    this.onWarning = options.onWarning ?? ((message) => console.error(message));
    const now = () => (options.clock ?? { now: Date.now }).now();
    this.rules = rules;
    this.problems = problems;
    this.topics = options.topics ?? ALERT_TOPICS;
    this.silences = new SilenceStore(log, now, options.onWarning, this.topics);
    this.history = new AlertHistory(log, serde, now, options.onWarning, this.topics);
    this.websocketTopics = receivers.flatMap((r) => (r.kind === 'websocket' ? [r.topic] : []));
    const receiversOf = new Map(rules.map((r) => [r.name, r.receivers]));
    this.publisher = new AlertPublisher(log, serde, (rule) => receiversOf.get(rule) ?? [], this.topics);
    this.runner = new AlertRunner({
      log,
      serde,
      rules,
      publisher: this.publisher,
      topics: this.topics,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.onLease ? { onLease: options.onLease } : {}),
      // As the dispatchers decide it: a firing a silence matches is not sent; a resolve always is.
      ...(options.onNotification
        ? { onPublished: (ns: readonly AlertNotification[]) => ns.forEach((n) => options.onNotification!(n, n.status === 'firing' ? this.silences.silencing(n.labels) : undefined)) }
        : {}),
    });
    // The kinds that write to the log get it here: create.ts does not depend on the log.
    const toTopic = (config: KafkaReceiverConfig | WebsocketReceiverConfig) => new TopicReceiver(config, log, serde);
    for (const config of receivers) {
      const receiver = createReceiver(config, { factories: { kafka: toTopic, websocket: toTopic } });
      this.dispatchers.push(
        new ReceiverDispatcher({ log, serde, config, receiver, topics: this.topics, silences: this.silences, history: this.history, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }),
      );
    }
  }

  /** Loads the project's alerting and starts it; problems are in `problems` (and warned). */
  static async start(options: AlertServiceOptions): Promise<AlertService> {
    const dir = options.dir ?? join(options.root, 'alerts');
    const loadedReceivers = await loadReceivers(join(dir, 'receivers.yaml'), { root: options.root, ...(options.env ? { env: options.env } : {}) });
    const { rules, problems } = await loadAlertRules(dir, options.schemaOf, new Set(loadedReceivers.receivers.keys()));
    const all = [...loadedReceivers.problems, ...problems];
    for (const problem of all) options.onWarning?.(`alerts: not loaded: ${formatProblem(problem)}`);
    // Loaded, but worth saying (a webhook without a secret sends unsigned requests), whether or not a rule uses it yet.
    for (const warning of loadedReceivers.warnings ?? []) options.onWarning?.(`alerts: ${formatProblem(warning)}`);
    // Receivers no rule names get nothing; they are not started.
    const used = new Set(rules.flatMap((r) => r.receivers));
    const service = new AlertService(options, rules, all, [...loadedReceivers.receivers.values()].filter((r) => used.has(r.name)));
    try {
      await service.boot();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  private async boot(): Promise<void> {
    await this.publisher.start();
    await this.silences.start();
    await this.history.start();
    // Receivers first: a receiver seen for the first time starts at the alert topic's end,
    // which must be before the first notification of this run.
    for (const dispatcher of this.dispatchers) await dispatcher.start();
    if (this.rules.length > 0) await this.runner.start();
  }

  async status(): Promise<AlertServiceStatus> {
    return {
      rules: this.rules.map((r) => ({ name: r.name, source: r.source, severity: r.severity, receivers: r.receivers, file: `${r.file}:${r.line}` })),
      problems: this.problems.map(formatProblem),
      engine: this.runner.stats(),
      receivers: await Promise.all(this.dispatchers.map((d) => d.stats())),
    };
  }

  /** Resolves once every receiver is done with what it has read (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.dispatchers.map((d) => d.idle()));
  }

  /** The evaluator checkpoints first (its notifications are in the topic), then the receivers stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const warn = (what: string) => (error: unknown) => this.onWarning(`alerts: stopping ${what} failed: ${errorMessage(error)}`);
    await this.runner.stop().catch(warn('the rule evaluator'));
    for (const dispatcher of this.dispatchers) await dispatcher.stop().catch(warn(`receiver ${dispatcher.name}`));
    await this.silences.close().catch(warn('silences'));
    await this.history.close().catch(warn('history'));
  }
}
