/**
 * An access layer served on 127.0.0.1 over an embedded log and registry in a temp dir,
 * with the given output topics created and their schemas registered, for the REST and
 * WebSocket tests.
 */
import { join } from 'node:path';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { type AvroEncoder, AvroSerde } from '../../src/schema/serde.js';
import { valueSubject } from '../../src/schema/types.js';
import { AccessLayer } from '../../src/serve/access/access-layer.js';
import { startServer, type ServerOptions } from '../../src/serve/server.js';
import type { StreamModule } from '../../src/stream/define.js';
import { tempDir } from './temp-dir.js';

export interface AccessServer {
  log: EmbeddedLog;
  registry: EmbeddedSchemaRegistry;
  serde: AvroSerde;
  access: AccessLayer;
  url: string;
  /** An encoder per output topic, registered under its subject. */
  encoders: Record<string, AvroEncoder>;
  close(): Promise<void>;
}

export async function startAccessServer(options: {
  modules: StreamModule[];
  topics: { name: string; partitions: number; schema: object }[];
  wsQueue?: ServerOptions['wsQueue'];
  /** More of the server's options: who may call it (guard, rateLimit, tls). */
  server?: Pick<ServerOptions, 'guard' | 'rateLimit' | 'trustProxy' | 'tls'>;
}): Promise<AccessServer> {
  const dir = await tempDir();
  const log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
  const registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
  const serde = new AvroSerde(registry);
  const encoders: Record<string, AvroEncoder> = {};
  for (const topic of options.topics) {
    await log.createTopic({ name: topic.name, partitions: topic.partitions });
    encoders[topic.name] = await serde.encoderFor(valueSubject(topic.name), topic.schema);
  }
  const access = new AccessLayer({ log, registry, serde, modules: () => options.modules });
  const { app, url } = await startServer({ registry, status: async () => ({}), host: '127.0.0.1', port: 0, access, ...(options.wsQueue ? { wsQueue: options.wsQueue } : {}), ...options.server });
  return {
    log,
    registry,
    serde,
    access,
    url,
    encoders,
    async close() {
      await app.close();
      await access.close();
      await log.close();
      await registry.close();
      await dir.remove();
    },
  };
}
