import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JVM17_MODULE_FLAGS, cassandraDependencies, cassandraJvmOptions, cassandraSystemProperties, cassandraYaml } from '../../../scripts/infra/cassandra-config.js';

const options = { dataDir: '/tmp/fastdata infra/cassandra/data', host: '127.0.0.1', nativePort: 9042, storagePort: 7000 };

describe('cassandraYaml', () => {
  const yaml = parse(cassandraYaml(options)) as Record<string, unknown>;

  it('is one node on 127.0.0.1 that is its own seed, serving CQL on 9042', () => {
    expect(yaml.listen_address).toBe('127.0.0.1');
    expect(yaml.rpc_address).toBe('127.0.0.1');
    expect(yaml.native_transport_port).toBe(9042);
    expect(yaml.start_native_transport).toBe(true);
    expect(yaml.auto_bootstrap).toBe(false);
    expect(yaml.seed_provider).toEqual([{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: '127.0.0.1:7000' }] }]);
  });

  it('keeps every data dir under the given folder (quoted when the path has spaces) and takes no snapshots', () => {
    expect(yaml.data_file_directories).toEqual(['/tmp/fastdata infra/cassandra/data/data']);
    for (const key of ['commitlog_directory', 'saved_caches_directory', 'hints_directory', 'cdc_raw_directory']) {
      expect(String(yaml[key]).startsWith('/tmp/fastdata infra/cassandra/data/'), key).toBe(true);
    }
    expect(yaml.auto_snapshot).toBe(false);
  });
});

describe('cassandra JVM options', () => {
  it('pins the heap and carries every --add-exports/--add-opens of jvm17-server.options as separate arguments', () => {
    const jvm = cassandraJvmOptions(1024);
    expect(jvm).toContain('-Xms1024m');
    expect(jvm).toContain('-Xmx1024m');
    for (let i = 0; i < JVM17_MODULE_FLAGS.length; i++) {
      const flag = JVM17_MODULE_FLAGS[i]!;
      if (flag === '--add-exports' || flag === '--add-opens') expect(JVM17_MODULE_FLAGS[i + 1]).toMatch(/^[a-z.]+\/[a-zA-Z.]+=ALL-UNNAMED$/);
    }
    expect(JVM17_MODULE_FLAGS.filter((f) => f === '--add-opens').length).toBeGreaterThan(10);
  });

  it('runs in the foreground with its config given as a file URL', () => {
    const props = cassandraSystemProperties({ yamlFile: '/x/conf/cassandra.yaml', logbackFile: '/x/conf/logback.xml', dataDir: '/x/data' });
    expect(props).toContain('-Dcassandra-foreground=yes');
    expect(props).toContain('-Dcassandra.config=file:///x/conf/cassandra.yaml');
  });

  it('resolves cassandra-all from Maven Central', () => {
    expect(cassandraDependencies('5.0.9')).toEqual([{ groupId: 'org.apache.cassandra', artifactId: 'cassandra-all', version: '5.0.9' }]);
  });
});
