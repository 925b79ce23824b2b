/**
 * `fastdata dev`: the whole project in one process on the embedded default — the demo
 * sources, every module in the streams folder, the HTTP server — with what happens
 * printed to the terminal. Ctrl-C checkpoints and stops.
 */
import { relative } from 'node:path';
import { type AppEvent, EmbeddedApp, type Source, type SourceContext } from '../../app/embedded-app.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { clock, describeError, info } from '../output.js';

export interface DevOptions {
  dir: string;
  dataDir?: string;
  port?: number;
  generator: boolean;
}

/** Dead letters are counted and summarised every few seconds rather than printed one by one. */
class DeadLetterSummary {
  private counts = new Map<string, { n: number; example: string }>();
  add(module: string, reason: string, message: string): void {
    const key = `${module} ${reason}`;
    const entry = this.counts.get(key);
    if (entry) entry.n++;
    else this.counts.set(key, { n: 1, example: message });
  }
  flush(): void {
    for (const [key, { n, example }] of this.counts) {
      const [module, reason] = key.split(' ');
      info(`${clock()} ${module}: ${n} record${n === 1 ? '' : 's'} to the dead-letter topic (${reason}), e.g. ${example}`);
    }
    this.counts = new Map();
  }
}

function printEvent(event: AppEvent, root: string, deadLetters: DeadLetterSummary): void {
  switch (event.type) {
    case 'started':
      info(`${clock()} ${event.module}: running, ${event.inputs.join(', ')} -> ${event.output} (${event.partitions} partitions)`);
      break;
    case 'waiting':
      info(`${clock()} ${event.module}: waiting for input topic ${event.topics.join(', ')} to exist`);
      break;
    case 'restored':
      if (event.entries > 0 || event.duplicatesToSkip > 0) {
        info(`${clock()} ${event.module}[${event.partition}]: restored ${event.entries} state entries${event.duplicatesToSkip ? `, ${event.duplicatesToSkip} outputs already written` : ''}`);
      }
      break;
    case 'dead-letter':
      deadLetters.add(event.module, event.reason, event.message);
      break;
    case 'warning':
      info(`${clock()} ${event.module}: warning: ${event.message}`);
      break;
    case 'failed':
      info(`${clock()} ${event.module}: FAILED: ${describeError(event.error)}`);
      break;
    case 'load-failed':
      info(`${clock()} ${relative(root, event.file)}: not loaded: ${describeError(event.error)}`);
      break;
    case 'source-started':
      info(`${clock()} source ${event.source}: producing to ${event.topic}${event.details ? ` (${event.details})` : ''}`);
      break;
    case 'source-failed':
      info(`${clock()} source ${event.source}: FAILED: ${describeError(event.error)}`);
      break;
    case 'log-warning':
      info(`${clock()} log: ${event.message}`);
      break;
    default:
      break;
  }
}

export async function dev(options: DevOptions, sources: (context: SourceContext) => Source[]): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  if (options.port !== undefined) overrides.server = { port: options.port };
  const { config, root, dataDir, file } = await loadProjectConfig({ dir: options.dir, overrides });
  const deadLetters = new DeadLetterSummary();
  info(`fastdata dev: project ${root}${file ? ` (${relative(root, file)})` : ''}, embedded log and registry in ${relative(root, dataDir) || dataDir}`);
  const app = await EmbeddedApp.start({
    root,
    config,
    dataDir,
    sources: options.generator && config.generator.enabled ? sources : undefined,
    onEvent: (event) => printEvent(event, root, deadLetters),
  });
  const summaryTimer = setInterval(() => deadLetters.flush(), 10_000);
  const outputs = app.runners.map((r) => r.module.output.topic);
  info('');
  info(`  status page and schema registry: ${app.url}  (registry API at ${app.url}/registry)`);
  if (outputs.length > 0) {
    info('  watch the outputs in another terminal:');
    for (const topic of outputs) info(`    npx fastdata tail ${topic}`);
  } else {
    info(`  no stream modules in ${config.streams}/ yet`);
  }
  info('  Ctrl-C stops (state is checkpointed)');
  info('');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        info('stopping already; press Ctrl-C again to exit without waiting');
        process.exit(130);
      }
      stopping = true;
      info(`${clock()} ${signal}: checkpointing and stopping...`);
      clearInterval(summaryTimer);
      deadLetters.flush();
      app.stop().then(resolve, (error) => {
        info(`stop failed: ${describeError(error)}`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  info(`${clock()} stopped`);
}
