/**
 * Streaming k-means: k centers in d dimensions that follow a stream of points, one point or
 * one mini-batch at a time, in constant memory, forgetting old points at a chosen rate so the
 * centers track data that drifts.
 *
 * The update is Sculley's mini-batch k-means (2010) with Spark's forgetful weights
 * (`StreamingKMeans`' decayFactor, time unit "points"). Each center c keeps a weight w, its
 * decayed count of points. For a mini-batch of m points, each point is assigned to its
 * nearest center *before* the batch moves any center; then every weight decays by decay^m,
 * and a center that got m_c points with mean x̄_c moves by
 *
 *   w_c += m_c;   c += (m_c / w_c) · (x̄_c - c)
 *
 * With decay 1 (the default) this is Sculley's per-center learning rate 1/count: a center is
 * exactly the mean of the points it was given, and one point at a time is MacQueen's
 * sequential k-means. With decay < 1 (or `halfLife` h: decay = 0.5^(1/h)), a point's weight
 * halves every h points, so the rate settles at about 1 - decay and the centers follow drift.
 *
 * `learningRate` η instead moves the nearest center by a fixed fraction of the distance,
 * c += η · (x - c), point by point (in a mini-batch, in order, with the assignments made
 * before the batch): River's `cluster.KMeans` rule, whose parameter `halflife` is this η.
 *
 * Initialisation, deterministic:
 * - `init: 'first'` (default): each point at a positive distance from every center becomes a
 *   center until there are k (duplicates update the center they equal). Predictions start at
 *   the first point, but two early points of one true cluster may take two centers.
 * - `init: 'kmeans++'`: the first `initBuffer` points (default 10·k) are buffered, then k
 *   centers are drawn from them by greedy k-means++ (Arthur & Vassilvitskii 2007: each new
 *   center is the best of 2 + ⌊ln k⌋ candidates sampled with probability ∝ D², as
 *   scikit-learn does) with a seeded mulberry32 sequence (`seed`, default 1; its state lives in
 *   the model's state), and the buffered points are then learned in order. The same seed and
 *   stream give the same centers. No prediction until the buffer is full (null).
 * If the points seen hold fewer than k distinct values, later distinct points take the free centers.
 *
 * Distances are Euclidean; ties go to the lowest center index (as River's `min`).
 *
 * Agreement with River (`cluster.KMeans`, river 0.26.1): River draws its initial centers at
 * random from a normal distribution, which no stream determines; given our `init: 'first'`
 * centers and `learningRate` = River's `halflife`, River's centers and assignments are
 * identical to ours on every point (test/models-river/clustering-drift.test.ts). River has
 * no count-based rate, decay, mini-batch or k-means++.
 *
 * Memory per key: k · (d + 1) numbers, plus initBuffer · d while a k-means++ model buffers.
 * Time per point: O(k · d). Points are arrays of d numbers; a point with a value that is not
 * finite (null, NaN, ±Infinity) is skipped; a point of another length is an error
 * (FD_ARGUMENT_INVALID naming `point`).
 *
 * References: D. Sculley, "Web-scale k-means clustering", WWW 2010; Apache Spark MLlib
 * StreamingKMeans (decayFactor, halfLife); D. Arthur, S. Vassilvitskii, "k-means++: the
 * advantages of careful seeding", SODA 2007; J. MacQueen, 1967; River's cluster.KMeans.
 *
 * @example
 * mapWithState({ name: 'clusters', init: () => kmeansInit({ k: 3, dimensions: 2, halfLife: 1000 }),
 *   step: (s, r) => { const p = [r.temperature, r.humidity]; const at = kmeansPredict(s, p); kmeansUpdate(s, p);
 *     return at && { sensorId: r.sensorId, cluster: at.cluster, distance: at.distance }; } })
 */
import { invalidArgument } from '../../errors.js';
import { checkModelState, type ModelState } from '../model-state.js';
import { choiceOption, numberOption, optionsObject, wholeOption } from '../option-checks.js';
import { mulberryNext } from './seeded-random.js';

export const KMEANS_KIND = 'kmeans';
export const KMEANS_VERSION = 1;

export interface KMeansOptions {
  /** Number of centers, a whole number >= 1. */
  k: number;
  /** Length of every point, a whole number >= 1. */
  dimensions: number;
  /** Points after which a point's weight has halved (forgetting, for drift). Default: never (decay 1). */
  halfLife?: number;
  /** Factor each weight is multiplied by per point, in (0, 1]; give this or halfLife. Default 1. */
  decay?: number;
  /** A fixed rate in (0, 1] instead of the count-based one: River's `halflife`. Default: none. */
  learningRate?: number;
  /** 'first' (the first k distinct points) or 'kmeans++' (over the first initBuffer points). Default 'first'. */
  init?: 'first' | 'kmeans++';
  /** Points buffered for k-means++, >= k. Default 10·k. */
  initBuffer?: number;
  /** Seed of k-means++'s draws, a whole number. Default 1. */
  seed?: number;
}

export interface KMeansState extends ModelState<typeof KMEANS_KIND> {
  k: number;
  dimensions: number;
  /** Per-point weight factor (1: no forgetting). */
  decay: number;
  /** Fixed rate, or null for the count-based rate. */
  learningRate: number | null;
  init: 'first' | 'kmeans++';
  initBuffer: number;
  /** mulberry32 state of k-means++'s draws. */
  random: number;
  /** Up to k centers, each of `dimensions` numbers. */
  centers: number[][];
  /** Decayed count of points per center. */
  weights: number[];
  /** k-means++ only: points held until there are initBuffer of them; empty after. */
  buffer: number[][];
  /** Whether k-means++ has drawn its centers (always true for 'first'). */
  seeded: boolean;
  /** Points learned (skipped ones not counted). */
  n: number;
}

/** The nearest center and the Euclidean distance to it. */
export interface KMeansAssignment {
  cluster: number;
  distance: number;
}

/** A model with no centers yet; options are checked here (FD_ARGUMENT_INVALID naming the option). */
export function kmeansInit(options: KMeansOptions): KMeansState {
  const o = optionsObject<KMeansOptions>('kmeansInit', options, false);
  const k = wholeOption('k', o.k, 1, 10_000, 'the number of clusters, e.g. 3');
  const dimensions = wholeOption('dimensions', o.dimensions, 1, 100_000, 'the length of each point, e.g. 2 for [temperature, humidity]');
  if (o.halfLife !== undefined && o.decay !== undefined) throw invalidArgument('halfLife', 'give halfLife or decay, not both (decay = 0.5^(1/halfLife))');
  const decay =
    o.halfLife !== undefined ? 0.5 ** (1 / numberOption('halfLife', o.halfLife, 0, Infinity, '(]', 'in points, e.g. 1000; Infinity forgets nothing')) : numberOption('decay', o.decay ?? 1, 0, 1, '(]', 'e.g. 0.999; 1 forgets nothing');
  const learningRate = o.learningRate === undefined ? null : numberOption('learningRate', o.learningRate, 0, 1, '(]', "e.g. 0.1 (River's halflife)");
  const init = choiceOption('init', o.init ?? 'first', ['first', 'kmeans++'] as const);
  const initBuffer = wholeOption('initBuffer', o.initBuffer ?? 10 * k, k, 1_000_000, `at least k (${k}); e.g. ${10 * k}`);
  const seed = wholeOption('seed', o.seed ?? 1, 0, 0xffffffff);
  return { kind: KMEANS_KIND, v: KMEANS_VERSION, k, dimensions, decay, learningRate, init, initBuffer, random: seed, centers: [], weights: [], buffer: [], seeded: init === 'first', n: 0 };
}

/**
 * Learns one point (an array of `dimensions` numbers) or a mini-batch (an array of points);
 * updates `state` in place and returns it.
 */
export function kmeansUpdate(state: KMeansState, points: readonly number[] | readonly (readonly number[])[]): KMeansState {
  checkModelState(state, KMEANS_KIND, KMEANS_VERSION);
  if (!Array.isArray(points)) throw invalidArgument('point', `${JSON.stringify(points)} is not an array of ${state.dimensions} numbers (or an array of such points)`);
  if (points.length === 0 || !Array.isArray(points[0])) {
    learnOne(state, points as readonly number[]);
    return state;
  }
  const batch = (points as readonly (readonly number[])[]).filter((p) => usable(state, p));
  let i = 0;
  // Until the centers exist, points go one by one (they may become centers or fill the buffer).
  while (i < batch.length && !(state.seeded && state.centers.length === state.k)) learnOne(state, batch[i++]!);
  if (i === batch.length) return state;
  if (batch.length - i === 1) {
    learnOne(state, batch[i]!);
    return state;
  }
  learnBatch(state, batch.slice(i));
  return state;
}

/** The nearest center to `point` and the distance to it; null while the model has no center. */
export function kmeansPredict(state: KMeansState, point: readonly number[]): KMeansAssignment | null {
  checkModelState(state, KMEANS_KIND, KMEANS_VERSION);
  checkPoint(state, point);
  if (state.centers.length === 0) return null;
  const [cluster, d2] = nearest(state.centers, point);
  return { cluster, distance: Math.sqrt(d2) };
}

function checkPoint(state: KMeansState, point: readonly number[]): void {
  if (!Array.isArray(point) || point.length !== state.dimensions) {
    const got = Array.isArray(point) ? `an array of ${point.length}` : JSON.stringify(point);
    throw invalidArgument('point', `${got} is not a point of this model's ${state.dimensions} dimensions; pass an array of ${state.dimensions} numbers`);
  }
}

// A point of the right length with every value finite; others are skipped.
function usable(state: KMeansState, point: readonly number[]): boolean {
  checkPoint(state, point);
  for (let j = 0; j < point.length; j++) if (typeof point[j] !== 'number' || !Number.isFinite(point[j])) return false;
  return true;
}

function nearest(centers: readonly (readonly number[])[], point: readonly number[]): [number, number] {
  let best = -1;
  let bestD2 = Infinity;
  for (let c = 0; c < centers.length; c++) {
    const center = centers[c]!;
    let d2 = 0;
    for (let j = 0; j < point.length; j++) {
      const diff = center[j]! - point[j]!;
      d2 += diff * diff;
    }
    if (d2 < bestD2) {
      bestD2 = d2;
      best = c;
    }
  }
  return [best, bestD2];
}

function learnOne(state: KMeansState, point: readonly number[]): void {
  if (!usable(state, point)) return;
  state.n += 1;
  if (!state.seeded) {
    state.buffer.push([...point]);
    if (state.buffer.length >= state.initBuffer) seedKMeansPlusPlus(state);
    return;
  }
  const [c, d2] = state.centers.length === 0 ? [-1, Infinity] : nearest(state.centers, point);
  decayWeights(state, state.decay);
  if (state.centers.length < state.k && d2 > 0) {
    state.centers.push([...point]);
    state.weights.push(1);
    return;
  }
  const center = state.centers[c]!;
  state.weights[c]! += 1;
  const rate = state.learningRate ?? 1 / state.weights[c]!;
  for (let j = 0; j < point.length; j++) center[j]! += rate * (point[j]! - center[j]!);
}

function decayWeights(state: KMeansState, factor: number): void {
  if (factor === 1) return;
  for (let c = 0; c < state.weights.length; c++) state.weights[c]! *= factor;
}

// Sculley's mini-batch step: assignments against the centers before the batch, then the moves.
function learnBatch(state: KMeansState, batch: readonly (readonly number[])[]): void {
  const assigned = batch.map((p) => nearest(state.centers, p)[0]);
  state.n += batch.length;
  decayWeights(state, state.decay ** batch.length);
  if (state.learningRate !== null) {
    const rate = state.learningRate;
    batch.forEach((p, i) => {
      const center = state.centers[assigned[i]!]!;
      state.weights[assigned[i]!]! += 1;
      for (let j = 0; j < p.length; j++) center[j]! += rate * (p[j]! - center[j]!);
    });
    return;
  }
  const sums = state.centers.map(() => new Array<number>(state.dimensions).fill(0));
  const counts = new Array<number>(state.centers.length).fill(0);
  batch.forEach((p, i) => {
    const sum = sums[assigned[i]!]!;
    counts[assigned[i]!]! += 1;
    for (let j = 0; j < p.length; j++) sum[j]! += p[j]!;
  });
  for (let c = 0; c < state.centers.length; c++) {
    const m = counts[c]!;
    if (m === 0) continue;
    state.weights[c]! += m;
    const rate = m / state.weights[c]!;
    const center = state.centers[c]!;
    for (let j = 0; j < center.length; j++) center[j]! += rate * (sums[c]![j]! / m - center[j]!);
  }
}

// Greedy k-means++ over the buffer, then the buffered points learned in order.
function seedKMeansPlusPlus(state: KMeansState): void {
  const points = state.buffer;
  const draw = () => {
    const [value, next] = mulberryNext(state.random);
    state.random = next;
    return value;
  };
  const dist2 = (a: readonly number[], b: readonly number[]) => {
    let d2 = 0;
    for (let j = 0; j < a.length; j++) d2 += (a[j]! - b[j]!) * (a[j]! - b[j]!);
    return d2;
  };
  const first = points[Math.floor(draw() * points.length)]!;
  const centers = [[...first]];
  let closest = points.map((p) => dist2(p, first));
  const trials = 2 + Math.floor(Math.log(state.k));
  while (centers.length < state.k) {
    const potential = closest.reduce((a, b) => a + b, 0);
    if (!(potential > 0)) break; // fewer distinct points than k: later distinct points fill the rest
    let best: { index: number; closest: number[]; potential: number } | undefined;
    for (let t = 0; t < trials; t++) {
      const target = draw() * potential;
      let index = 0;
      for (let acc = closest[0]!; acc <= target && index < points.length - 1; acc += closest[++index]!);
      const candidate = points[index]!;
      const after = closest.map((d, i) => Math.min(d, dist2(points[i]!, candidate)));
      const sum = after.reduce((a, b) => a + b, 0);
      if (!best || sum < best.potential) best = { index, closest: after, potential: sum };
    }
    centers.push([...points[best!.index]!]);
    closest = best!.closest;
  }
  state.centers = centers;
  state.weights = centers.map(() => 0);
  state.buffer = [];
  state.seeded = true;
  state.n -= points.length;
  for (const p of points) learnOne(state, p);
}
