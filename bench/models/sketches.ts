/**
 * The sketches of src/models/sketches/ beside the same arithmetic written inline over typed
 * arrays (no JSON state, no checks, no sparse registers, no option handling): the hash is the
 * same MurmurHash3 in both, so the gap is the models' bookkeeping.
 */
import { countMinInit, countMinUpdate, distinctCountEstimate, distinctCountInit, distinctCountUpdate, heavyHittersInit, heavyHittersUpdate, quantile, quantileInit, quantileUpdate } from '../../src/models/sketches/index.js';
import { hashItem, hashOut } from '../../src/models/sketches/murmur3.js';
import type { ModelBenchCase } from '../models.js';

// Latencies from 0.5 ms to about 2 s, heavy-tailed; 16,384 distinct users; pages skewed towards the first.
const latencies = Float64Array.from({ length: 4096 }, (_, i) => 0.5 + 2000 * (((i * 7919) % 4096) / 4096) ** 6);
const users = Array.from({ length: 16_384 }, (_, i) => `user-${(i * 40_503) % 1_000_003}`);
const pages = Array.from({ length: 4096 }, (_, i) => `/page/${Math.floor(500 * (((i * 2_654_435_761) % 4096) / 4096) ** 4)}`);

export const cases: ModelBenchCase[] = [
  {
    name: 'ddsketch a=0.01 (quantile update)',
    model(n) {
      const s = quantileInit({ relativeAccuracy: 0.01 });
      for (let i = 0; i < n; i++) quantileUpdate(s, latencies[i & 4095]);
      return quantile(s, 0.99);
    },
    baseline(n) {
      const multiplier = 1 / Math.log1p(0.02 / 0.99);
      const bins = new Float64Array(4096);
      const offset = -2048;
      for (let i = 0; i < n; i++) {
        const at = Math.ceil(Math.log(latencies[i & 4095]!) * multiplier) - offset;
        bins[at] = bins[at]! + 1;
      }
      return bins[2048];
    },
  },
  {
    name: 'hyperloglog p=14 (strings)',
    model(n) {
      const s = distinctCountInit({ precision: 14 });
      for (let i = 0; i < n; i++) distinctCountUpdate(s, users[i & 16_383]);
      return distinctCountEstimate(s);
    },
    baseline(n) {
      const registers = new Uint8Array(1 << 14);
      for (let i = 0; i < n; i++) {
        hashItem(users[i & 16_383], 'user');
        const h1 = hashOut[0]!;
        const rest = (h1 << 14) >>> 0;
        const rank = rest !== 0 ? Math.clz32(rest) + 1 : 19 + Math.clz32(hashOut[1]!);
        const index = h1 >>> 18;
        if (rank > registers[index]!) registers[index] = rank;
      }
      return registers[0];
    },
  },
  {
    name: 'count-min e=0.001 d=0.01 (strings)',
    model(n) {
      const s = countMinInit({ epsilon: 0.001, delta: 0.01 });
      for (let i = 0; i < n; i++) countMinUpdate(s, pages[i & 4095]);
      return s.counters[0];
    },
    baseline(n) {
      const width = 2719;
      const counters = new Float64Array(width * 5);
      for (let i = 0; i < n; i++) {
        hashItem(pages[i & 4095], 'page');
        const h1 = hashOut[0]!;
        const h2 = hashOut[1]!;
        for (let r = 0; r < 5; r++) {
          const at = r * width + ((h1 + r * h2) % width);
          counters[at] = counters[at]! + 1;
        }
      }
      return counters[0];
    },
  },
  {
    name: 'heavy hitters k=10 (count-min + top-k)',
    model(n) {
      const s = heavyHittersInit({ k: 10, epsilon: 0.001, delta: 0.01 });
      for (let i = 0; i < n; i++) heavyHittersUpdate(s, pages[i & 4095]);
      return s.counts[0];
    },
    baseline(n) {
      const width = 2719;
      const counters = new Float64Array(width * 5);
      const items: string[] = [];
      const counts: number[] = [];
      for (let i = 0; i < n; i++) {
        const page = pages[i & 4095]!;
        hashItem(page, 'page');
        const h1 = hashOut[0]!;
        const h2 = hashOut[1]!;
        let estimate = Number.POSITIVE_INFINITY;
        for (let r = 0; r < 5; r++) {
          const at = r * width + ((h1 + r * h2) % width);
          const c = counters[at]! + 1;
          counters[at] = c;
          if (c < estimate) estimate = c;
        }
        const j = items.indexOf(page);
        if (j >= 0) counts[j] = estimate;
        else if (items.length < 10) {
          items.push(page);
          counts.push(estimate);
        } else {
          let low = 0;
          for (let k = 1; k < 10; k++) if (counts[k]! < counts[low]!) low = k;
          if (estimate > counts[low]!) {
            items[low] = page;
            counts[low] = estimate;
          }
        }
      }
      return counts[0];
    },
  },
];
