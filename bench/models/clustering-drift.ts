/**
 * k-means, ADWIN, Page-Hinkley and Holt-Winters (src/models/clustering, drift, forecast), each
 * beside a plain loop of the same arithmetic on typed arrays, with no state object, no checks
 * and (for ADWIN) a ring of fixed-size rows instead of JSON arrays.
 */
import { kmeansInit, kmeansUpdate } from '../../src/models/clustering/kmeans.js';
import { adwinInit, adwinUpdate } from '../../src/models/drift/adwin.js';
import { pageHinkleyInit, pageHinkleyUpdate } from '../../src/models/drift/page-hinkley.js';
import { holtWintersInit, holtWintersUpdate } from '../../src/models/forecast/holt-winters.js';
import type { ModelBenchCase } from '../models.js';

const N = 4096;
const series = Float64Array.from({ length: N }, (_, i) => 20 + Math.sin(i / 50) + ((i * 7919) % 13) / 13 + (i > N / 2 ? 0.5 : 0));
const K = 8;
const D = 4;
const points = Array.from({ length: N }, (_, i) => Array.from({ length: D }, (_, j) => ((i * 31 + j * 17) % 97) / 10 + (i % K) * 5));

function kmeansPlain(n: number, decay: number): number {
  const centers = new Float64Array(K * D);
  const weights = new Float64Array(K);
  for (let c = 0; c < K; c++) for (let j = 0; j < D; j++) centers[c * D + j] = points[c]![j]!;
  for (let i = 0; i < n; i++) {
    const p = points[i & (N - 1)]!;
    let best = 0;
    let bestD2 = Infinity;
    for (let c = 0; c < K; c++) {
      let d2 = 0;
      for (let j = 0; j < D; j++) {
        const diff = centers[c * D + j]! - p[j]!;
        d2 += diff * diff;
      }
      if (d2 < bestD2) {
        bestD2 = d2;
        best = c;
      }
    }
    if (decay !== 1) for (let c = 0; c < K; c++) weights[c]! *= decay;
    weights[best]! += 1;
    const rate = 1 / weights[best]!;
    for (let j = 0; j < D; j++) centers[best * D + j]! += rate * (p[j]! - centers[best * D + j]!);
  }
  return centers[0]!;
}

// ADWIN's bookkeeping on fixed rows of typed arrays: the insert, merges and a scan every 32 values.
function adwinPlain(n: number): number {
  const M = 5;
  const rows = 64;
  const totals = new Float64Array(rows * (M + 1));
  const vars = new Float64Array(rows * (M + 1));
  const len = new Int32Array(rows);
  let used = 1;
  let width = 0;
  let total = 0;
  let variance = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const x = series[i & (N - 1)]!;
    totals[len[0]!] = x;
    vars[len[0]!] = 0;
    len[0]! += 1;
    width += 1;
    if (width > 1) {
      const dv = x - total / (width - 1);
      variance += ((width - 1) * dv * dv) / width;
    }
    total += x;
    for (let r = 0; len[r] === M + 1; r++) {
      const o = r * (M + 1);
      const size = 2 ** r;
      const mu1 = totals[o]! / size;
      const mu2 = totals[o + 1]! / size;
      const merged = vars[o]! + vars[o + 1]! + size * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      if (r + 1 >= used) used = r + 2;
      const no = (r + 1) * (M + 1);
      totals[no + len[r + 1]!] = totals[o]! + totals[o + 1]!;
      vars[no + len[r + 1]!] = merged;
      len[r + 1]! += 1;
      totals.copyWithin(o, o + 2, o + M + 1);
      vars.copyWithin(o, o + 2, o + M + 1);
      len[r]! -= 2;
    }
    if ((i + 1) % 32 === 0 && width > 10) {
      let n0 = 0;
      let u0 = 0;
      for (let r = used - 1; r >= 0; r--) {
        for (let k = 0; k < len[r]!; k++) {
          n0 += 2 ** r;
          u0 += totals[r * (M + 1) + k]!;
          const n1 = width - n0;
          if (n1 < 5 || n0 < 5) continue;
          const dp = Math.log((2 * Math.log(width)) / 0.002);
          const m = 1 / (n0 - 4) + 1 / (n1 - 4);
          if (Math.abs(u0 / n0 - (total - u0) / n1) > Math.sqrt(2 * m * (variance / width) * dp) + (2 / 3) * dp * m) hits++;
        }
      }
    }
  }
  return total + hits;
}

export const cases: ModelBenchCase[] = [
  {
    name: `kmeans k=${K} d=${D}`,
    model(n) {
      const s = kmeansInit({ k: K, dimensions: D });
      for (let i = 0; i < n; i++) kmeansUpdate(s, points[i & (N - 1)]!);
      return s.centers[0]![0];
    },
    baseline: (n) => kmeansPlain(n, 1),
  },
  {
    name: `kmeans k=${K} d=${D} halfLife=1000`,
    model(n) {
      const s = kmeansInit({ k: K, dimensions: D, halfLife: 1000 });
      for (let i = 0; i < n; i++) kmeansUpdate(s, points[i & (N - 1)]!);
      return s.centers[0]![0];
    },
    baseline: (n) => kmeansPlain(n, 0.5 ** (1 / 1000)),
  },
  {
    name: `kmeans k=${K} d=${D} mini-batch 64`,
    model(n) {
      const s = kmeansInit({ k: K, dimensions: D });
      const batches = Array.from({ length: N / 64 }, (_, b) => points.slice(b * 64, b * 64 + 64));
      for (let i = 0; i < n; i += 64) kmeansUpdate(s, batches[(i / 64) & (N / 64 - 1)]!);
      return s.centers[0]![0];
    },
    baseline: (n) => kmeansPlain(n, 1),
  },
  {
    name: 'adwin (defaults)',
    model(n) {
      const s = adwinInit({ resetOnDrift: false });
      for (let i = 0; i < n; i++) adwinUpdate(s, series[i & (N - 1)]);
      return s.total + s.detections;
    },
    baseline: adwinPlain,
  },
  {
    name: 'page-hinkley (defaults)',
    model(n) {
      const s = pageHinkleyInit();
      for (let i = 0; i < n; i++) pageHinkleyUpdate(s, series[i & (N - 1)]);
      return s.mean + s.detections;
    },
    baseline(n) {
      let count = 0;
      let mean = 0;
      let up = 0;
      let down = 0;
      let minUp = Infinity;
      let maxDown = -1;
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const x = series[i & (N - 1)]!;
        count += 1;
        mean += (1 / count) * (x - mean);
        const dev = x - mean;
        up = 0.9999 * up + dev - 0.005;
        down = 0.9999 * down + dev + 0.005;
        if (up < minUp) minUp = up;
        if (down > maxDown) maxDown = down;
        if (count >= 30 && (up - minUp > 50 || maxDown - down > 50)) hits++;
      }
      return mean + hits;
    },
  },
  {
    name: 'holt-winters additive m=60',
    model(n) {
      const s = holtWintersInit({ alpha: 0.3, beta: 0.01, gamma: 0.1, season: 60 });
      for (let i = 0; i < n; i++) holtWintersUpdate(s, series[i & (N - 1)]);
      return s.level;
    },
    baseline(n) {
      const m = 60;
      const season = new Float64Array(m);
      let level = series[0]!;
      let trend = 0;
      let sumAbs = 0;
      let recent = 0;
      for (let i = 0; i < n; i++) {
        const y = series[i & (N - 1)]!;
        const at = i % m;
        const old = season[at]!;
        const err = y - (level + trend + old);
        sumAbs += Math.abs(err);
        recent += 0.1 * (Math.abs(err) - recent);
        const l = 0.3 * (y - old) + 0.7 * (level + trend);
        const b = 0.01 * (l - level) + 0.99 * trend;
        season[at] = 0.1 * (y - level - trend) + 0.9 * old;
        level = l;
        trend = b;
      }
      return level + sumAbs + recent;
    },
  },
];
