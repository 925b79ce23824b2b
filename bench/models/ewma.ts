/** The EWMA of src/models/ewma.ts beside the same update written inline. */
import { ewmaInit, ewmaUpdate } from '../../src/models/ewma.js';
import type { ModelBenchCase } from '../models.js';

const series = Float64Array.from({ length: 4096 }, (_, i) => 20 + Math.sin(i / 50) + ((i * 7919) % 13) / 13);

export const cases: ModelBenchCase[] = [
  {
    name: 'ewma alpha=0.1',
    model(n) {
      let s = ewmaInit();
      for (let i = 0; i < n; i++) s = ewmaUpdate(s, series[i & 4095], 0.1);
      return s.mean;
    },
    baseline(n) {
      let mean = 0;
      let variance = 0;
      for (let i = 0; i < n; i++) {
        const x = series[i & 4095]!;
        if (i === 0) mean = x;
        else {
          const diff = x - mean;
          const incr = 0.1 * diff;
          mean += incr;
          variance = 0.9 * (variance + diff * incr);
        }
      }
      return mean + variance;
    },
  },
];
