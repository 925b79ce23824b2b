/**
 * `fastdata topics`: the topics of the log, with partitions and end offsets. On the
 * embedded log it opens the data dir read-only, so it works beside a running `fastdata dev`;
 * with `log.kind: kafka` it lists the cluster's topics.
 */
import { loadProjectConfig } from '../../config/project-config.js';
import { openBackends } from '../../app/backends.js';
import { writeLine } from '../output.js';

export interface TopicsOptions {
  dir: string;
  dataDir?: string;
  json: boolean;
  internal: boolean;
}

export async function topics(options: TopicsOptions): Promise<void> {
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides: options.dataDir ? { dataDir: options.dataDir } : {} });
  const backends = await openBackends({ config, root, dataDir, readOnly: true });
  const { log } = backends;
  try {
    const rows = [];
    for (const t of await log.listTopics()) {
      if (!options.internal && t.name.startsWith('__')) continue;
      const offsets = await log.offsets(t.name);
      rows.push({
        name: t.name,
        partitions: t.partitions,
        records: offsets.reduce((n, o) => n + o.end - o.start, 0),
        endOffsets: offsets.map((o) => o.end),
        cleanupPolicy: t.config.cleanupPolicy,
        retentionMs: t.config.retentionMs,
      });
    }
    if (options.json) {
      for (const row of rows) await writeLine(JSON.stringify(row));
      return;
    }
    const width = Math.max(5, ...rows.map((r) => r.name.length));
    await writeLine(`${'TOPIC'.padEnd(width)}  PARTITIONS  RECORDS     CLEANUP  END OFFSETS`);
    for (const r of rows) {
      await writeLine(`${r.name.padEnd(width)}  ${String(r.partitions).padStart(10)}  ${String(r.records).padEnd(10)}  ${r.cleanupPolicy.padEnd(7)}  ${r.endOffsets.join(' ')}`);
    }
  } finally {
    await backends.close();
  }
}
