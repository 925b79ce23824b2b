/**
 * `fastdata reset <module> [--dry-run]`: starts a module over (tools/reset/reset-module.ts).
 * On the embedded log it needs the data dir to itself (`fastdata dev` stopped); on Kafka
 * every worker of the module stopped.
 */
import { openBackends } from '../../app/backends.js';
import { loadProject } from '../../app/project.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { FastdataError, isFastdataError } from '../../errors.js';
import { resetModule } from '../../tools/reset/reset-module.js';
import { info } from '../output.js';

export interface ResetOptions {
  dir: string;
  dataDir?: string;
  brokers?: string[];
  registryUrl?: string;
  dryRun: boolean;
}

export async function reset(name: string, options: ResetOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.brokers !== undefined) overrides.log = { kind: 'kafka', brokers: options.brokers };
  if (options.registryUrl !== undefined) overrides.registry = { url: options.registryUrl };
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides });
  const project = await loadProject({ root, config });
  const module = project.streams.find((s) => s.module.name === name)?.module;
  if (!module) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `<module>: no module named ${name} in ${config.streams}/; the modules are ${project.streams.map((s) => s.module.name).join(', ') || 'none'}`, {
      context: { field: 'module' },
    });
  }
  let backends;
  try {
    backends = await openBackends({ config, root, dataDir });
  } catch (error) {
    if (isFastdataError(error, 'FD_LOG_LOCKED')) {
      throw new FastdataError('FD_GROUP_ACTIVE', `cannot reset ${name} while another fastdata process (dev, or run on the embedded log) writes this data dir (${error.message.replace(/;.*$/s, '')}); stop it first (Ctrl-C checkpoints), then reset`, {
        cause: error,
      });
    }
    throw error;
  }
  try {
    const result = await resetModule(backends.log, module, { dryRun: options.dryRun });
    const verb = result.dryRun ? 'would delete' : 'deleted';
    info(`${name}: ${verb} consumer group ${result.groupId} (its inputs are read from the earliest offset next time)`);
    info(`${name}: ${verb} ${result.stateEntries} state entries of ${result.changelog}; positions and watermarks forgotten`);
    info(`${name}: kept ${module.output.topic} and ${module.topics.deadLetter}${result.dryRun ? '' : `; the next start recomputes everything from the inputs`}`);
  } finally {
    await backends.close();
  }
}
