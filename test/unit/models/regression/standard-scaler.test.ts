import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { standardScalerInit, standardScalerTransform, standardScalerUpdate } from '../../../../src/models/regression/standard-scaler.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

describe('standardScaler', () => {
  it('keeps each feature’s mean and population variance as the two-pass formulas give them, and standardises with them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(finite, finite), { minLength: 2, maxLength: 300 }), fc.tuple(finite, finite), (rows, probe) => {
        const s = standardScalerInit();
        for (const [a, b] of rows) standardScalerUpdate(s, { a, b });
        const check = (values: number[], x: number, name: 'a' | 'b') => {
          const mean = values.reduce((t, v) => t + v, 0) / values.length;
          const variance = values.reduce((t, v) => t + (v - mean) ** 2, 0) / values.length;
          const [n, m, v] = s.stats[name]!;
          expect(n).toBe(values.length);
          expect(Math.abs(m - mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(mean), ...values.map(Math.abs)));
          expect(Math.abs(v - variance)).toBeLessThanOrEqual(1e-7 * Math.max(1, variance, mean * mean));
          const z = standardScalerTransform(s, { [name]: x })[name]!;
          if (v > 1e-6 * Math.max(1, mean * mean)) expect(Math.abs(z - (x - mean) / Math.sqrt(variance))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(z)));
        };
        check(rows.map((r) => r[0]), probe[0], 'a');
        check(rows.map((r) => r[1]), probe[1], 'b');
      }),
      { numRuns: 200 },
    );
  });

  it('scales a feature with no spread (one value, or always the same) to 0, and leaves non-finite values out', () => {
    const s = standardScalerInit();
    standardScalerUpdate(s, { a: 5, b: 7, c: Number.NaN, d: null, e: Number.POSITIVE_INFINITY });
    standardScalerUpdate(s, { a: 5, b: 9 });
    expect(Object.keys(s.stats).sort()).toEqual(['a', 'b']);
    expect(standardScalerTransform(s, { a: 6, b: 9, c: 1, d: Number.NEGATIVE_INFINITY })).toEqual({ a: 0, b: 1, c: 0 });
  });

  it('survives JSON and refuses a state of another kind, and features that are not a record', () => {
    const s = JSON.parse(JSON.stringify(standardScalerUpdate(standardScalerInit(), { constructor: 1, toString: 2 })));
    standardScalerUpdate(s, { constructor: 3, toString: 2 });
    expect(s.stats.constructor).toEqual([2, 2, 1]);
    expect(() => standardScalerUpdate({ kind: 'ewma', v: 1 } as never, {})).toThrow(/FD_MODEL_STATE_INVALID|standard-scaler/);
    expect(() => standardScalerUpdate(standardScalerInit(), [1, 2] as never)).toThrow(/features: \[1,2\] is not a record of named numbers/);
    expect(() => standardScalerUpdate(standardScalerInit(), JSON.parse('{"__proto__": 1}'))).toThrow(/features.__proto__: is not a usable feature name/);
  });
});
