/**
 * A resolve's annotations are the template over the values at resolve time (issue 17):
 * the record that resolved the alert, or, for a resolve at a `keep_firing_for` deadline,
 * the last record seen before it; never the firing's record again.
 */
import { describe, expect, it } from 'vitest';
import { RuleEvaluator, type EngineRule } from '../../../src/alerts/engine/index.js';

interface Rec { id: string; temp: number }

function rule(over: Partial<EngineRule> = {}): EngineRule {
  return {
    name: 'hot',
    keyOf: (v) => (v as Rec).id,
    when: (v) => (v as Rec).temp > 80,
    forMs: 0,
    keepFiringForMs: 0,
    severity: 'warning',
    labels: {},
    annotate: (v) => ({ summary: `runs hot: ${(v as Rec).temp} °C` }),
    receivers: [],
    ...over,
  };
}

describe('resolve annotations', () => {
  it('with recover: from the record that resolved it', () => {
    const ev = new RuleEvaluator(rule({ recover: (v) => (v as Rec).temp < 70 }));
    expect(ev.observe({ id: 's', temp: 91 }, 0).map((n) => n.annotations.summary)).toEqual(['runs hot: 91 °C']);
    expect(ev.observe({ id: 's', temp: 75 }, 60_000)).toEqual([]); // hysteresis band
    expect(ev.observe({ id: 's', temp: 66.5 }, 120_000).map((n) => [n.status, n.annotations.summary])).toEqual([['resolved', 'runs hot: 66.5 °C']]);
  });

  it('with keep_firing_for: from the last record before the deadline', () => {
    const ev = new RuleEvaluator(rule({ keepFiringForMs: 120_000 }));
    ev.observe({ id: 's', temp: 91 }, 0);
    ev.observe({ id: 's', temp: 95 }, 60_000);
    ev.observe({ id: 's', temp: 72 }, 120_000);
    ev.observe({ id: 's', temp: 71 }, 180_000);
    const resolved = ev.advance(240_000);
    expect(resolved.map((n) => [n.status, n.endsAt, n.annotations.summary])).toEqual([['resolved', 240_000, 'runs hot: 71 °C']]);
  });
});
