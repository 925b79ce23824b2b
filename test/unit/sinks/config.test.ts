import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('the cassandra section of the project configuration', () => {
  it('is absent unless configured: no sink runs then', async () => {
    const dir = await tempDir();
    try {
      expect((await loadProjectConfig({ dir: dir.path, env: {} })).config.cassandra).toBeUndefined();
    } finally {
      await dir.remove();
    }
  });

  it('takes its settings from FASTDATA_CASSANDRA__* (contact points comma-separated), with defaults for the rest', async () => {
    const dir = await tempDir();
    try {
      const { config } = await loadProjectConfig({ dir: dir.path, env: { FASTDATA_CASSANDRA__CONTACT_POINTS: 'c1:9042,c2', FASTDATA_CASSANDRA__KEYSPACE: 'results' } });
      expect(config.cassandra).toEqual({
        contactPoints: ['c1:9042', 'c2'],
        localDataCenter: 'datacenter1',
        keyspace: 'results',
        replication: { class: 'SimpleStrategy', replicationFactor: 1, dataCenters: {} },
        consistency: 'LOCAL_QUORUM',
        concurrency: 256,
      });
    } finally {
      await dir.remove();
    }
  });

  it('names the setting and the fix for a bad keyspace, consistency or replication', async () => {
    const dir = await tempDir();
    try {
      const env = { FASTDATA_CASSANDRA__KEYSPACE: 'My-Results', FASTDATA_CASSANDRA__CONSISTENCY: 'SOME' };
      await expect(loadProjectConfig({ dir: dir.path, env })).rejects.toThrow(/FASTDATA_CASSANDRA__KEYSPACE \(cassandra.keyspace\): must match pattern/);
      await expect(loadProjectConfig({ dir: dir.path, env: { FASTDATA_CASSANDRA__CONSISTENCY: 'SOME' } })).rejects.toThrow(/cassandra.consistency/);
      await expect(loadProjectConfig({ dir: dir.path, env: { FASTDATA_CASSANDRA__REPLICATION__CLASS: 'NetworkTopologyStrategy' } })).rejects.toThrow(
        /cassandra.replication.dataCenters.*NetworkTopologyStrategy needs the replicas per data center/,
      );
    } finally {
      await dir.remove();
    }
  });
});
