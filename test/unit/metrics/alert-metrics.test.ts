/** The alert engine and receivers, from AlertService.status(), as Prometheus series. */
import { describe, expect, it } from 'vitest';
import type { AlertServiceStatus } from '../../../src/alerts/runtime/alert-service.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { parseExposition, valueOf } from './exposition.js';

const status = (delivered: number): AlertServiceStatus => ({
  rules: [],
  problems: [],
  engine: { active: true, records: 40, undecodable: 1, notifications: 6, checkpoints: 3, republishSkipped: 0, rules: [{ name: 'overheating', keys: 20, firing: 2 }] },
  receivers: [
    { receiver: 'ops', kind: 'webhook', queued: 1, inFlight: 1, delivered, retried: 2, rejected: 0, dropped: 0, dead: 1, silenced: 3, lag: 4, groups: 0 },
  ],
});

describe('alert metrics', () => {
  it('exposes the engine and each receiver, counters never going down across a restart of the alerting', async () => {
    let alerting = { status: async () => status(5) };
    const metrics = new MetricsRegistry({ runners: () => [], alerting: () => alerting, processMetrics: false });
    let { samples } = parseExposition(await metrics.text());
    expect(valueOf(samples, 'fastdata_alert_engine_active')).toBe(1);
    expect(valueOf(samples, 'fastdata_alert_engine_notifications_total')).toBe(6);
    expect(valueOf(samples, 'fastdata_alert_rule_firing_keys', { rule: 'overheating' })).toBe(2);
    const ops = { receiver: 'ops', kind: 'webhook' };
    expect(valueOf(samples, 'fastdata_alert_receiver_delivered_total', ops)).toBe(5);
    expect(valueOf(samples, 'fastdata_alert_receiver_retried_total', ops)).toBe(2);
    expect(valueOf(samples, 'fastdata_alert_receiver_dead_total', ops)).toBe(1);
    expect(valueOf(samples, 'fastdata_alert_receiver_silenced_total', ops)).toBe(3);
    expect(valueOf(samples, 'fastdata_alert_receiver_lag_records', ops)).toBe(4);

    // A new alert service (its stats from zero) adds to what was counted.
    alerting = { status: async () => status(1) };
    ({ samples } = parseExposition(await metrics.text()));
    expect(valueOf(samples, 'fastdata_alert_receiver_delivered_total', ops)).toBe(6);
  });

  it('has no rule or receiver series before the alerting started, and the engine at zero', async () => {
    const metrics = new MetricsRegistry({ runners: () => [], alerting: () => undefined, processMetrics: false });
    const { samples } = parseExposition(await metrics.text());
    expect(samples.filter((s) => s.labels.rule !== undefined || s.labels.receiver !== undefined)).toEqual([]);
    expect(valueOf(samples, 'fastdata_alert_engine_active')).toBe(0);
    expect(valueOf(samples, 'fastdata_alert_engine_records_total')).toBe(0);
  });
});
