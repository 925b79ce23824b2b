/**
 * The alert engine (the rule evaluator) and its receivers, from AlertService.status() at
 * scrape time. Counters are kept monotonic across a restart of the alerting (see
 * monotonic-totals.ts).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlertingStatusSource } from './sources.js';
import { MonotonicTotals } from './monotonic-totals.js';

type Alerting = () => { status(): Promise<AlertingStatusSource> } | undefined;

/** How long the collects of one scrape may share one status read. */
const SHARED_READ_MS = 250;

const ENGINE_TOTALS = ['records', 'undecodable', 'notifications', 'checkpoints'] as const;
const RECEIVER_TOTALS = ['delivered', 'retried', 'rejected', 'dropped', 'dead', 'silenced'] as const;

const ENGINE_HELP: Record<(typeof ENGINE_TOTALS)[number], string> = {
  records: 'Output records the alert engine evaluated.',
  undecodable: 'Records the alert engine could not decode (skipped).',
  notifications: 'Notifications (firing or resolved) the alert engine published.',
  checkpoints: 'Checkpoints of the alert engine.',
};
const RECEIVER_HELP: Record<(typeof RECEIVER_TOTALS)[number], string> = {
  delivered: 'Notifications the receiver delivered.',
  retried: 'Delivery attempts after the first, over all notifications.',
  rejected: 'Notifications the receiver refused (a 4xx other than 408/429); not retried.',
  dropped: 'Notifications pushed out of a full receiver queue.',
  dead: 'Notifications still failing after the retries (given up).',
  silenced: 'Notifications not sent because a silence matched.',
};

export class AlertMetrics {
  private readonly engineTotals = new MonotonicTotals(ENGINE_TOTALS);
  private readonly receiverTotals = new MonotonicTotals(RECEIVER_TOTALS);
  /** One status read per scrape, shared by every metric's collect (the receivers' lag costs a log read). */
  private pending: { at: number; read: Promise<{ source: object; status: AlertingStatusSource } | undefined> } | undefined;

  constructor(registry: Registry, alerting: Alerting) {
    const registers = [registry];
    const read = () => {
      // The collects of one scrape run within a few milliseconds of each other; they share
      // this read, and the service it came from. `newScrape()` starts the next one afresh.
      if (!this.pending || performance.now() - this.pending.at > SHARED_READ_MS) {
        const source = alerting();
        this.pending = {
          at: performance.now(),
          read: source
            ? source.status().then(
                (status) => ({ source, status }),
                // The module metrics are still worth a scrape: the alert series are left out this time.
                () => undefined,
              )
            : Promise.resolve(undefined),
        };
      }
      return this.pending.read;
    };
    const engine = async () => {
      const r = await read();
      return r && { active: r.status.engine.active, rules: r.status.engine.rules, totals: this.engineTotals.update('engine', r.source, r.status.engine) };
    };
    const receivers = async () => {
      const r = await read();
      return (r?.status.receivers ?? []).map((x) => ({ ...x, totals: this.receiverTotals.update(x.receiver, r!.source, x) }));
    };

    for (const key of ENGINE_TOTALS) {
      new Counter({
        name: `fastdata_alert_engine_${key}_total`,
        help: ENGINE_HELP[key],
        registers,
        async collect() {
          const e = await engine();
          this.reset();
          if (e) this.inc(e.totals[key]);
        },
      });
    }
    new Gauge({
      name: 'fastdata_alert_engine_active',
      help: '1 when this process evaluates the alert rules (holds the lease), 0 when it stands by.',
      registers,
      async collect() {
        const e = await engine();
        this.set(e?.active ? 1 : 0);
      },
    });
    new Gauge({
      name: 'fastdata_alert_rule_firing_keys',
      help: 'Keys (entities) for which the rule is firing now.',
      labelNames: ['rule'],
      registers,
      async collect() {
        const e = await engine();
        this.reset();
        for (const rule of e?.rules ?? []) this.set({ rule: rule.name }, rule.firing);
      },
    });
    for (const key of RECEIVER_TOTALS) {
      new Counter({
        name: `fastdata_alert_receiver_${key}_total`,
        help: RECEIVER_HELP[key],
        labelNames: ['receiver', 'kind'],
        registers,
        async collect() {
          const list = await receivers();
          this.reset();
          for (const r of list) this.inc({ receiver: r.receiver, kind: r.kind }, r.totals[key]);
        },
      });
    }
    const receiverGauge = (name: string, help: string, pick: (r: AlertingStatusSource['receivers'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['receiver', 'kind'],
        registers,
        async collect() {
          const list = await receivers();
          this.reset();
          for (const r of list) this.set({ receiver: r.receiver, kind: r.kind }, pick(r));
        },
      });
    receiverGauge('fastdata_alert_receiver_queued', 'Notifications waiting for the receiver, plus the one in flight.', (r) => r.queued);
    receiverGauge('fastdata_alert_receiver_lag_records', 'Notifications in the alert topic past the receiver\'s committed offset.', (r) => r.lag);
  }

  /** The next collects read the status afresh (MetricsRegistry.text() calls it before each scrape). */
  newScrape(): void {
    this.pending = undefined;
  }
}
