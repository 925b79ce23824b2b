/**
 * The harness of the runtime tests on the embedded log: a log and a registry in a temp dir,
 * and stream runners over them whose events are recorded, as `fastdata dev` would run them.
 */
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import type { StreamModule } from '../../src/stream/define.js';
import type { RunnerEvent } from '../../src/stream/runner-events.js';
import { StreamRunner } from '../../src/stream/runner.js';
import { tempDir } from './temp-dir.js';

export class EmbeddedRuntime {
  /** Every event of every runner made here, in order. */
  readonly events: RunnerEvent[] = [];

  private constructor(
    private readonly dir: { path: string; remove: () => Promise<void> },
    readonly log: EmbeddedLog,
    readonly registry: EmbeddedSchemaRegistry,
    readonly serde: AvroSerde,
  ) {}

  static async open(): Promise<EmbeddedRuntime> {
    const dir = await tempDir();
    const log = await EmbeddedLog.open(`${dir.path}/log`, { fsync: 'never' });
    const registry = await EmbeddedSchemaRegistry.open(`${dir.path}/registry`);
    return new EmbeddedRuntime(dir, log, registry, new AvroSerde(registry));
  }

  /** A runner of `module` (not started); `partitions`: of the topics it creates. */
  runner(module: StreamModule, partitions: number): StreamRunner {
    return new StreamRunner(module, { log: this.log, serde: this.serde, root: this.dir.path, defaultPartitions: partitions, onEvent: (e) => this.events.push(e) });
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.registry.close();
    await this.dir.remove();
  }
}
