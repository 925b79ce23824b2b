/**
 * `fastdata replay <module> --from <time> [--to <time>] --output <topic>`: reprocesses the
 * module's inputs over a time range with the module's current code into a topic of its
 * own (stream/replay/replay.ts), for `fastdata diff <live output> <topic>`.
 *
 * It writes (the output topic, its schema). On Kafka, or on an embedded data dir no process
 * holds, it runs here. Beside a running `fastdata dev`, which holds the embedded log, it
 * runs inside that process (POST /api/replay, its address from `<dataDir>/server.json`),
 * which loads the module from its own streams folder as the file is now and leaves its
 * live modules running; what is printed is the same either way.
 */
import { join } from 'node:path';
import { openBackends } from '../../app/backends.js';
import { readServerAddress } from '../../app/server-address.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { FastdataError, isFastdataError } from '../../errors.js';
import { AvroSerde } from '../../schema/serde.js';
import { type ReplayProgress, type ReplayResult, replay } from '../../stream/replay/replay.js';
import { findStreamModule } from '../../stream/replay/replay-module.js';
import { info } from '../output.js';
import { replayThroughServer } from './replay-remote.js';

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
/** A progress line at most this often, for replays that take a while. */
const PROGRESS_EVERY_MS = 5_000;

export async function replayCommand(name: string, options: ReplayCommandOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.brokers !== undefined) overrides.log = { kind: 'kafka', brokers: options.brokers };
  if (options.registryUrl !== undefined) overrides.registry = { url: options.registryUrl };
  const { config, root, dataDir } = await loadProjectConfig({ dir: options.dir, overrides });
  if (options.to !== undefined && options.to <= options.from) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `--to (${iso(options.to)}) must be after --from (${iso(options.from)})`, { context: { field: '--to' } });
  }
  const progress = progressPrinter();

  let backends;
  try {
    backends = await openBackends({ config, root, dataDir });
  } catch (error) {
    if (!isFastdataError(error, 'FD_LOG_LOCKED')) throw error;
    // A running dev holds the log: the replay runs in that process, through its server.
    const url = await readServerAddress(dataDir);
    if (url === undefined) {
      throw new FastdataError(
        'FD_LOG_LOCKED',
        `replay writes its output topic, and ${error.message.replace(/;.*$/s, '')}, which serves no address to replay through (${dataDir}/server.json). ` +
          'Stop it (Ctrl-C checkpoints), run the replay, then start it again; or replay on a copy of the data dir (--data-dir)',
        { context: error.context, cause: error },
      );
    }
    let live = '';
    const result = await replayThroughServer(
      url,
      { module: name, from: options.from, ...(options.to !== undefined ? { to: options.to } : {}), output: options.output, root },
      {
        started: (s) => {
          live = s.liveOutput;
          info(startLine(s.module, s.inputs, s.from, s.to, s.output, `through fastdata dev at ${url}: ${s.where}`));
        },
        progress,
      },
    );
    printResult(live, options.output, result);
    return;
  }
  try {
    // The module as its file is now: the version to judge.
    const module = await findStreamModule(join(root, config.streams), root, name);
    info(startLine(module.name, module.inputs.map((i) => i.topic), options.from, options.to, options.output, backends.description));
    const result = await replay({
      log: backends.log,
      serde: new AvroSerde(backends.registry),
      root,
      module,
      output: options.output,
      from: options.from,
      ...(options.to !== undefined ? { to: options.to } : {}),
      defaultPartitions: config.log.partitions,
      onProgress: progress,
    });
    printResult(module.output.topic, options.output, result);
  } finally {
    await backends.close();
  }
}

function startLine(module: string, inputs: string[], from: number, to: number | undefined, output: string, where: string): string {
  const range = `${iso(from)} to ${to === undefined ? 'the end of the log' : iso(to)}`;
  return `replaying ${module} over ${inputs.join(', ')} from ${range} into ${output} (${where}; fresh state, the live module untouched)`;
}

/** Prints where a long replay is, every PROGRESS_EVERY_MS; nothing for a short one. */
function progressPrinter(): (progress: ReplayProgress) => void {
  let last = performance.now();
  return (p) => {
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    info(`replay: partition ${p.partition + 1} of ${p.partitions}, ${p.read} records read, ${p.outputs} written`);
  };
}

function printResult(liveOutput: string, output: string, result: ReplayResult): void {
  const read = Object.entries(result.read).map(([topic, n]) => `${n} from ${topic}`).join(', ');
  const dead = Object.entries(result.deadLetters).map(([reason, n]) => `${n} ${reason}`).join(', ');
  info(`read ${read} (${result.partitions} partitions); wrote ${result.outputs} records to ${output}`);
  if (dead) info(`dead letters (counted, not written): ${dead}`);
  if (result.openAtEnd > 0) info(`${result.openAtEnd} windows or keyed states were still open when the range ended (not emitted: the watermark had not passed them)`);
  info(`compare: npx fastdata diff ${liveOutput} ${output}`);
}
