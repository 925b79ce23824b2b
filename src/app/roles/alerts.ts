/**
 * The alerts role. `evaluate`: the project's rules and receivers (AlertService): one
 * process of all that run it evaluates (a lease), every one delivers for its receivers.
 * `read-only` (`fastdata serve`): the alert history and silences the evaluating processes
 * write, for the REST API, and the rules only for the alert topic's lineage.
 *
 * `reload(file)` (the reload role calls it when a file of alerts/ is saved, added or
 * deleted): the rule file, or receivers.yaml, loaded again by the service; what changed
 * or why nothing did is reported as events. The alert topic's lineage follows the rules.
 */
import { basename, join } from 'node:path';
import { formatProblem } from '../../config/validated-file.js';
import { FastdataError } from '../../errors.js';
import { loadAlertRules, type CompiledRule } from '../../alerts/rules/index.js';
import { openAlertingApi } from '../../alerts/runtime/alerting-api.js';
import { AlertService, type ReloadReport } from '../../alerts/runtime/alert-service.js';
import { outputSchemaOf } from '../../alerts/runtime/schema-of.js';
import { alertOutputs, alertTopics } from '../../alerts/topic/topics.js';
import type { AlertingApi } from '../../serve/alerts/alert-routes.js';
import type { ProcessContext, Role } from '../process.js';

export type AlertsMode = 'evaluate' | 'read-only';

type ReadOnlyApi = NonNullable<Awaited<ReturnType<typeof openAlertingApi>>>;

export class AlertsRole implements Role {
  readonly name = 'alerts';
  private readonly context: ProcessContext;
  private readonly mode: AlertsMode;
  /** The rules and receivers, evaluating (mode evaluate). */
  service: AlertService | undefined;
  private readOnly: ReadOnlyApi | undefined;
  /** The rules read at start, read-only mode (the service has its own, reloaded). */
  private rules: readonly CompiledRule[] = [];

  constructor(context: ProcessContext, mode: AlertsMode = 'evaluate') {
    this.context = context;
    this.mode = mode;
  }

  async start(): Promise<void> {
    const { root, log, serde, registry, config, clock } = this.context;
    const topics = alertTopics(config.alerts.topicPrefix);
    // Rules are checked against the output schemas of the project's modules.
    const schemaOf = outputSchemaOf(this.context.project.streams.map((s) => s.module), root, registry);
    if (this.mode === 'read-only') {
      this.rules = (await loadAlertRules(join(root, 'alerts'), schemaOf, undefined)).rules;
      this.readOnly = await openAlertingApi(log, serde, (message) => this.context.warn(message), topics);
      return;
    }
    this.service = await AlertService.start({
      root,
      log,
      serde,
      schemaOf,
      topics,
      ...(clock ? { clock } : {}),
      onWarning: (message) => this.context.warn(message),
      onLease: (active) =>
        this.context.warn(active ? 'alerts: this process now evaluates the alert rules' : 'alerts: this process stopped evaluating the alert rules (another one took over)'),
      onNotification: (notification, silence) =>
        this.context.emit({ type: 'alert', notification, ...(silence ? { silencedBy: { id: silence.id, comment: silence.comment } } : {}) }),
    });
  }

  /** The folder of rule files and receivers.yaml. */
  get dir(): string {
    return join(this.context.root, 'alerts');
  }

  /** A file of alerts/ changed: its rules (or the receivers) are loaded again; reported, never thrown. */
  async reload(path: string): Promise<ReloadReport | undefined> {
    const service = this.service;
    if (!service) return undefined;
    const receivers = basename(path) === 'receivers.yaml';
    const report = receivers ? await service.reloadReceivers() : await service.reloadRules(path);
    const file = join(this.context.root, report.file);
    if (report.changes.length > 0) this.context.emit({ type: 'file-reloaded', file, what: receivers ? 'alert receivers' : 'alert rules', changes: report.changes });
    if (report.outcome === 'failed') {
      const lines = report.problems.map(formatProblem);
      this.context.emit({ type: 'reload-failed', file, error: new FastdataError('FD_CONFIG_INVALID', lines.length === 1 ? lines[0]! : `\n  - ${lines.join('\n  - ')}`, { context: { file: report.file } }) });
    }
    for (const warning of report.warnings) this.context.warn(`alerts: ${warning}`);
    return report;
  }

  /** The alert topics served like outputs (the alert topic, websocket receivers' topics), with their lineage: the rules running now. */
  outputs() {
    return alertOutputs(this.service?.rules ?? this.rules, this.service?.websocketTopics ?? [], alertTopics(this.context.config.alerts.topicPrefix));
  }

  /** What /api/alerts answers from. */
  api(): AlertingApi | undefined {
    const service = this.service;
    if (service) return { history: service.history, silences: service.silences, status: () => service.status() };
    return this.readOnly;
  }

  async status() {
    return { alerts: await this.service?.status() };
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    await this.readOnly?.close();
  }
}
