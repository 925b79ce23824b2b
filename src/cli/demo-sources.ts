import type { Source, SourceContext } from '../app/embedded-app.js';
import { FastdataError, isFastdataError } from '../errors.js';
import { type SensorFleetOptions, createSensorFleet } from '../sources/sensor-fleet.js';

/**
 * The sources `fastdata dev` runs for the demo project: the sensor fleet, configured by
 * `generator.options` in fastdata.config.yaml. The log, the serde and the clock are the
 * process's own; the config cannot replace them.
 */
export function demoSources({ log, serde, clock, config }: SourceContext): Source[] {
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
