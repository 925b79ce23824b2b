/**
 * ADWIN (ADaptive WINdowing, Bifet & Gavaldà 2007): a drift detector that keeps a window of
 * recent values as long as nothing says their mean changed, and cuts it when two parts of
 * the window differ by more than chance allows. A detection is a record an alert rule can
 * fire on ("the mean of sensor 7's error moved"), and the window's mean and width say what
 * the stream looks like since the change.
 *
 * The window is ADWIN2's exponential histogram: row i holds up to `maxBuckets` buckets of
 * 2^i values each (a bucket keeps only the sum of its values and their sum of squared
 * deviations), and a row that reaches `maxBuckets + 1` merges its two oldest buckets into
 * one of the next row. Every `clock` values (once the window holds more than `gracePeriod`
 * values) each split of the window at a bucket boundary into an older part W0 (n0 values) and
 * a newer part W1 (n1 values), both at least `minWindowLength` long, is tested:
 *
 *   δ' = ln(2 ln(width) / delta),  m = 1/(n0 - minWindowLength + 1) + 1/(n1 - minWindowLength + 1)
 *   drift if |mean(W0) - mean(W1)| > sqrt(2 m σ² δ') + (2/3) m δ'     (σ² = the window's variance)
 *
 * and on a cut the oldest bucket is dropped and the splits are tested again, until none cuts.
 *
 * This is River's `drift.ADWIN` (river 0.26.1, its Rust `AdaptiveWindowing`) operation for
 * operation, in the same floating-point order, with the same defaults, so the same stream
 * gives the same detection indices (test/models-river/clustering-drift.test.ts). As River
 * does, the update after a detection starts a fresh window (`resetOnDrift`, default true);
 * the paper instead keeps the window that survived the cut: `resetOnDrift: false` does that.
 *
 * Parameters: `delta` (confidence, in (0, 1); smaller means fewer false alarms and later
 * detections; default 0.002), `clock` (test every this many values; 1 tests every value;
 * default 32), `maxBuckets` (buckets per row, default 5), `minWindowLength` (the shortest
 * W0 and W1 tested, default 5), `gracePeriod` (no test until the window holds more than this
 * many values, default 10).
 *
 * Memory per key: O(maxBuckets · log2(width / maxBuckets)) numbers, two per bucket: at most
 * about 2 · (maxBuckets + 1) · log2(width) + 12, e.g. under 400 numbers for a window of a
 * million values with the defaults. Time per update: O(log width) amortised, plus a scan of
 * all buckets every `clock` values.
 *
 * Guarantee (the paper's Theorem 3.1, for ADWIN with δ' = ln(4n/δ) on values in [0, 1]):
 * a stationary stream cuts the window falsely with probability at most δ per step, and a
 * change of the mean by more than ε is detected once W1 is long enough that ε exceeds the
 * cut bound. River's δ' = ln(2 ln(n)/δ) is smaller than the paper's, so it detects faster
 * with a false-positive rate that the tests measure rather than take from the theorem: at
 * the default delta, fewer than 5% of 5,000-value stationary streams (uniform, Gaussian or
 * Bernoulli noise) see any detection (measured: 2 of 1,200), and a shift s of the mean of
 * noise of spread σ is detected within 4·n* + clock values, n* being the shortest W1 whose
 * bound sqrt(2σ²δ'/(n*-4)) + (2/3)δ'/(n*-4) is below s: for σ = 1 and s = 2, 1 and 0.5,
 * about 88, 168 and 450 values (measured at most 47, 79 and 271; test/unit/models/drift/adwin.test.ts).
 *
 * Values that are not finite numbers (null, NaN, ±Infinity) are skipped; `true`/`false`
 * count as 1/0 (an error indicator is the usual stream to watch).
 *
 * References: A. Bifet, R. Gavaldà, "Learning from time-changing data with adaptive
 * windowing", SIAM SDM 2007; River's drift.ADWIN (github.com/online-ml/river).
 *
 * @example
 * // in a stream module: one detector per sensor, and a record per reading with `drift` true or
 * // false, so that an alert rule on `drift` resolves (a rule holds a key's last record until the
 * // next: on a topic of detections only, the alert would never resolve)
 * mapWithState({ name: 'temp-drift', init: () => adwinInit(), step: (s, r) => {
 *   const d = adwinUpdate(s, r.temperature);
 *   return { sensorId: r.sensorId, drift: d.drift, mean: d.mean, width: d.width };
 * } })
 */
import { checkModelState, type ModelState } from '../model-state.js';
import { booleanOption, numberOption, optionsObject, wholeOption } from '../option-checks.js';

export const ADWIN_KIND = 'adwin';
export const ADWIN_VERSION = 1;

export interface AdwinOptions {
  /** Confidence in (0, 1): the smaller, the fewer false alarms and the later a detection. Default 0.002. */
  delta?: number;
  /** Test for a cut every this many values (1: every value). Default 32. */
  clock?: number;
  /** Buckets of one size kept before two merge. Default 5. */
  maxBuckets?: number;
  /** Shortest sub-window (W0 and W1) tested. Default 5. */
  minWindowLength?: number;
  /** No test until the window holds more than this many values. Default 10. */
  gracePeriod?: number;
  /** Start a fresh window on the update after a detection, as River does (default true); false keeps what survived the cut, as the paper does. */
  resetOnDrift?: boolean;
}

/** One row of the exponential histogram: buckets of 2^i values, oldest first. */
export interface AdwinRow {
  /** Sum of each bucket's values. */
  totals: number[];
  /** Each bucket's sum of squared deviations from its own mean. */
  variances: number[];
}

export interface AdwinState extends ModelState<typeof ADWIN_KIND>, Required<AdwinOptions> {
  /** Whether the last update detected a drift (the window was cut). */
  drift: boolean;
  /** Values in the window. */
  width: number;
  /** Mean of the window's values (0 while it is empty). */
  mean: number;
  /** Sum of the window's values. */
  total: number;
  /** Sum of squared deviations of the window's values from their mean (variance × width). */
  variance: number;
  /** Updates since the window was last started (drives `clock`). */
  tick: number;
  /** Detections since init. */
  detections: number;
  /** Values taken since init (skipped ones not counted). */
  n: number;
  /** Row i holds buckets of 2^i values. */
  rows: AdwinRow[];
}

const DEFAULTS: Required<AdwinOptions> = { delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10, resetOnDrift: true };

/** A detector with an empty window; options are checked here (FD_ARGUMENT_INVALID naming the option). */
export function adwinInit(options?: AdwinOptions): AdwinState {
  const o = { ...DEFAULTS, ...optionsObject<AdwinOptions>('adwinInit', options, true) };
  numberOption('delta', o.delta, 0, 1, '()', 'use e.g. 0.002 (fewer false alarms: smaller)');
  wholeOption('clock', o.clock, 1, Number.MAX_SAFE_INTEGER, 'use 1 to test on every value, 32 (the default) to test every 32 values');
  wholeOption('maxBuckets', o.maxBuckets, 1, 1000, 'use e.g. 5');
  wholeOption('minWindowLength', o.minWindowLength, 1, Number.MAX_SAFE_INTEGER, 'use e.g. 5');
  wholeOption('gracePeriod', o.gracePeriod, 0, Number.MAX_SAFE_INTEGER, 'use e.g. 10');
  booleanOption('resetOnDrift', o.resetOnDrift);
  return {
    kind: ADWIN_KIND,
    v: ADWIN_VERSION,
    delta: o.delta,
    clock: o.clock,
    maxBuckets: o.maxBuckets,
    minWindowLength: o.minWindowLength,
    gracePeriod: o.gracePeriod,
    resetOnDrift: o.resetOnDrift,
    drift: false,
    width: 0,
    mean: 0,
    total: 0,
    variance: 0,
    tick: 0,
    detections: 0,
    n: 0,
    rows: [{ totals: [], variances: [] }],
  };
}

/**
 * Adds `x` to the window and tests for a cut; updates `state` in place and returns it, with
 * `drift` true when this value revealed a change (then `mean` and `width` describe the window
 * that survived the cut). A value that is not a finite number leaves the window as it is,
 * with `drift` false.
 */
export function adwinUpdate(state: AdwinState, x: number | boolean | null | undefined): AdwinState {
  checkModelState(state, ADWIN_KIND, ADWIN_VERSION);
  if (state.drift && state.resetOnDrift) clearWindow(state);
  state.drift = false;
  const value = typeof x === 'boolean' ? (x ? 1 : 0) : x;
  if (typeof value !== 'number' || !Number.isFinite(value)) return state;
  state.n += 1;
  insert(state, value);
  if (detectChange(state)) {
    state.drift = true;
    state.detections += 1;
  }
  state.mean = state.width === 0 ? 0 : state.total / state.width;
  return state;
}

/** The window's variance (its values' mean squared deviation); 0 while it is empty. */
export function adwinVariance(state: AdwinState): number {
  checkModelState(state, ADWIN_KIND, ADWIN_VERSION);
  return state.width === 0 ? 0 : state.variance / state.width;
}

function clearWindow(s: AdwinState): void {
  s.width = 0;
  s.mean = 0;
  s.total = 0;
  s.variance = 0;
  s.tick = 0;
  s.rows = [{ totals: [], variances: [] }];
}

// River's insert_element: the running variance (Welford's form) before the sum, then the merges.
function insert(s: AdwinState, value: number): void {
  s.rows[0]!.totals.push(value);
  s.rows[0]!.variances.push(0);
  s.width += 1;
  let incremental = 0;
  if (s.width > 1) {
    const dv = value - s.total / (s.width - 1);
    incremental = ((s.width - 1) * dv * dv) / s.width;
  }
  s.variance += incremental;
  s.total += value;
  compress(s);
}

// A full row (maxBuckets + 1 buckets) merges its two oldest into one bucket of the next row.
function compress(s: AdwinState): void {
  for (let i = 0; ; i++) {
    const row = s.rows[i]!;
    if (row.totals.length !== s.maxBuckets + 1) return;
    const size = 2 ** i;
    const t0 = row.totals[0]!;
    const t1 = row.totals[1]!;
    const mu1 = t0 / size;
    const mu2 = t1 / size;
    const merged = row.variances[0]! + row.variances[1]! + size * 0.5 * (mu1 - mu2) * (mu1 - mu2);
    if (i + 1 >= s.rows.length) s.rows.push({ totals: [], variances: [] });
    const next = s.rows[i + 1]!;
    next.totals.push(t0 + t1);
    next.variances.push(merged);
    row.totals.splice(0, 2);
    row.variances.splice(0, 2);
    if (next.totals.length <= s.maxBuckets) return;
  }
}

// Drops the oldest bucket (the last row's first), taking its values out of the sums.
function dropOldest(s: AdwinState): void {
  const last = s.rows.length - 1;
  const row = s.rows[last]!;
  const n = 2 ** last;
  const u = row.totals[0]!;
  const v = row.variances[0]!;
  const mu = u / n;
  s.width -= n;
  s.total -= u;
  const muWindow = s.total / s.width;
  s.variance -= v + (n * s.width * (mu - muWindow) * (mu - muWindow)) / (n + s.width);
  row.totals.shift();
  row.variances.shift();
  if (row.totals.length === 0) s.rows.pop();
}

// River's detect_change: every `clock` ticks, scan the splits from the oldest bucket on; on a
// cut drop the oldest bucket and scan again.
function detectChange(s: AdwinState): boolean {
  let detected = false;
  s.tick += 1;
  if (s.tick % s.clock !== 0 || !(s.width > s.gracePeriod)) return false;
  let again = true;
  while (again) {
    again = false;
    let n0 = 0;
    let n1 = s.width;
    let u0 = 0;
    let u1 = s.total;
    scan: for (let i = s.rows.length - 1; i >= 0; i--) {
      const size = 2 ** i;
      const totals = s.rows[i]!.totals;
      for (let k = 0; k < totals.length; k++) {
        n0 += size;
        n1 -= size;
        u0 += totals[k]!;
        u1 -= totals[k]!;
        if (i === 0 && k === totals.length - 1) break scan;
        const deltaMean = u0 / n0 - u1 / n1;
        if (n1 >= s.minWindowLength && n0 >= s.minWindowLength && cuts(s, n0, n1, deltaMean)) {
          again = true;
          detected = true;
          if (s.width > 0) {
            dropOldest(s);
            break scan;
          }
        }
      }
    }
  }
  return detected;
}

function cuts(s: AdwinState, n0: number, n1: number, deltaMean: number): boolean {
  const deltaPrime = Math.log((2 * Math.log(s.width)) / s.delta);
  const m = 1 / (n0 - s.minWindowLength + 1) + 1 / (n1 - s.minWindowLength + 1);
  const epsilon = Math.sqrt(2 * m * (s.variance / s.width) * deltaPrime) + (2 / 3) * deltaPrime * m;
  return Math.abs(deltaMean) > epsilon;
}
