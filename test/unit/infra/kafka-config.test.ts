import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseProperties } from '../../../scripts/infra/properties.js';

// kafkaClusterId draws from node:crypto's randomBytes; a test replaces it to force the
// draw that would start with '-'.
const randomBytes = vi.hoisted(() => vi.fn());
vi.mock('node:crypto', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:crypto')>()), randomBytes }));

const { kafkaClusterId, kafkaDependencies, kafkaJvmOptions, kafkaServerProperties, kafkaServerPropertiesFile } = await import('../../../scripts/infra/kafka-config.js');

const options = { dataDir: '/tmp/fastdata-infra/kafka/data', host: '127.0.0.1', port: 9092, controllerPort: 9093 };

/** "NAME://host:port,..." by listener name. */
function listeners(value: unknown): Record<string, string> {
  return Object.fromEntries(
    String(value)
      .split(',')
      .map((item) => {
        const [name, address] = item.split('://');
        return [name!, address!];
      }),
  );
}

describe('kafkaServerProperties', () => {
  it('is one KRaft node that is broker and controller, its own single voter', () => {
    const p = kafkaServerProperties(options);
    expect(String(p['process.roles']).split(',').sort()).toEqual(['broker', 'controller']);
    expect(p['node.id']).toBe(1);
    expect(p['controller.quorum.voters']).toBe('1@127.0.0.1:9093');
    expect(p['controller.listener.names']).toBe('CONTROLLER');
    expect(kafkaServerProperties({ ...options, nodeId: 7 })['controller.quorum.voters']).toBe('7@127.0.0.1:9093');
    expect(p).not.toHaveProperty('zookeeper.connect');
  });

  it('listens on 127.0.0.1 only: the broker port for clients, the controller port for KRaft', () => {
    const p = kafkaServerProperties(options);
    expect(listeners(p.listeners)).toEqual({ PLAINTEXT: '127.0.0.1:9092', CONTROLLER: '127.0.0.1:9093' });
    expect(listeners(p['advertised.listeners'])).toEqual({ PLAINTEXT: '127.0.0.1:9092' });
    const protocols = listeners(String(p['listener.security.protocol.map']).replaceAll(':', '://'));
    expect(Object.keys(protocols).sort()).toEqual(['CONTROLLER', 'PLAINTEXT']);
    expect(p['inter.broker.listener.name']).toBe('PLAINTEXT');
    expect(p['log.dirs']).toBe(options.dataDir);
  });

  it('keeps the internal topics on one replica, starts groups at once and creates no topic on its own', () => {
    const p = kafkaServerProperties(options);
    expect(p['offsets.topic.replication.factor']).toBe(1);
    expect(p['transaction.state.log.replication.factor']).toBe(1);
    expect(p['transaction.state.log.min.isr']).toBe(1);
    expect(p['group.initial.rebalance.delay.ms']).toBe(0);
    expect(p['auto.create.topics.enable']).toBe(false);
  });

  it('renders a server.properties file that reads back as the same settings', () => {
    const text = kafkaServerPropertiesFile(options);
    expect(text.split('\n')[0]).toMatch(/^# /);
    const expected = Object.fromEntries(Object.entries(kafkaServerProperties(options)).map(([key, value]) => [key, String(value)]));
    expect(parseProperties(text)).toEqual(expected);
  });
});

describe('kafkaClusterId', () => {
  beforeEach(async () => {
    const crypto = await vi.importActual<typeof import('node:crypto')>('node:crypto');
    randomBytes.mockReset();
    randomBytes.mockImplementation((size: number) => crypto.randomBytes(size));
  });

  it('is 16 random bytes as 22 characters of base64url, different every time', () => {
    const ids = Array.from({ length: 200 }, () => kafkaClusterId());
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draws again when the id would start with '-' (which kafka-storage would read as an option)", () => {
    // 0xf8 is 111110.., base64url digit 62: '-'.
    const dash = Buffer.alloc(16, 0xf8);
    const fine = Buffer.alloc(16, 0x00);
    expect(dash.toString('base64url').startsWith('-')).toBe(true);
    randomBytes.mockReturnValueOnce(dash).mockReturnValueOnce(dash).mockReturnValueOnce(fine);
    expect(kafkaClusterId()).toBe(fine.toString('base64url'));
    expect(randomBytes).toHaveBeenCalledTimes(3);
    expect(randomBytes).toHaveBeenCalledWith(16);
  });
});

describe('the broker JVM and classpath', () => {
  it('pins the heap: initial and maximum the same', () => {
    const jvm = kafkaJvmOptions(768);
    expect(jvm).toContain('-Xms768m');
    expect(jvm).toContain('-Xmx768m');
  });

  it('asks Maven for kafka_2.13 at the Kafka version and the log4j2 slf4j binding at the log4j version', () => {
    const deps = kafkaDependencies('4.4.0', '2.25.5');
    expect(deps).toContainEqual({ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '4.4.0' });
    expect(deps).toContainEqual({ groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.5' });
    expect(deps.filter((d) => d.groupId === 'org.apache.logging.log4j').every((d) => d.version === '2.25.5')).toBe(true);
  });
});
