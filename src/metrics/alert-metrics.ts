/**
 * The alert engine (the rule evaluator) and its receivers, from AlertService.status() at
 * scrape time. Counters are kept monotonic across a restart of the alerting (see
 * monotonic-totals.ts).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlertingStatusSource } from './sources.js';
import { MonotonicTotals } from './monotonic-totals.js';

type Alerting = () => { status(): Promise<AlertingStatusSource> } | undefined;

/**
 * What a receiver that parks reports beside its counts (ReceiverQueue's ParkingStats; this
 * layer does not import alerts/). Absent for one that does not park.
 */
interface ParkingSource {
  state: 'up' | 'parked';
  parked: number;
  oldestAgeMs?: number;
  probes: number;
  resent: number;
  expired: number;
  superseded: number;
}
type ReceiverSource = AlertingStatusSource['receivers'][number] & { parking?: ParkingSource };
const NO_PARKING: ParkingSource = { state: 'up', parked: 0, probes: 0, resent: 0, expired: 0, superseded: 0 };

/** How long the collects of one scrape may share one status read. */
const SHARED_READ_MS = 250;

const ENGINE_TOTALS = ['records', 'undecodable', 'notifications', 'checkpoints'] as const;
const RECEIVER_TOTALS = ['delivered', 'retried', 'rejected', 'dropped', 'dead', 'silenced'] as const;
/** Named as exported: `expired` is `dropped_expired`, so it sorts beside `dropped` and says it was never sent. */
const PARKING_TOTALS = ['resent', 'expired', 'superseded', 'probes'] as const;
const PARKING_NAMES: Record<(typeof PARKING_TOTALS)[number], string> = { resent: 'resent', expired: 'dropped_expired', superseded: 'superseded', probes: 'probes' };
const PARKING_HELP: Record<(typeof PARKING_TOTALS)[number], string> = {
  resent: 'Parked notifications delivered once the receiver answered again.',
  expired: "Notifications dropped undelivered because they were older than the receiver's max_age when their turn came.",
  superseded: 'Parked firing notifications not re-sent because their alert resolved meanwhile (the resolve was sent instead).',
  probes: 'Attempts made while the receiver was taken for down (one per probe_interval).',
};

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
  dead: 'Notifications given up on after the retries; 0 for the receivers of the alert service, which park instead (see fastdata_alert_receiver_parked).',
  silenced: 'Notifications not sent because a silence matched.',
};

export class AlertMetrics {
  private readonly engineTotals = new MonotonicTotals(ENGINE_TOTALS);
  private readonly receiverTotals = new MonotonicTotals(RECEIVER_TOTALS);
  private readonly parkingTotals = new MonotonicTotals(PARKING_TOTALS);
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
      return (r?.status.receivers ?? []).map((x: ReceiverSource) => {
        const parking = x.parking ?? NO_PARKING;
        return { ...x, parking, totals: this.receiverTotals.update(x.receiver, r!.source, x), parkingTotals: this.parkingTotals.update(x.receiver, r!.source, parking) };
      });
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
    for (const key of PARKING_TOTALS) {
      new Counter({
        name: `fastdata_alert_receiver_${PARKING_NAMES[key]}_total`,
        help: PARKING_HELP[key],
        labelNames: ['receiver', 'kind'],
        registers,
        async collect() {
          const list = await receivers();
          this.reset();
          for (const r of list) this.inc({ receiver: r.receiver, kind: r.kind }, r.parkingTotals[key]);
        },
      });
    }
    const receiverGauge = (name: string, help: string, pick: (r: ReceiverSource & { parking: ParkingSource }) => number) =>
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
    receiverGauge('fastdata_alert_receiver_down', '1 while the receiver is taken for down (a notification spent its retries; probed every probe_interval), else 0.', (r) => (r.parking.state === 'parked' ? 1 : 0));
    receiverGauge(
      'fastdata_alert_receiver_parked',
      'Notifications held because the receiver was down, not yet delivered (in memory; more may wait in the alert topic: lag_records).',
      (r) => r.parking.parked,
    );
    receiverGauge(
      'fastdata_alert_receiver_oldest_parked_age_seconds',
      'Age of the oldest parked notification (since it was published to the alert topic); 0 when none.',
      (r) => (r.parking.oldestAgeMs ?? 0) / 1_000,
    );
  }

  /** The next collects read the status afresh (MetricsRegistry.text() calls it before each scrape). */
  newScrape(): void {
    this.pending = undefined;
  }
}
