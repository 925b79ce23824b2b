/**
 * The sources role: producers of input data inside the process. Today the demo's sensor
 * fleet (`generator` in the config), which `fastdata dev` runs on the demo project. A
 * source that fails to start is reported; the others and the rest of the process go on.
 */
import { FastdataError, isFastdataError } from '../../errors.js';
import { type SensorFleetOptions, createSensorFleet } from '../../sources/sensor-fleet.js';
import type { Source } from '../../sources/source.js';
import type { ProcessContext, Role } from '../process.js';

export class SourcesRole implements Role {
  readonly name = 'sources';
  readonly sources: Source[] = [];
  private readonly context: ProcessContext;

  constructor(context: ProcessContext) {
    this.context = context;
  }

  async start(): Promise<void> {
    for (const source of this.declared()) {
      try {
        await source.start();
        this.sources.push(source);
        this.context.emit({ type: 'source-started', source: source.name, topic: source.topic, details: source.stats().details });
      } catch (error) {
        this.context.emit({ type: 'source-failed', source: source.name, error });
      }
    }
  }

  /** The sensor fleet, configured by `generator.options`; the log, serde and clock are the process's, which the config cannot replace. */
  private declared(): Source[] {
    const { config, log, serde, clock } = this.context;
    if (!config.generator.enabled) return [];
    const options = { partitions: config.log.partitions, ...config.generator.options, log, serde, clock } as SensorFleetOptions;
    try {
      return [createSensorFleet(options)];
    } catch (error) {
      if (isFastdataError(error, 'FD_CONFIG_INVALID')) {
        throw new FastdataError('FD_CONFIG_INVALID', `generator.options in the project configuration: ${error.message}`, { context: { field: 'generator.options' }, cause: error });
      }
      throw error;
    }
  }

  status() {
    return { sources: this.sources.map((s) => ({ name: s.name, topic: s.topic, ...s.stats() })) };
  }

  async stop(): Promise<void> {
    for (const source of [...this.sources].reverse()) await source.stop().catch(() => undefined);
  }
}
