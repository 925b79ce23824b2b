import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HoltWintersState,
  holtWintersError,
  holtWintersForecast,
  holtWintersInit,
  holtWintersUpdate,
  holtWintersWarmup,
} from '../../../../src/models/forecast/holt-winters.js';
import { mulberry32 } from '../../../../src/sources/random.js';

const close = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(scale));

describe('Holt-Winters', () => {
  it('forecasts a purely seasonal series exactly after the warm-up (additive and multiplicative, with or without a trend term)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 30, maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        (m, base, raw, alpha, beta, gamma, multiplicative, trend) => {
          // The pattern, made to sum to 0 (additive) or average 1 (multiplicative, positive level).
          const shape = raw.slice(0, m);
          const mean = shape.reduce((a, b) => a + b, 0) / m;
          const level = multiplicative ? Math.abs(base) + 10 : base;
          const pattern = shape.map((s) => (multiplicative ? 1 + (s - mean) / 10 : s - mean));
          const y = (t: number) => (multiplicative ? level * pattern[t % m]! : level + pattern[t % m]!);
          const s = holtWintersInit({ alpha, beta: trend ? beta : undefined, gamma, season: m, seasonal: multiplicative ? 'multiplicative' : 'additive' });
          const warmup = holtWintersWarmup(s);
          expect(warmup).toBe(trend ? 2 * m : m);
          for (let t = 0; t < warmup; t++) holtWintersUpdate(s, y(t));
          let wrong = 0;
          for (let t = warmup; t < warmup + 3 * m; t++) {
            holtWintersForecast(s, 2 * m + 1).forEach((v, h) => (wrong += close(v, y(t + h), level) ? 0 : 1));
            holtWintersUpdate(s, y(t));
          }
          expect(wrong).toBe(0);
          expect(holtWintersError(s)!.mae).toBeLessThan(1e-9 * Math.max(1, Math.abs(level)));
        },
      ),
      { numRuns: 300, seed: 83 },
    );
  });

  it('bit for bit when the arithmetic is exact (dyadic values)', () => {
    const pattern = [3, -1, 2, -4];
    const s = holtWintersInit({ alpha: 0.5, beta: 0.25, gamma: 0.125, season: 4 });
    for (let t = 0; t < 8; t++) holtWintersUpdate(s, 16 + pattern[t % 4]!);
    for (let t = 8; t < 40; t++) {
      expect(holtWintersForecast(s, 6)).toEqual([0, 1, 2, 3, 4, 5].map((h) => 16 + pattern[(t + h) % 4]!));
      holtWintersUpdate(s, 16 + pattern[t % 4]!);
    }
    expect(holtWintersError(s)).toMatchObject({ n: 32, mae: 0, rmse: 0, last: 0 });
  });

  it("follows a straight line exactly (Holt's linear method) and a constant (simple exponential smoothing)", () => {
    const line = holtWintersInit({ alpha: 0.3, beta: 0.1 });
    for (let t = 0; t < 50; t++) {
      if (t >= 2) holtWintersForecast(line, 3).forEach((f, h) => expect(f).toBeCloseTo(4 + 0.5 * (t + h), 12));
      holtWintersUpdate(line, 4 + 0.5 * t);
    }
    const flat = holtWintersInit({ alpha: 0.2 });
    expect(holtWintersForecast(flat, 1)).toEqual([]);
    holtWintersUpdate(flat, 7);
    expect(holtWintersForecast(flat, 2)).toEqual([7, 7]);
  });

  it("equals H&A §8.3's recursions written out over time (s[t - m]), with the classical decomposition as start", () => {
    const rand = mulberry32(4);
    const m = 5;
    const ys = Array.from({ length: 60 }, (_, t) => 30 + 0.2 * t + [4, -2, 1, 0, -3][t % m]! + rand());
    for (const seasonal of ['additive', 'multiplicative'] as const) {
      const [alpha, beta, gamma] = [0.4, 0.15, 0.3];
      const mult = seasonal === 'multiplicative';
      // The start, by hand: the two seasons' means, the trend between them, the line through them.
      const a1 = ys.slice(0, m).reduce((a, b) => a + b) / m;
      const a2 = ys.slice(m, 2 * m).reduce((a, b) => a + b) / m;
      const b0 = (a2 - a1) / m;
      const line = (t: number) => a1 + b0 * (t - (m + 1) / 2);
      const raw = Array.from({ length: m }, (_, j) => [j + 1, m + j + 1].map((t) => (mult ? ys[t - 1]! / line(t) : ys[t - 1]! - line(t))).reduce((a, b) => a + b) / 2);
      const centre = raw.reduce((a, b) => a + b) / m;
      // Index by time: s[t] for t = m+1 .. 2m are the initial seasonal terms (time 2m is the last warm-up value).
      const s: number[] = [];
      raw.forEach((r, j) => (s[m + j + 1] = mult ? r / centre : r - centre));
      let l = line(2 * m);
      let b = b0;
      const expected: number[] = [];
      for (let t = 2 * m + 1; t <= ys.length; t++) {
        expected.push(mult ? (l + b) * s[t - m]! : l + b + s[t - m]!);
        const y = ys[t - 1]!;
        const lNew = mult ? alpha * (y / s[t - m]!) + (1 - alpha) * (l + b) : alpha * (y - s[t - m]!) + (1 - alpha) * (l + b);
        const bNew = beta * (lNew - l) + (1 - beta) * b;
        s[t] = mult ? (gamma * y) / (l + b) + (1 - gamma) * s[t - m]! : gamma * (y - l - b) + (1 - gamma) * s[t - m]!;
        l = lNew;
        b = bNew;
      }
      const model = holtWintersInit({ alpha, beta, gamma, season: m, seasonal });
      const got: number[] = [];
      for (const y of ys) {
        const f = holtWintersForecast(model, 1);
        if (f.length) got.push(f[0]!);
        holtWintersUpdate(model, y);
      }
      expect(got.length).toBe(expected.length);
      got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 9));
      // The errors, from the forecasts above.
      const errors = ys.slice(2 * m).map((y, i) => y - expected[i]!);
      const e = holtWintersError(model)!;
      expect(e.n).toBe(errors.length);
      expect(e.mae).toBeCloseTo(errors.reduce((a, x) => a + Math.abs(x), 0) / errors.length, 9);
      expect(e.rmse).toBeCloseTo(Math.sqrt(errors.reduce((a, x) => a + x * x, 0) / errors.length), 9);
      expect(e.last).toBeCloseTo(errors.at(-1)!, 9);
      let recent = Math.abs(errors[0]!);
      for (const x of errors.slice(1)) recent += 0.1 * (Math.abs(x) - recent);
      expect(e.recentMae).toBeCloseTo(recent, 9);
    }
  });

  it('a missing value after the warm-up moves time on: the season stays aligned with the records', () => {
    const pattern = [5, -5, 2, -2];
    const s = holtWintersInit({ alpha: 0.3, beta: 0.1, gamma: 0.2, season: 4 });
    for (let t = 0; t < 30; t++) {
      const y = 100 + pattern[t % 4]!;
      if (t === 13 || t === 21) {
        holtWintersUpdate(s, null);
        continue;
      }
      if (t > 8) expect(close(holtWintersForecast(s, 1)[0]!, y, 100)).toBe(true);
      holtWintersUpdate(s, y);
    }
    expect(s.n).toBe(28);
    expect(holtWintersError(s)!.n).toBe(28 - 8);
  });

  it('survives a restart mid-stream (also mid-warm-up): JSON state, identical forecasts and errors', () => {
    const rand = mulberry32(17);
    const ys = Array.from({ length: 1000 }, (_, t) => 20 + Math.sin((2 * Math.PI * t) / 60) * 3 + rand());
    const options = { alpha: 0.2, beta: 0.01, gamma: 0.1, season: 60 };
    const whole = holtWintersInit(options);
    const expected = ys.map((y) => {
      holtWintersUpdate(whole, y);
      return [holtWintersForecast(whole, 5), holtWintersError(whole)];
    });
    let s = holtWintersInit(options);
    const got = ys.map((y, i) => {
      if (i % 97 === 0) s = JSON.parse(JSON.stringify(s)) as HoltWintersState;
      holtWintersUpdate(s, y);
      return [holtWintersForecast(s, 5), holtWintersError(s)];
    });
    expect(got).toEqual(expected);
  });

  it('refuses bad options, naming them and the fix', () => {
    expect(() => holtWintersInit({ alpha: 1.5 })).toThrow(/alpha: 1.5 is not a number in \[0, 1\]/);
    expect(() => holtWintersInit({ alpha: 0.5, season: 12 })).toThrow(/gamma: a season needs gamma/);
    expect(() => holtWintersInit({ alpha: 0.5, gamma: 0.1 })).toThrow(/season: gamma was given without a season/);
    expect(() => holtWintersInit({ alpha: 0.5, gamma: 0.1, season: 1 })).toThrow(/season: 1 is not a whole number in \[2,/);
    expect(() => holtWintersInit({ alpha: 0.5, seasonal: 'both' as 'additive' })).toThrow(/seasonal: "both" is not one of/);
    expect(() => holtWintersForecast(holtWintersInit({ alpha: 0.5 }), 0)).toThrow(/h: 0 is not a whole number/);
  });
});
