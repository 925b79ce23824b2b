/** The metrics role of a process without the HTTP role (`fastdata run --metrics-port`): /metrics alone, for Prometheus. */
import { type MetricsServer, startMetricsServer } from '../../metrics/metrics-server.js';
import type { ProcessContext, Role } from '../process.js';

export class MetricsServerRole implements Role {
  readonly name = 'metrics';
  private readonly context: ProcessContext;
  private server: MetricsServer | undefined;

  constructor(context: ProcessContext) {
    this.context = context;
  }

  get url(): string | undefined {
    return this.server?.url;
  }

  async start(): Promise<void> {
    const { metrics, config } = this.context;
    if (config.metrics.port === undefined) return;
    this.server = await startMetricsServer(metrics, { host: config.metrics.host, port: config.metrics.port });
    this.context.emit({ type: 'role-started', role: this.name, detail: `${this.server.url}/metrics` });
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}
