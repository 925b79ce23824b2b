/**
 * The embedded log's damage report in /metrics: after a flipped byte in the middle of a
 * segment (issue 15's reproduction), the offsets lost are a gauge per partition and a group
 * passing over them is counted, so an alert can fire on any loss.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('log damage metrics', () => {
  it('reports the offsets a partition lost and the passes over them', async () => {
    const dir = await tempDir();
    try {
      let log = await EmbeddedLog.open(dir.path, { fsync: 'always', onWarning: () => {} });
      await log.createTopic({ name: 't', partitions: 1 });
      for (let i = 0; i < 100; i += 10) await log.produce('t', Array.from({ length: 10 }, (_, j) => ({ value: `r${i + j}` })));
      await log.close();
      const partition = join(dir.path, 'topics', 't', '0');
      const segment = join(partition, readdirSync(partition).find((n) => /^\d{20}\.log$/.test(n))!);
      const bytes = readFileSync(segment);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x5a;
      writeFileSync(segment, bytes);

      log = await EmbeddedLog.open(dir.path, { fsync: 'always', onWarning: () => {} });
      const metrics = new MetricsRegistry({ runners: () => [], logDamage: () => log.damage(), processMetrics: false });
      const text = await metrics.text();
      const lost = Number(/fastdata_log_lost_offsets\{topic="t",partition="0"\} (\d+)/.exec(text)?.[1]);
      expect(lost).toBeGreaterThan(0);
      expect(lost).toBe(log.damage().lostOffsets);
      expect(text).toMatch(/fastdata_log_torn_tails 0/);
      await log.close();
    } finally {
      await dir.remove();
    }
  });
});
