/** The state-layout rule hot reload decides by: which module edits keep the window state. */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { layoutChange, stateLayoutOf } from '../../../src/app/reload/state-layout.js';
import type { Duration } from '../../../src/time/duration.js';
import { type Aggregator, aggregate, count, defineStream, keyBy, mapWithState, max, mean, sum, tumbling } from '../../../src/index.js';

type Reading = { sensorId: string; ts: number; temperature: number; humidity: number };

function stats(options: { size?: Duration; fields?: 'count-mean' | 'count-sum' | 'count-mean-max'; field?: 'temperature' | 'humidity'; tag?: string; name?: string }) {
  const field = options.field ?? 'temperature';
  const aggregators: Record<string, Aggregator<Reading, any, unknown>> = {
    'count-mean': { n: count(), m: mean((r: Reading) => r[field]) },
    'count-sum': { n: count(), m: sum((r: Reading) => r[field]) },
    'count-mean-max': { n: count(), m: mean((r: Reading) => r[field]), x: max((r: Reading) => r[field]) },
  }[options.fields ?? 'count-mean']!;
  return defineStream<{ readings: Reading }, unknown>({
    name: 'stats',
    inputs: { readings: 'sensor.readings' },
    output: { topic: 'stats', schema: { type: 'record', name: 'S', fields: [] }, key: () => 'k' },
    eventTime: (r) => r.ts,
    pipeline: ({ readings }) =>
      readings.pipe(
        keyBy((r) => r.sensorId),
        tumbling(options.size ?? '1m', { grace: '10s', emit: 'final' }),
        aggregate(aggregators, options.name ? { name: options.name } : {}),
        map((w) => ({ ...w, tag: options.tag ?? 'v1' })),
      ),
  });
}

const change = (a: Parameters<typeof stats>[0], b: Parameters<typeof stats>[0]) => layoutChange(stateLayoutOf(stats(a)), stateLayoutOf(stats(b)));

describe('state layout', () => {
  it('is unchanged by edits after the aggregate and by what a field reads', () => {
    expect(change({}, { tag: 'v2' })).toBeUndefined();
    expect(change({}, { field: 'humidity' })).toBeUndefined();
  });

  it('changes with the window, the accumulators or the operator name, and says which', () => {
    expect(change({}, { size: '2m' })).toBe("state 'aggregate-1' changed its window");
    expect(change({}, { fields: 'count-sum' })).toBe("state 'aggregate-1' changed its fields");
    expect(change({}, { fields: 'count-mean-max' })).toBe("state 'aggregate-1' changed its fields");
    expect(change({}, { name: 'stats-v2' })).toBe("state 'aggregate-1' removed or renamed; state 'stats-v2' added");
  });

  it('covers mapWithState stores and the inputs', () => {
    const keyed = (topic: string, ttl?: Duration) =>
      defineStream<{ readings: Reading }, unknown>({
        name: 'keyed',
        inputs: { readings: topic },
        output: { topic: 'out', schema: { type: 'record', name: 'S', fields: [] }, key: () => 'k' },
        pipeline: ({ readings }) => readings.pipe(keyBy((r) => r.sensorId), mapWithState({ init: () => ({ n: 0 }), step: (s) => s.n++, ...(ttl ? { ttl } : {}) })),
      });
    expect(stateLayoutOf(keyed('a')).stores).toEqual({ 'state-1': { kind: 'keyed', ttl: null } });
    expect(layoutChange(stateLayoutOf(keyed('a')), stateLayoutOf(keyed('a', '1h')))).toBe("state 'state-1' changed its ttl");
    expect(layoutChange(stateLayoutOf(keyed('a')), stateLayoutOf(keyed('b')))).toBe('inputs {readings: a} -> {readings: b}');
  });

  it('throws what a pipeline function throws', () => {
    const broken = defineStream<{ readings: Reading }, unknown>({
      name: 'broken',
      inputs: { readings: 'a' },
      output: { topic: 'out', schema: { type: 'record', name: 'S', fields: [] }, key: () => 'k' },
      pipeline: () => {
        throw new Error('boom');
      },
    });
    expect(() => stateLayoutOf(broken)).toThrow(/boom/);
  });
});
