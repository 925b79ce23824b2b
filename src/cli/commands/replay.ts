/**
 * `fastdata replay <module> --from <time> [--to <time>] --output <topic>`: reprocesses the
 * module's inputs over a time range with the module's current code into a topic of its
 * own (src/app/replay.ts), for `fastdata diff <live output> <topic>`.
 *
 * It writes (the output topic, its schema), so on the embedded log it needs the data dir
 * to itself: beside a running `fastdata dev` it stops with a message saying so. On Kafka
 * it runs beside the workers.
 */
import { join } from 'node:path';
import { openBackends } from '../../app/backends.js';
import { replay } from '../../tools/replay/replay.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { FastdataError, isFastdataError } from '../../errors.js';
import { AvroSerde } from '../../schema/serde.js';
import { loadStreamModules } from '../../stream/module-loader.js';
import { info } from '../output.js';

export interface ReplayCommandOptions {
  dir: string;
  dataDir?: string;
  brokers?: string[];
  registryUrl?: string;
  from: number;
  to?: number;
  output: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function replayCommand(name: string, options: ReplayCommandOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.brokers !== undefined) overrides.log = { kind: 'kafka', brokers: options.brokers };
  if (options.registryUrl !== undefined) overrides.registry = { url: options.registryUrl };
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides });
  if (options.to !== undefined && options.to <= options.from) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `--to (${iso(options.to)}) must be after --from (${iso(options.from)})`, { context: { field: '--to' } });
  }

  // The module as its file is now: the version to judge.
  const { streams, failures } = await loadStreamModules(join(root, config.streams), root);
  const module = streams.find((s) => s.module.name === name)?.module;
  if (!module) {
    const failed = failures.map((f) => f.error.message).join('; ');
    throw new FastdataError(
      'FD_ARGUMENT_INVALID',
      `<module>: no module named ${name} in ${config.streams}/; the modules are ${streams.map((s) => s.module.name).join(', ') || 'none'}${failed ? ` (not loaded: ${failed})` : ''}`,
      { context: { field: 'module' } },
    );
  }

  let backends;
  try {
    backends = await openBackends({ config, root, dataDir });
  } catch (error) {
    if (isFastdataError(error, 'FD_LOG_LOCKED')) {
      throw new FastdataError(
        'FD_LOG_LOCKED',
        `replay writes its output topic, and ${error.message.replace(/;.*$/s, '')}. Stop fastdata dev (Ctrl-C checkpoints), run the replay, then start dev again; or replay on a copy of the data dir (--data-dir)`,
        { context: error.context, cause: error },
      );
    }
    throw error;
  }
  try {
    const range = `${iso(options.from)} to ${options.to === undefined ? 'the end of the log' : iso(options.to)}`;
    info(`replaying ${module.name} over ${module.inputs.map((i) => i.topic).join(', ')} from ${range} into ${options.output} (${backends.description}; fresh state, the live module untouched)`);
    const result = await replay({
      log: backends.log,
      serde: new AvroSerde(backends.registry),
      root,
      module,
      output: options.output,
      from: options.from,
      ...(options.to !== undefined ? { to: options.to } : {}),
      defaultPartitions: config.log.partitions,
    });
    const read = Object.entries(result.read).map(([topic, n]) => `${n} from ${topic}`).join(', ');
    const dead = Object.entries(result.deadLetters).map(([reason, n]) => `${n} ${reason}`).join(', ');
    info(`read ${read} (${result.partitions} partitions); wrote ${result.outputs} records to ${options.output}`);
    if (dead) info(`dead letters (counted, not written): ${dead}`);
    if (result.openAtEnd > 0) info(`${result.openAtEnd} windows or keyed states were still open when the range ended (not emitted: the watermark had not passed them)`);
    info(`compare: npx fastdata diff ${module.output.topic} ${options.output}`);
  } finally {
    await backends.close();
  }
}
