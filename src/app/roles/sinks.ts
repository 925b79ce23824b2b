/**
 * The sinks role: the Cassandra sink of every module that declares one (output.sinks),
 * when the config has a `cassandra` section; each a consumer group of its own on its
 * module's output, so a sink never holds its module up. Without the section it runs nothing.
 */
import { CassandraSinkGroup } from '../../sinks/cassandra/sink-group.js';
import type { ProcessContext, Role } from '../process.js';

export class SinksRole implements Role {
  readonly name = 'sinks';
  private readonly context: ProcessContext;
  private group: CassandraSinkGroup | undefined;

  constructor(context: ProcessContext) {
    this.context = context;
  }

  async start(): Promise<void> {
    const { config, log, serde, root } = this.context;
    this.group = await CassandraSinkGroup.start({ config, modules: this.context.modules(), log, serde, root, onEvent: (event) => this.context.emit(event) });
  }

  sinkStatus() {
    return this.group?.status() ?? [];
  }

  status() {
    return { sinks: this.sinkStatus() };
  }

  async stop(): Promise<void> {
    await this.group?.stop();
  }
}
