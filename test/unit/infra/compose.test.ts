/**
 * docker-compose.yml cannot be run here (no Docker), so this checks what can be checked
 * without it: the services, that the published ports are the addresses the code and
 * scripts/infra use by default, that nothing is published beyond 127.0.0.1, and that the
 * FASTDATA_* environment of the fastdata containers is a valid project configuration
 * pointing at the kafka and registry services.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadProjectConfig, type LoadedConfig } from '../../../src/config/project-config.js';
import { KAFKA_PORT } from '../../../scripts/infra/kafka.js';
import { REGISTRY_PORT, REGISTRY_URL } from '../../../scripts/infra/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';

const composeText = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: unknown[];
  environment?: Record<string, string | number | boolean> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: unknown };
  profiles?: string[];
}

// Compose files use YAML merge keys (<<: *anchor) for the settings the fastdata services share.
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

interface Published {
  hostIp: string | undefined;
  published: number;
  target: number;
}

/** Compose's short ("[ip:]published:target[/proto]") and long ({ host_ip, published, target }) port syntax. */
function publishedPorts(name: string): Published[] {
  return (service(name).ports ?? []).map((entry) => {
    if (typeof entry === 'object' && entry !== null) {
      const long = entry as { host_ip?: string; published?: string | number; target?: number };
      return { hostIp: long.host_ip, published: Number(long.published), target: Number(long.target) };
    }
    const parts = String(entry).replace(/\/(tcp|udp)$/, '').split(':');
    if (parts.length === 3) return { hostIp: parts[0], published: Number(parts[1]), target: Number(parts[2]) };
    if (parts.length === 2) return { hostIp: undefined, published: Number(parts[0]), target: Number(parts[1]) };
    return { hostIp: undefined, published: Number.NaN, target: Number(parts[0]) };
  });
}

/** A service's environment as a process would see it: every value a string. */
function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

const hostPort = (address: string) => {
  const url = new URL(`tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
};

/** Kafka listener lists, "NAME://host:port,NAME://:port", by listener name. */
function listeners(value: string | undefined): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const item of (value ?? '').split(',').filter(Boolean)) {
    const match = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`not a Kafka listener: ${item}`);
    out.set(match[1]!, { host: match[2]!, port: Number(match[3]) });
  }
  return out;
}

describe('docker-compose.yml', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let defaults: LoadedConfig['config'];
  beforeAll(async () => {
    dir = await tempDir('fastdata-compose-');
    defaults = (await loadProjectConfig({ dir: dir.path, env: {} })).config;
  });
  afterAll(() => dir.remove());

  it('has exactly the services kafka, registry, cassandra, worker and server', () => {
    expect(Object.keys(services).sort()).toEqual(['cassandra', 'kafka', 'registry', 'server', 'worker']);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const all = Object.keys(services).flatMap((name) => publishedPorts(name).map((port) => ({ name, ...port })));
    expect(all.length).toBeGreaterThan(0);
    for (const port of all) expect(port.hostIp, `${port.name}: ${port.published}:${port.target}`).toBe('127.0.0.1');
  });

  it('publishes Kafka on the port of the default log.brokers and of scripts/infra, advertised at that address', () => {
    const defaultBroker = hostPort(defaults.log.brokers[0]!);
    const host = publishedPorts('kafka');
    expect(host.map((p) => p.published)).toEqual([KAFKA_PORT]);
    expect(defaultBroker.port).toBe(KAFKA_PORT);
    // The host reaches the broker at the address it advertises for the published listener.
    const env = environment('kafka');
    const listening = listeners(env.KAFKA_LISTENERS);
    const advertised = listeners(env.KAFKA_ADVERTISED_LISTENERS);
    const hostListener = [...listening].find(([, l]) => l.port === host[0]!.target);
    expect(hostListener, `a listener on the published port ${host[0]!.target}`).toBeDefined();
    expect(advertised.get(hostListener![0])).toEqual(defaultBroker);
  });

  it('configures Kafka as one KRaft broker+controller with single-replica internal topics and no auto-created topics', () => {
    const env = environment('kafka');
    expect(env.KAFKA_PROCESS_ROLES?.split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@kafka:${listeners(env.KAFKA_LISTENERS).get('CONTROLLER')?.port}`);
    const protocols = new Map((env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '').split(',').map((pair) => pair.split(':') as [string, string]));
    for (const name of listeners(env.KAFKA_LISTENERS).keys()) expect(protocols.has(name), `${name} in the security protocol map`).toBe(true);
    for (const name of listeners(env.KAFKA_ADVERTISED_LISTENERS).keys()) expect(listeners(env.KAFKA_LISTENERS).has(name), `${name} is listened on`).toBe(true);
    expect(listeners(env.KAFKA_LISTENERS).has(env.KAFKA_CONTROLLER_LISTENER_NAMES ?? '')).toBe(true);
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('1');
    expect(env.KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS).toBe('0');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('publishes the registry on the port of scripts/infra', () => {
    expect(publishedPorts('registry').map((p) => p.published)).toEqual([REGISTRY_PORT]);
    expect(new URL(REGISTRY_URL).port).toBe(String(REGISTRY_PORT));
  });

  it('publishes the fastdata server on the default server.port, and Cassandra on 9042', () => {
    expect(publishedPorts('server').map((p) => p.published)).toEqual([defaults.server.port]);
    expect(publishedPorts('cassandra').map((p) => p.published)).toEqual([9042]);
  });

  it('publishes no port of the worker, so it scales', () => {
    expect(service('worker').ports ?? []).toEqual([]);
    expect(service('worker')).not.toHaveProperty('container_name');
  });

  for (const name of ['worker', 'server'] as const) {
    it(`gives the ${name} an environment that is a valid configuration pointing at the kafka and registry services`, async () => {
      const env = environment(name);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      expect(Object.keys(env).filter((key) => !key.startsWith('FASTDATA_'))).toEqual([]);
      const { config } = await loadProjectConfig({ dir: dir.path, env });
      expect(config.log.kind).toBe('kafka');
      // Every broker is an address the kafka service advertises to the other containers.
      const advertised = [...listeners(environment('kafka').KAFKA_ADVERTISED_LISTENERS).values()];
      expect(config.log.brokers.length).toBeGreaterThan(0);
      for (const broker of config.log.brokers) {
        expect(hostPort(broker).host).toBe('kafka');
        expect(advertised).toContainEqual(hostPort(broker));
      }
      // The registry service, on the port its container listens on (the target of its published port).
      const registry = new URL(config.registry.url ?? 'http://unset');
      expect(registry.hostname).toBe('registry');
      expect(Number(registry.port)).toBe(publishedPorts('registry')[0]!.target);
      expect(registry.pathname).toBe(new URL(REGISTRY_URL).pathname);
    });
  }

  it('lets the server listen on every interface of its container, on the port that is published', async () => {
    const { config } = await loadProjectConfig({ dir: dir.path, env: environment('server') });
    expect(config.server.host).toBe('0.0.0.0');
    expect(publishedPorts('server').map((p) => p.target)).toEqual([config.server.port]);
  });

  it('starts the worker with `run` and the fastdata containers only once Kafka and the registry are healthy', () => {
    expect(service('worker').command).toEqual(['run']);
    for (const name of ['worker', 'server']) {
      const s = service(name);
      expect(s.build, `${name} is built from the Dockerfile`).toBeDefined();
      expect(s.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, registry: { condition: 'service_healthy' } });
    }
    for (const name of ['kafka', 'registry', 'cassandra']) expect(service(name).healthcheck?.test, `${name} healthcheck`).toBeDefined();
  });

  it('has no $ that compose would interpolate (a shell variable must be written $$)', () => {
    const lines = composeText.split('\n').filter((line) => !line.trimStart().startsWith('#'));
    expect(lines.filter((line) => line.replaceAll('$$', '').includes('$'))).toEqual([]);
  });
});
