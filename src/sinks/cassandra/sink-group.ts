/**
 * The Cassandra sinks of a process (`fastdata run`): one per module output that declares
 * `sinks.cassandra`, sharing one cassandra-driver client, started when the project
 * configures `cassandra` and not otherwise.
 */
import type { ProjectConfig } from '../../config/project-config.js';
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { StreamModule } from '../../stream/define.js';
import type { RunnerEvent } from '../../stream/runner-events.js';
import { type CassandraClient, createCassandraClient } from './client.js';
import { CassandraSink } from './sink.js';

export interface SinkGroupOptions {
  config: ProjectConfig;
  modules: readonly StreamModule[];
  log: Log;
  serde: AvroSerde;
  root: string;
  onEvent?: (event: RunnerEvent) => void;
}

export class CassandraSinkGroup {
  private constructor(
    readonly sinks: CassandraSink[],
    private readonly client: CassandraClient | undefined,
  ) {}

  /**
   * Starts the sinks the modules declare (none without a `cassandra` section). Resolves
   * once each sink's declaration is checked against its schema; they connect and consume
   * in the background, so an unreachable Cassandra delays the sinks and nothing else.
   */
  static async start(options: SinkGroupOptions): Promise<CassandraSinkGroup> {
    const settings = options.config.cassandra;
    const declaring = options.modules.filter((m) => m.output.sinks.cassandra);
    if (!settings || declaring.length === 0) return new CassandraSinkGroup([], undefined);
    const client = createCassandraClient(settings);
    const group = new CassandraSinkGroup(
      declaring.map((module) => new CassandraSink({ module, log: options.log, serde: options.serde, client, settings, root: options.root, ...(options.onEvent ? { onEvent: options.onEvent } : {}) })),
      client,
    );
    try {
      for (const sink of group.sinks) await sink.start();
    } catch (error) {
      await group.stop();
      throw error;
    }
    return group;
  }

  status() {
    return this.sinks.map((sink) => sink.status());
  }

  async stop(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.stop().catch(() => {})));
    await this.client?.shutdown().catch(() => {});
  }
}
