/**
 * fastdata's k-means, ADWIN, Page-Hinkley and Holt-Winters against River (river 0.26.1 from
 * PyPI) on the same generated streams. River runs in test/fixtures/river/clustering_drift.py;
 * the agreement stated per model:
 *
 * - ADWIN: the same detection indices, and the same window width and mean after every value
 *   (River's defaults and variants of delta, clock, min_window_length, grace_period, max_buckets).
 * - Page-Hinkley: the same detection indices (defaults, each mode, other thresholds).
 * - k-means: from the same initial centers (fastdata's first k distinct points; River would
 *   draw them at random), with learningRate = River's halflife, the same assignment of every
 *   point and bit-identical final centers.
 * - Holt-Winters: from the same initial components (fastdata's warm-up; River initialises
 *   differently, see holt-winters.ts), bit-identical forecasts 1..h steps ahead before every value.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type AdwinOptions, adwinInit, adwinUpdate } from '../../src/models/drift/adwin.js';
import { type PageHinkleyOptions, pageHinkleyInit, pageHinkleyUpdate } from '../../src/models/drift/page-hinkley.js';
import { kmeansInit, kmeansPredict, kmeansUpdate } from '../../src/models/clustering/kmeans.js';
import { holtWintersForecast, holtWintersInit, holtWintersUpdate, type HoltWintersOptions } from '../../src/models/forecast/holt-winters.js';
import { mulberry32 } from '../../src/sources/random.js';
import { requirePythonVenv } from '../helpers/python-venv.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/river/clustering_drift.py', import.meta.url));
const venv = requirePythonVenv('river', ['river==0.26.1'], 'import river', 'River comparison of clustering and drift (test/models-river/clustering-drift.test.ts)');

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Pieces of noise around a mean: [[length, mean, spread], ...]. */
function piecewise(seed: number, pieces: [number, number, number][]): number[] {
  const g = gaussian(mulberry32(seed));
  return pieces.flatMap(([n, mean, sd]) => Array.from({ length: n }, () => mean + sd * g()));
}

function bernoulli(seed: number, pieces: [number, number][]): number[] {
  const rand = mulberry32(seed);
  return pieces.flatMap(([n, p]) => Array.from({ length: n }, () => (rand() < p ? 1 : 0)));
}

const DRIFT_STREAMS: Record<string, number[]> = {
  'gaussian, three shifts': piecewise(1, [[1500, 0, 1], [1500, 1.5, 1], [1000, -0.5, 1], [2000, 3, 2]]),
  'bernoulli 0.2 -> 0.6 -> 0.3': bernoulli(2, [[2000, 0.2], [2000, 0.6], [2000, 0.3]]),
  'stationary uniform': Array.from({ length: 5000 }, mulberry32(3)),
  'gradual drift': Array.from({ length: 4000 }, (_, i) => Math.sin(i / 300) * 2 + gaussian(mulberry32(4 + i))()),
  'sensor with a step': piecewise(5, [[3000, 21.5, 0.3], [3000, 22.1, 0.3]]),
};

const ADWIN_VARIANTS: { name: string; ours: AdwinOptions; river: Record<string, number> }[] = [
  { name: 'defaults', ours: {}, river: {} },
  { name: 'clock 1', ours: { clock: 1 }, river: { clock: 1 } },
  { name: 'delta 0.05, clock 8', ours: { delta: 0.05, clock: 8 }, river: { delta: 0.05, clock: 8 } },
  { name: 'min window 20, grace 100, max buckets 3', ours: { minWindowLength: 20, gracePeriod: 100, maxBuckets: 3 }, river: { min_window_length: 20, grace_period: 100, max_buckets: 3 } },
];

const PH_VARIANTS: { name: string; ours: PageHinkleyOptions; river: Record<string, unknown> }[] = [
  { name: 'defaults', ours: {}, river: {} },
  { name: 'threshold 10, up', ours: { threshold: 10, mode: 'up' }, river: { threshold: 10, mode: 'up' } },
  { name: 'threshold 10, down, delta 0.1', ours: { threshold: 10, mode: 'down', delta: 0.1 }, river: { threshold: 10, mode: 'down', delta: 0.1 } },
  { name: 'threshold 5, alpha 0.99, 10 instances', ours: { threshold: 5, alpha: 0.99, minInstances: 10 }, river: { threshold: 5, alpha: 0.99, min_instances: 10 } },
];

/** Points around drifting centers in `d` dimensions. */
function clusteredPoints(seed: number, k: number, d: number, n: number, drift: number): number[][] {
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => (rand() - 0.5) * 20));
  return Array.from({ length: n }, (_, i) => {
    const c = centers[Math.floor(rand() * k)]!;
    return c.map((v, j) => v + drift * i * (j % 2 === 0 ? 1 : -1) + g());
  });
}

const KMEANS_CASES = [
  { name: 'k=3 d=2 halflife 0.1', k: 3, d: 2, rate: 0.1, points: clusteredPoints(11, 3, 2, 3000, 0) },
  { name: 'k=5 d=4 halflife 0.5, drifting', k: 5, d: 4, rate: 0.5, points: clusteredPoints(12, 5, 4, 3000, 0.002) },
  { name: 'k=2 d=3 halflife 0.05, with duplicates first', k: 2, d: 3, rate: 0.05, points: [[1, 1, 1], [1, 1, 1], ...clusteredPoints(13, 2, 3, 2000, 0)] },
];

/** A season of 24 with noise, a trend, and a second pattern (multiplicative: positive values). */
function seasonalSeries(seed: number, n: number, m: number, multiplicative: boolean): number[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, (_, t) => {
    const shape = Math.sin((2 * Math.PI * t) / m) + 0.5 * Math.cos((4 * Math.PI * t) / m);
    const level = 50 + 0.05 * t;
    return multiplicative ? level * (1 + 0.2 * shape) + g() : level + 5 * shape + g();
  });
}

const HW_CASES: { name: string; ours: HoltWintersOptions; river: Record<string, unknown>; series: number[] }[] = [
  { name: 'additive, m=24', ours: { alpha: 0.3, beta: 0.05, gamma: 0.2, season: 24 }, river: { alpha: 0.3, beta: 0.05, gamma: 0.2, seasonality: 24 }, series: seasonalSeries(21, 600, 24, false) },
  { name: 'multiplicative, m=12', ours: { alpha: 0.5, beta: 0.1, gamma: 0.3, season: 12, seasonal: 'multiplicative' }, river: { alpha: 0.5, beta: 0.1, gamma: 0.3, seasonality: 12, multiplicative: true }, series: seasonalSeries(22, 400, 12, true) },
  { name: "Holt's linear (no season)", ours: { alpha: 0.4, beta: 0.2 }, river: { alpha: 0.4, beta: 0.2 }, series: seasonalSeries(23, 300, 10, false) },
];
const HORIZON = 30;

interface RiverAnswer {
  kmeans: { assignments: number[]; centers: number[][] }[];
  adwin: { detections: number[]; widths: number[]; estimations: number[] }[];
  page_hinkley: { detections: number[] }[];
  holt_winters: { forecasts: number[][] }[];
}

function river(python: string, request: unknown): RiverAnswer {
  const result = spawnSync(python, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${SCRIPT} exited ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as RiverAnswer;
}

describe.skipIf(!venv.ok)('clustering and drift against River 0.26.1', () => {
  const python = venv.ok ? venv.python : '';

  // fastdata's runs, and what River is asked to run on the same streams.
  const adwinRuns = Object.entries(DRIFT_STREAMS).flatMap(([stream, xs]) =>
    ADWIN_VARIANTS.map((variant) => {
      const s = adwinInit(variant.ours);
      const detections: number[] = [];
      const widths: number[] = [];
      const means: number[] = [];
      xs.forEach((x, i) => {
        adwinUpdate(s, x);
        if (s.drift) detections.push(i);
        widths.push(s.width);
        means.push(s.mean);
      });
      return { name: `${stream}, ${variant.name}`, request: { params: variant.river, stream: xs }, detections, widths, means };
    }),
  );
  const phRuns = Object.entries(DRIFT_STREAMS).flatMap(([stream, xs]) =>
    PH_VARIANTS.map((variant) => {
      const s = pageHinkleyInit(variant.ours);
      const detections: number[] = [];
      xs.forEach((x, i) => {
        if (pageHinkleyUpdate(s, x).drift) detections.push(i);
      });
      return { name: `${stream}, ${variant.name}`, request: { params: variant.river, stream: xs }, detections };
    }),
  );
  const kmeansRuns = KMEANS_CASES.map((c) => {
    const s = kmeansInit({ k: c.k, dimensions: c.d, learningRate: c.rate });
    const assignments: number[] = [];
    // River starts from the first k distinct points; until we have them, our points are centers
    // (or duplicates of one), which River's update leaves where they are.
    let initial: number[][] | undefined;
    for (const p of c.points) {
      kmeansUpdate(s, p);
      assignments.push(kmeansPredict(s, p)!.cluster);
      if (!initial && s.centers.length === c.k) initial = s.centers.map((center) => [...center]);
    }
    return { name: c.name, request: { k: c.k, halflife: c.rate, centers: firstDistinct(c.points, c.k), points: c.points }, assignments, centers: s.centers, initial };
  });
  const hwRuns = HW_CASES.map((c) => {
    const s = holtWintersInit(c.ours);
    let i = 0;
    while (!s.ready) holtWintersUpdate(s, c.series[i++]!);
    const start = { level: s.level, trend: s.trend, season: [...s.seasonals.slice(s.next), ...s.seasonals.slice(0, s.next)] };
    const rest = c.series.slice(i);
    const forecasts = rest.map((y) => {
      const f = holtWintersForecast(s, HORIZON);
      holtWintersUpdate(s, y);
      return f;
    });
    return { name: c.name, request: { params: c.river, ...start, stream: rest, horizon: HORIZON }, forecasts };
  });

  const answer = venv.ok
    ? river(python, {
        adwin: adwinRuns.map((r) => r.request),
        page_hinkley: phRuns.map((r) => r.request),
        kmeans: kmeansRuns.map((r) => r.request),
        holt_winters: hwRuns.map((r) => r.request),
      })
    : undefined;

  it('ADWIN: the same detection indices, and the same window width and mean after every value', () => {
    let detections = 0;
    adwinRuns.forEach((run, i) => {
      const theirs = answer!.adwin[i]!;
      expect(run.detections, run.name).toEqual(theirs.detections);
      expect(run.widths, run.name).toEqual(theirs.widths);
      expect(run.means, run.name).toEqual(theirs.estimations);
      detections += run.detections.length;
    });
    // The streams have changes: agreement on "never" would prove little.
    expect(detections).toBeGreaterThan(20);
  });

  it('Page-Hinkley: the same detection indices', () => {
    let detections = 0;
    phRuns.forEach((run, i) => {
      expect(run.detections, run.name).toEqual(answer!.page_hinkley[i]!.detections);
      detections += run.detections.length;
    });
    expect(detections).toBeGreaterThan(10);
  });

  it("k-means with River's fixed rate: the same assignment of every point and bit-identical centers", () => {
    kmeansRuns.forEach((run, i) => {
      const theirs = answer!.kmeans[i]!;
      expect(run.initial, run.name).toEqual(run.request.centers);
      expect(run.assignments, run.name).toEqual(theirs.assignments);
      expect(run.centers, run.name).toEqual(theirs.centers);
      // Every cluster is used: the comparison covers moves of each center.
      expect(new Set(run.assignments).size, run.name).toBe(run.request.k);
    });
  });

  it('Holt-Winters from the same components: bit-identical forecasts 1..h ahead before every value', () => {
    hwRuns.forEach((run, i) => {
      expect(run.forecasts.length, run.name).toBeGreaterThan(200);
      expect(run.forecasts, run.name).toEqual(answer!.holt_winters[i]!.forecasts);
    });
  });
});

/** The first k distinct points, computed here from the stream (not from the model). */
function firstDistinct(points: number[][], k: number): number[][] {
  const out: number[][] = [];
  for (const p of points) {
    if (out.length === k) break;
    if (!out.some((q) => q.every((v, j) => v === p[j]))) out.push(p);
  }
  return out;
}
