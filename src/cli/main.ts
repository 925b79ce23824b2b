/**
 * The `fastdata` command. Each subcommand lives in commands/; this file wires arguments
 * to them and turns errors into a message and an exit code: 2 for a mistake of the user
 * (a bad argument, config or module), 1 for anything else. A command's module is imported
 * when it runs: `fastdata produce` or `--help` does not load the whole platform first.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { isFastdataError } from '../errors.js';
import { brokerList, holderName, pointInTime, port, repeatable, wholeNumber } from './arguments.js';
import type { dev } from './commands/dev.js';
import { registerInit } from './commands/init.js';
import { registerNew } from './commands/new.js';
import type { replayCommand } from './commands/replay.js';
import type { reset } from './commands/reset.js';
import type { run } from './commands/run.js';
import { registerSchemaTools } from './commands/schema-tools.js';
import type { serve } from './commands/serve.js';
import type { produce } from './commands/produce.js';
import type { tail } from './commands/tail.js';
import type { topics } from './commands/topics.js';
import { configureDefaultsInHelp } from './help.js';
import { describeError, info } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The command tree, for main and for tests that check every command's help. */
export function program(): Command {
  const root = new Command('fastdata')
    .description('Streaming platform for fast data: windowed models over Kafka or an embedded log, Avro outputs, live results.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Before any subcommand is made: they copy the root's help settings when created.
  configureDefaultsInHelp(root);
  const project = () => new Option('--dir <path>', 'project root (where fastdata.config.yaml and streams/ are)').default('.');
  const dataDir = () => new Option('--data-dir <path>', 'data dir of the embedded log and registry (default: dataDir of the config, .fastdata)');

  root
    .command('dev')
    .description('run the project on the embedded log: demo sources, every module in streams/, the status page')
    .addOption(project())
    .addOption(dataDir())
    .option('--port <port>', 'HTTP port of the status page and registry (default 7070; 0 picks a free one)', port)
    .option('--no-generator', 'do not run the demo sensor-fleet generator')
    .action(async (options: { dir: string; dataDir?: string; port?: number; generator: boolean }) => (await import('./commands/dev.js')).dev(options));

  root
    .command('run')
    .description('run the stream modules as a production worker: Kafka and a schema registry from the config (log.kind, log.brokers, registry.url); start several to share the partitions')
    .addOption(project())
    .addOption(dataDir())
    .option('-m, --module <name>', 'run only this module (repeat for several; default: all of streams/)', repeatable, undefined)
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port,host:port (sets log.kind kafka)', brokerList)
    .option('--registry-url <url>', 'Confluent-compatible schema registry (sets registry.url)')
    .addOption(new Option('--guarantee <guarantee>', 'processing guarantee (sets processing.guarantee)').choices(['at-least-once', 'exactly-once']))
    .option('--no-alerts', 'do not run the alert rules and receivers here (by default every worker runs them: one evaluates, the others stand by)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (sets metrics.port; metrics.host for another interface; 0 picks a free one)', port)
    .option('--serve', 'serve the HTTP API too (outputs, dashboards, alerts) on server.port, as `fastdata serve` does', false)
    .option('--port <port>', 'HTTP port with --serve (sets server.port; 0 picks a free one)', port)
    .option('--until-end', 'stop once every module has processed its inputs up to the end offsets they had at start (backfills, benchmarks, CI)', false)
    .option('--sources', 'run the declared sources of sources/*.yaml here too (give it to one worker: each worker running them would write every record once)', false)
    .action(async (options: Parameters<typeof run>[0]) => (await import('./commands/run.js')).run(options));

  root
    .command('serve')
    .description('serve the outputs of the project (REST under /api/outputs) on their own: beside `fastdata dev` (embedded, read-only) or the workers (Kafka)')
    .addOption(project())
    .addOption(dataDir())
    .option('--port <port>', 'HTTP port (default: server.port, 7070; 0 picks a free one)', port)
    .option('--host <host>', 'interface to listen on (default: server.host, 127.0.0.1)')
    .action(async (options: Parameters<typeof serve>[0]) => (await import('./commands/serve.js')).serve(options));

  const token = root.command('token').description('tokens of the HTTP API (server.tokens)');
  token
    .command('new')
    .description('print a new random token, and the server.tokens line (its SHA-256) that lets it in')
    .argument('<name>', 'who holds it (letters, digits, _ . -): shown in the access log and in refusals, never the token', holderName)
    .addOption(new Option('--scope <scope>', 'read: outputs, dashboards, catalog, status; write: also ingest, silences, acks; admin: also registry writes and module code').choices(['read', 'write', 'admin']).default('read'))
    .action(async (name: string, options: { scope: 'read' | 'write' | 'admin' }) => {
      (await import('./commands/token.js')).tokenNew(name, options);
    });

  const alerts = root.command('alerts').description('alert rules (alerts/*.yaml)');
  alerts
    .command('test')
    .description('run the rule tests in alerts/*.test.yaml (records in, expected notifications out), without any server')
    .addOption(project())
    .action(async (options: { dir: string }) => {
      process.exitCode = await (await import('./commands/alerts-test.js')).alertsTest(options);
    });

  root
    .command('topics')
    .description('list the topics of the embedded log with partitions and end offsets (works beside a running dev)')
    .addOption(project())
    .addOption(dataDir())
    .option('--json', 'one JSON object per line', false)
    .option('--internal', 'include internal topics (__consumer_offsets)', false)
    .action(async (options: { dir: string; dataDir?: string; json: boolean; internal: boolean }) => (await import('./commands/topics.js')).topics(options));

  root
    .command('produce')
    .description('write JSON lines (or a JSON array) from a file or standard input into a topic, each record checked against its registered schema; beside a running dev, through its server')
    .argument('<topic>', 'topic to write, e.g. my.meters (its schema registered under <topic>-value)')
    .argument('[file]', 'the records: CSV (with a header), JSON lines, Avro or Parquet by the extension (or --format); - or none: JSON lines from standard input')
    .addOption(project())
    .addOption(dataDir())
    .option('-k, --key <field>', 'the field of each record that is its key (its partition)')
    .option('-t, --time <field>', 'the field of each record that is its event time (milliseconds or an ISO date; default: now)')
    .option('--url <url>', 'the server of a running fastdata dev to write through (default: the one holding the data dir)')
    .addOption(new Option('--format <format>', "the file's format (default: from its extension)").choices(['csv', 'jsonl', 'avro', 'parquet']))
    .action(async (topic: string, file: string | undefined, options: Parameters<typeof produce>[2]) => (await import('./commands/produce.js')).produce(topic, file, options));

  root
    .command('tail')
    .description('print the records of a topic as JSON lines, decoded with the schema registry, and follow new ones')
    .argument('<topic>', 'topic to read, e.g. sensor.stats')
    .addOption(project())
    .addOption(dataDir())
    .option('-b, --from-beginning', 'start at the oldest record, the history of all partitions merged in time order (default: only new records)', false)
    .option('--since <time>', 'start at records from this time, in time order: ISO 8601, epoch ms, -10m, -2h, -1d (back from now) or now', pointInTime)
    .option('-k, --key <key>', 'only records with this key')
    .option('-p, --partition <n>', 'only this partition', wholeNumber(0))
    .option('-n, --limit <n>', 'stop after printing this many records', wholeNumber(1))
    .option('--headers', 'print record headers too (always on for dead-letter topics)', false)
    .action(async (topic: string, options: Parameters<typeof tail>[1]) => (await import('./commands/tail.js')).tail(topic, options));

  root
    .command('replay')
    .description('reprocess history with a module as its file is now, into a topic of its own (compare with `fastdata diff`); fresh state, the live module untouched')
    .argument('<module>', 'the module, by name, e.g. sensor-stats')
    .requiredOption('--from <time>', 'records from this time, by log timestamp: ISO 8601, epoch ms, -10m, -2h, -1d (back from now) or now', pointInTime)
    .option('--to <time>', 'records before this time, in the same forms (default: up to the end of the log when the replay starts)', pointInTime)
    .requiredOption('--output <topic>', 'topic to write, new or empty; its schema is registered under <topic>-value')
    .addOption(project())
    .addOption(dataDir())
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port,host:port (sets log.kind kafka)', brokerList)
    .option('--registry-url <url>', 'Confluent-compatible schema registry (sets registry.url)')
    .action(async (name: string, options: Parameters<typeof replayCommand>[1]) => (await import('./commands/replay.js')).replayCommand(name, options));

  root
    .command('reset')
    .description('start a module over: delete its consumer group and empty its state (its inputs are read from the start again); refused while it runs')
    .argument('<module>', 'the module, by name, e.g. sensor-stats')
    .addOption(project())
    .addOption(dataDir())
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port,host:port (sets log.kind kafka)', brokerList)
    .option('--registry-url <url>', 'Confluent-compatible schema registry (sets registry.url)')
    .option('--dry-run', 'say what would be deleted, and delete nothing', false)
    .action(async (name: string, options: Parameters<typeof reset>[1]) => (await import('./commands/reset.js')).reset(name, options));

  // The project generator: fastdata init <dir>, fastdata new stream|alert|dashboard <name>.
  registerInit(root);
  registerNew(root, project);

  // The schema tools: fastdata schema gen|check|infer, fastdata diff.
  registerSchemaTools(root, project, dataDir);

  return root;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    // A command that ends with a verdict (alerts test, a worker whose module failed) sets it.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message (and help) already.
      return error.exitCode === 0 ? 0 : 2;
    }
    info(`fastdata: ${describeError(error)}`);
    return isFastdataError(error) && error.domain === 'user' ? 2 : 1;
  }
}
