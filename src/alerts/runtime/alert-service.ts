/**
 * The alerting of one process: the project's rules and receivers loaded and checked, the
 * rule evaluator (active in one process at a time, see AlertRunner), one dispatcher per
 * receiver (each a consumer group on the alert topic), and the silences and history the
 * REST API and the dispatchers share. `fastdata dev` runs it beside the modules on the
 * embedded log; `fastdata run` in every worker, where one evaluates and the others stand by.
 *
 * A rule file or a receiver with problems is reported and left out; the others run.
 *
 * Hot reload (`fastdata dev`): `reloadRules(file)` and `reloadReceivers()` load one file
 * again, as Prometheus and Alertmanager reload: a file with problems is reported and its
 * previous version keeps running, the other files are not touched. New rules swap in through
 * AlertRunner.setRules (what is kept of a changed rule: rule-identity.ts); new receivers
 * swap dispatcher by dispatcher, each new one resuming from its group's committed offset,
 * so nothing queued or parked for a receiver is lost (it is in the alert topic past that
 * offset). Reloads run one at a time.
 */
import { join, relative } from 'node:path';
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
import type { CompiledRule } from '../rules/compiled-rule.js';
import { loadAlertRuleFile, loadAlertRules, type SchemaOf } from '../rules/load.js';
import type { RuleSpec } from '../rules/rule-file-schema.js';
import { AlertHistory } from '../state/alert-history.js';
import type { Silence } from '../state/silence.js';
import { SilenceStore } from '../state/silence-store.js';
import { AlertPublisher } from '../topic/alert-publisher.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';
import { AlertRunner, type AlertRunnerStats } from './alert-runner.js';
import { retiredRoute } from './retire.js';
import { ruleChanges, type RuleVersion } from './rule-changes.js';

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

/** What a reload of one file did. */
export interface ReloadReport {
  /** As problems name it: `alerts/overheating.yaml`. */
  file: string;
  /** `failed`: the previous version keeps running and `problems` say why; `unchanged`: nothing to do. */
  outcome: 'reloaded' | 'unchanged' | 'failed';
  problems: Problem[];
  /** One line per change, for the terminal. */
  changes: string[];
  /** Loaded, but worth saying (a rule naming a receiver that is gone, a webhook without a secret). */
  warnings: string[];
}

/** The running version of one rule file. */
interface RuleFileVersion {
  rules: CompiledRule[];
  specs: Map<string, RuleSpec>;
}

/** What a reload that fixes a file back to the running version reports. */
const FIXED = 'the file loads again, the same as the version running: nothing changed';

const RECEIVER_FIELD = /^receivers\.([^.]+)/;

/** A receiver's settings without where they are written: moving it in its file changes nothing. */
const settingsOf = (config: ReceiverConfig | undefined) => (config ? JSON.stringify({ ...config, source: undefined }) : undefined);

export class AlertService {
  readonly silences: SilenceStore;
  readonly history: AlertHistory;
  readonly topics: AlertTopics;
  private readonly options: AlertServiceOptions;
  private readonly dir: string;
  private readonly runner: AlertRunner;
  private readonly publisher: AlertPublisher;
  /** The running version of each rule file, by file (`alerts/x.yaml`), in file order. */
  private readonly ruleFiles = new Map<string, RuleFileVersion>();
  /** The problems of each rule file as it is on disk (a failed reload's too, while the previous version runs). */
  private readonly ruleProblems = new Map<string, Problem[]>();
  /** The receivers loaded, used by a rule or not, by name. */
  private receivers: Map<string, ReceiverConfig>;
  private receiverProblems: Problem[];
  /** Running dispatchers, by receiver: those of receivers a rule named (once started, kept until the receivers file changes them). */
  private readonly dispatchers = new Map<string, ReceiverDispatcher>();
  private reloads: Promise<unknown> = Promise.resolve();
  private started = false;
  private stopped = false;
  private readonly onWarning: (message: string) => void;

  private constructor(options: AlertServiceOptions, dir: string, rules: CompiledRule[], specs: Map<string, RuleSpec>, problems: Problem[], receivers: Map<string, ReceiverConfig>, receiverProblems: Problem[]) {
    const { log, serde } = options;
    this.options = options;
    this.dir = dir;
    this.onWarning = options.onWarning ?? ((message) => console.error(message));
    const now = () => (options.clock ?? { now: Date.now }).now();
    for (const rule of rules) {
      const version: RuleFileVersion = this.ruleFiles.get(rule.file) ?? { rules: [], specs: new Map() };
      version.rules.push(rule);
      version.specs.set(rule.name, specs.get(rule.name)!);
      this.ruleFiles.set(rule.file, version);
    }
    for (const problem of problems) this.ruleProblems.set(problem.file, [...(this.ruleProblems.get(problem.file) ?? []), problem]);
    this.receivers = receivers;
    this.receiverProblems = receiverProblems;
    this.topics = options.topics ?? ALERT_TOPICS;
    this.silences = new SilenceStore(log, now, options.onWarning, this.topics);
    this.history = new AlertHistory(log, serde, now, options.onWarning, this.topics);
    // By the rules the evaluator runs (not the ones being loaded): a notification still
    // flushed by the previous rule set goes where its rule sent it.
    const routes = new WeakMap<readonly CompiledRule[], Map<string, string[]>>();
    const receiversOf = (rule: string, notification: object): readonly string[] => {
      const retired = retiredRoute(notification);
      if (retired) return retired;
      const running = this.runner.rules;
      let byRule = routes.get(running);
      if (!byRule) routes.set(running, (byRule = new Map(running.map((r) => [r.name, r.receivers]))));
      return byRule.get(rule) ?? [];
    };
    this.publisher = new AlertPublisher(log, serde, receiversOf, this.topics);
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
  }

  /** Loads the project's alerting and starts it; problems are in `problems` (and warned). */
  static async start(options: AlertServiceOptions): Promise<AlertService> {
    const dir = options.dir ?? join(options.root, 'alerts');
    const loadedReceivers = await loadReceivers(join(dir, 'receivers.yaml'), { root: options.root, ...(options.env ? { env: options.env } : {}) });
    const { rules, problems, specs } = await loadAlertRules(dir, options.schemaOf, new Set(loadedReceivers.receivers.keys()));
    const all = [...loadedReceivers.problems, ...problems];
    for (const problem of all) options.onWarning?.(`alerts: not loaded: ${formatProblem(problem)}`);
    // Loaded, but worth saying (a webhook without a secret sends unsigned requests), whether or not a rule uses it yet.
    for (const warning of loadedReceivers.warnings ?? []) options.onWarning?.(`alerts: ${formatProblem(warning)}`);
    const service = new AlertService(options, dir, rules, specs, problems, loadedReceivers.receivers, loadedReceivers.problems);
    try {
      await service.boot();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  /** The rules evaluated now, in file and rule order. */
  get rules(): CompiledRule[] {
    return [...this.ruleFiles.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([, version]) => version.rules);
  }

  /** The problems of the files as they are on disk: receivers.yaml's, then each rule file's. */
  get problems(): Problem[] {
    return [...this.receiverProblems, ...[...this.ruleProblems.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([, problems]) => problems)];
  }

  /** The topics of the websocket receivers, served on /ws. */
  get websocketTopics(): string[] {
    return [...this.receivers.values()].flatMap((r) => (r.kind === 'websocket' ? [r.topic] : []));
  }

  private async boot(): Promise<void> {
    await this.publisher.start();
    await this.silences.start();
    await this.history.start();
    // Receivers first: a receiver seen for the first time starts at the alert topic's end,
    // which must be before the first notification of this run.
    await this.startUsedDispatchers();
    if (this.runner.rules.length > 0) await this.runner.start();
    this.started = true;
  }

  /** Starts a dispatcher for each receiver a rule names that has none (receivers no rule names get nothing). */
  private async startUsedDispatchers(): Promise<void> {
    const used = new Set(this.rules.flatMap((r) => r.receivers));
    for (const [name, config] of this.receivers) {
      if (used.has(name) && !this.dispatchers.has(name)) await this.startDispatcher(config);
    }
  }

  private async startDispatcher(config: ReceiverConfig): Promise<void> {
    const { log, serde, onWarning } = this.options;
    // The kinds that write to the log get it here: create.ts does not depend on the log.
    const toTopic = (c: KafkaReceiverConfig | WebsocketReceiverConfig) => new TopicReceiver(c, log, serde);
    const receiver = createReceiver(config, { factories: { kafka: toTopic, websocket: toTopic } });
    const dispatcher = new ReceiverDispatcher({ log, serde, config, receiver, topics: this.topics, silences: this.silences, history: this.history, ...(onWarning ? { onWarning } : {}) });
    this.dispatchers.set(config.name, dispatcher);
    await dispatcher.start();
  }

  /** Loads the rule file `path` (saved, added or deleted) again and evaluates its new version; never rejects. */
  reloadRules(path: string): Promise<ReloadReport> {
    return this.queue(relative(this.options.root, path), () => this.reloadRulesNow(path));
  }

  /** Loads receivers.yaml again and swaps the receivers that changed; never rejects. */
  reloadReceivers(): Promise<ReloadReport> {
    const path = join(this.dir, 'receivers.yaml');
    return this.queue(relative(this.options.root, path), () => this.reloadReceiversNow(path));
  }

  private queue(file: string, reload: () => Promise<ReloadReport>): Promise<ReloadReport> {
    const run = this.reloads.then(async (): Promise<ReloadReport> => {
      if (this.stopped || !this.started) return { file, outcome: 'unchanged', problems: [], changes: [], warnings: [] };
      try {
        return await reload();
      } catch (error) {
        return { file, outcome: 'failed', problems: [{ file, field: '(file)', message: `cannot be reloaded: ${errorMessage(error)}` }], changes: [], warnings: [] };
      }
    });
    this.reloads = run;
    return run;
  }

  private async reloadRulesNow(path: string): Promise<ReloadReport> {
    const taken = new Map<string, { file: string; line: number }>();
    const file = relative(join(this.dir, '..'), path);
    for (const rule of this.rules) if (rule.file !== file) taken.set(rule.name, rule);
    const loaded = await loadAlertRuleFile(this.dir, path, this.options.schemaOf, new Set(this.receivers.keys()), taken);
    const report: ReloadReport = { file: loaded.file, outcome: 'reloaded', problems: [], changes: [], warnings: [] };
    if (loaded.problems.length > 0) {
      this.ruleProblems.set(loaded.file, loaded.problems);
      return { ...report, outcome: 'failed', problems: loaded.problems };
    }
    const hadProblems = this.ruleProblems.delete(loaded.file);
    const before = this.ruleFiles.get(loaded.file) ?? { rules: [], specs: new Map<string, RuleSpec>() };
    const versions = (v: RuleFileVersion): RuleVersion[] => v.rules.map((rule) => ({ rule, spec: v.specs.get(rule.name) }));
    const changes = ruleChanges(versions(before), versions(loaded));
    // Fixed back to what runs: worth a line after the failure the terminal showed.
    if (!changes.any) return { ...report, outcome: 'unchanged', changes: hadProblems ? [FIXED] : [] };
    if (loaded.missing) this.ruleFiles.delete(loaded.file);
    else this.ruleFiles.set(loaded.file, { rules: loaded.rules, specs: loaded.specs });

    // A receiver a new rule names gets its dispatcher before the rule can notify.
    await this.startUsedDispatchers();
    const retired = new Map((await this.runner.setRules(this.rules)).map((r) => [r.rule, r]));
    const resolved = (rule: string) => {
      const n = retired.get(rule)?.resolved ?? 0;
      return n === 0 ? 'no open alerts' : `${n} open alert${n === 1 ? '' : 's'} resolved`;
    };
    for (const name of changes.added) report.changes.push(`rule ${name} added`);
    for (const name of changes.removed) report.changes.push(`rule ${name} removed (${resolved(name)})`);
    for (const [name, what] of changes.replaced) report.changes.push(`rule ${name} is another rule now (${what}): ${resolved(name)}, it starts again`);
    for (const [name, fields] of changes.decision) report.changes.push(`rule ${name}: ${fields.join(', ')} changed; its alerts keep their state and the new rule decides from the next record`);
    for (const [name, fields] of changes.text) report.changes.push(`rule ${name}: ${fields.join(', ')} changed`);
    return report;
  }

  private async reloadReceiversNow(path: string): Promise<ReloadReport> {
    const loaded = await loadReceivers(path, { root: this.options.root, ...(this.options.env ? { env: this.options.env } : {}) });
    const file = relative(this.options.root, path);
    const report: ReloadReport = { file, outcome: 'reloaded', problems: loaded.problems, changes: [], warnings: (loaded.warnings ?? []).map(formatProblem) };
    // A problem of no receiver in particular: the file is not read as a whole, so nothing of it is taken.
    if (loaded.problems.some((p) => !RECEIVER_FIELD.test(p.field))) {
      this.receiverProblems = loaded.problems;
      return { ...report, outcome: 'failed' };
    }
    // A receiver with problems keeps its previous version, if it had one; the others take theirs.
    const next = new Map(loaded.receivers);
    const broken = new Set(loaded.problems.map((p) => RECEIVER_FIELD.exec(p.field)![1]!));
    for (const name of broken) {
      const previous = this.receivers.get(name);
      if (previous && !next.has(name)) next.set(name, previous);
    }
    const used = new Set(this.rules.flatMap((r) => r.receivers));
    for (const name of new Set([...this.receivers.keys(), ...next.keys()])) {
      const before = this.receivers.get(name);
      const after = next.get(name);
      if (settingsOf(before) === settingsOf(after)) continue;
      const running = this.dispatchers.get(name);
      if (running) {
        // Stopped, it commits only what it delivered: the new one resumes there, so what was queued or parked is sent again.
        await running.stop();
        this.dispatchers.delete(name);
      }
      if (after && (running || used.has(name))) await this.startDispatcher(after);
      report.changes.push(!before ? `receiver ${name} added` : !after ? `receiver ${name} removed` : `receiver ${name} changed${running ? ': its undelivered notifications go to the new version' : ''}`);
    }
    this.receivers = next;
    const hadProblems = this.receiverProblems.length > 0;
    this.receiverProblems = loaded.problems;
    for (const rule of this.rules) {
      for (const name of rule.receivers) {
        if (!next.has(name)) report.warnings.push(`rule ${rule.name} (${rule.file}:${rule.line}) notifies receiver ${name}, which ${file} no longer defines: its notifications for ${name} wait in the alert topic until ${name} is defined again`);
      }
    }
    if (loaded.problems.length > 0) return { ...report, outcome: 'failed' };
    if (report.changes.length === 0) return { ...report, outcome: 'unchanged', changes: hadProblems ? [FIXED] : [] };
    return report;
  }

  async status(): Promise<AlertServiceStatus> {
    return {
      rules: this.rules.map((r) => ({ name: r.name, source: r.source, severity: r.severity, receivers: r.receivers, file: `${r.file}:${r.line}` })),
      problems: this.problems.map(formatProblem),
      engine: this.runner.stats(),
      receivers: await Promise.all([...this.dispatchers.values()].map((d) => d.stats())),
    };
  }

  /** Resolves once every receiver is done with what it has read (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.dispatchers.values()].map((d) => d.idle()));
  }

  /** The evaluator checkpoints first (its notifications are in the topic), then the receivers stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.reloads;
    const warn = (what: string) => (error: unknown) => this.onWarning(`alerts: stopping ${what} failed: ${errorMessage(error)}`);
    await this.runner.stop().catch(warn('the rule evaluator'));
    for (const dispatcher of this.dispatchers.values()) await dispatcher.stop().catch(warn(`receiver ${dispatcher.name}`));
    await this.silences.close().catch(warn('silences'));
    await this.history.close().catch(warn('history'));
  }
}
