import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { isFastdataError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('project configuration', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  it('runs on defaults when there is no config file', async () => {
    const { config, file, dataDir } = await loadProjectConfig({ dir: dir.path, env: {} });
    expect(file).toBeUndefined();
    expect(config).toEqual({
      dataDir: '.fastdata',
      streams: 'streams',
      sources: 'sources',
      server: { host: '127.0.0.1', port: 7070, tokens: [], open: false, allowedHosts: [], allowedOrigins: [], accessLog: '', trustProxy: [], rateLimit: { requests: 6000, exports: 60, window: '1m' } },
      log: { partitions: 4, fsync: 'interval', kind: 'embedded', brokers: ['127.0.0.1:9092'], clientId: 'fastdata', replicationFactor: -1, ssl: false, driver: 'kafkajs', compression: { default: 'none', topics: {} } },
      registry: {},
      processing: { guarantee: 'at-least-once' },
      modules: {},
      alerts: { topicPrefix: 'fastdata.alerts' },
      metrics: { host: '127.0.0.1' },
      generator: { enabled: true, options: {} },
    });
    expect(dataDir).toBe(join(dir.path, '.fastdata'));
  });

  it('takes per-module commit interval and watermark settings from the file and the environment', async () => {
    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'modules:\n  sensor-stats:\n    commitInterval: 1s\n    watermark: { lateness: 5s }\n');
    const { config } = await loadProjectConfig({
      dir: dir.path,
      env: { FASTDATA_MODULES__SENSOR_STATS__WATERMARK__IDLE_TIMEOUT: '10s', FASTDATA_MODULES__SENSOR_ANOMALIES__COMMIT_INTERVAL: '2000' },
    });
    expect(config.modules).toEqual({
      'sensor-stats': { commitInterval: '1s', watermark: { lateness: '5s' } },
      sensorStats: { watermark: { idleTimeout: '10s' } },
      sensorAnomalies: { commitInterval: 2000 },
    });
    const bad = await loadProjectConfig({ dir: dir.path, env: { FASTDATA_MODULES__SENSOR_STATS__WATERMARK__LATENES: '1s' } }).catch((e: Error) => e.message);
    expect(bad).toMatch(/FASTDATA_MODULES__SENSOR_STATS__WATERMARK__LATENES \(modules\.sensorStats\.watermark\.latenes\): unknown setting \(did you mean lateness\?\)/);
  });

  it('reads production settings from the environment, lists comma-separated, secrets included', async () => {
    const { config } = await loadProjectConfig({
      dir: dir.path,
      env: {
        FASTDATA_LOG__KIND: 'kafka',
        FASTDATA_LOG__BROKERS: 'k1:9092, k2:9093',
        FASTDATA_LOG__SASL__MECHANISM: 'scram-sha-512',
        FASTDATA_LOG__SASL__USERNAME: 'svc',
        FASTDATA_LOG__SASL__PASSWORD: 'secret',
        FASTDATA_REGISTRY__URL: 'http://registry:8081',
        FASTDATA_PROCESSING__GUARANTEE: 'exactly-once',
        FASTDATA_TEST_SERVERS: 'off', // the test setup's, not a project setting
      },
    });
    expect(config.log).toMatchObject({ kind: 'kafka', brokers: ['k1:9092', 'k2:9093'], sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'secret' } });
    expect(config.registry.url).toBe('http://registry:8081');
    expect(config.processing.guarantee).toBe('exactly-once');
  });

  it('reports every production mistake at once, each with its field and fix', async () => {
    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'log:\n  brokers: [kafka]\n  sasl:\n    mechanism: kerberos\nprocessing:\n  guarantee: twice\n');
    const error = await loadProjectConfig({ dir: dir.path, env: {} }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('log.brokers.0');
    expect(message).toContain('log.sasl.mechanism');
    expect(message).toContain('processing.guarantee');

    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'processing:\n  guarantee: exactly-once\n');
    const embedded = (await loadProjectConfig({ dir: dir.path, env: {} }).catch((e: Error) => e)) as Error;
    expect(embedded.message).toContain('processing.guarantee');
    expect(embedded.message).toContain('set log.kind: kafka');
  });

  it('takes the file, then FASTDATA_* variables, then flags', async () => {
    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'server:\n  port: 8000\n  host: 127.0.0.1\nlog:\n  partitions: 8\n');
    const { config, file } = await loadProjectConfig({
      dir: dir.path,
      env: { FASTDATA_SERVER__PORT: '9000', FASTDATA_DATA_DIR: '/var/lib/fastdata', FASTDATA_GENERATOR__ENABLED: 'false', PATH: '/bin' },
      overrides: { server: { port: 9100 } },
    });
    expect(file).toBe(join(dir.path, 'fastdata.config.yaml'));
    expect(config.server).toEqual({ port: 9100, host: '127.0.0.1', tokens: [], open: false, allowedHosts: [], allowedOrigins: [], accessLog: '', trustProxy: [], rateLimit: { requests: 6000, exports: 60, window: '1m' } });
    expect(config.log.partitions).toBe(8);
    expect(config.dataDir).toBe('/var/lib/fastdata');
    expect(config.generator.enabled).toBe(false);
  });

  it('reports every problem at once, with file, line, column and setting', async () => {
    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'dataDir: data\nserver:\n  port: 70000\n  hots: x\nlog:\n  fsync: sometimes\n');
    const error = await loadProjectConfig({ dir: dir.path, env: { FASTDATA_LOG__PARTITIONS: 'many' } }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    const message = (error as Error).message;
    const file = join(dir.path, 'fastdata.config.yaml');
    expect(message).toContain(`${file}:3:9 server.port: must be <= 65535 (got 70000)`);
    expect(message).toContain(`${file}:4:3 server.hots: unknown setting (did you mean host?); the settings here are host, port`);
    expect(message).toContain(`${file}:6:10 log.fsync: must be one of "always", "interval", "never" (got "sometimes")`);
    expect(message).toContain('FASTDATA_LOG__PARTITIONS (log.partitions): must be integer (got "many")');
  });

  it('reports a YAML syntax error with its line', async () => {
    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'server:\n  port: [1,\n');
    await expect(loadProjectConfig({ dir: dir.path, env: {} })).rejects.toThrow(/fastdata\.config\.yaml:\d+:\d+ \(file\)/);
  });

  it('reads a JSON config file too', async () => {
    await writeFile(join(dir.path, 'fastdata.config.json'), JSON.stringify({ streams: 'modules' }));
    const { config } = await loadProjectConfig({ dir: dir.path, env: {} });
    expect(config.streams).toBe('modules');
  });
});
