/**
 * `fastdata new stream|alert|dashboard <name>`: adds one thing to an existing project,
 * built from its templates (and, for alerts and dashboards, from the schema of the topic
 * they read), and never overwrites a file without --force.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadProjectConfig } from '../../config/project-config.js';
import {
  alertFiles,
  avroNamespace,
  checkName,
  dashboardFiles,
  pickOutput,
  type PlannedFile,
  projectOutputs,
  projectReceivers,
  streamFiles,
  writeFiles,
} from '../../generator/index.js';
import { FastdataError } from '../../errors.js';
import { info, writeLine } from '../output.js';

interface Common {
  dir: string;
  force: boolean;
}

export interface NewStreamOptions extends Common {
  topic?: string;
}

export interface NewAlertOptions extends Common {
  source: string;
  field?: string;
  above?: number;
  key?: string;
}

export interface NewDashboardOptions extends Common {
  topic?: string;
  field?: string;
}

/** Kafka's rule for topic names. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

function checkTopic(argument: string, topic: string): string {
  if (TOPIC.test(topic) && topic !== '.' && topic !== '..') return topic;
  throw new FastdataError('FD_ARGUMENT_INVALID', `${argument} ${JSON.stringify(topic)} is not a topic name: 1 to 249 letters, digits, '.', '_' or '-', e.g. room.stats`, {
    context: { field: argument },
  });
}

/** The package name in the project's package.json, else the folder name: the Avro namespace of new schemas. */
async function projectName(root: string): Promise<string> {
  try {
    const { name } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // no package.json (or not JSON): the folder name will do
  }
  return basename(root);
}

async function write(root: string, files: PlannedFile[], force: boolean): Promise<void> {
  for (const path of await writeFiles(root, files, { force })) await writeLine(path);
}

export async function newStream(name: string, options: NewStreamOptions): Promise<void> {
  checkName('<name>', name, 'fastdata new stream room-stats');
  const topic = checkTopic('--topic', options.topic ?? name);
  const { config, root } = await loadProjectConfig({ dir: options.dir });
  const files = await streamFiles({ name, topic, namespace: avroNamespace(await projectName(root)), streamsDir: config.streams });
  await write(root, files, options.force);
  info(`added the stream module ${name}, writing ${topic}: edit ${config.streams}/${name}.ts and schemas/${name}.avsc together; npm test runs its test`);
}

export async function newAlert(name: string, options: NewAlertOptions): Promise<void> {
  checkName('<name>', name, 'fastdata new alert hot-room --source room.stats');
  checkTopic('--source', options.source);
  const { config, root } = await loadProjectConfig({ dir: options.dir });
  const output = pickOutput(await projectOutputs(root, config.streams), options.source, '--source');
  const files = await alertFiles({ name, source: output.topic, schema: output.schema, field: options.field, above: options.above, key: options.key, receivers: await projectReceivers(root) });
  await write(root, files, options.force);
  info(`added the alert rule ${name} on ${output.topic}: edit alerts/${name}.yaml and its test; npx fastdata alerts test runs it`);
}

export async function newDashboard(name: string, options: NewDashboardOptions): Promise<void> {
  checkName('<name>', name, 'fastdata new dashboard overview');
  if (options.topic !== undefined) checkTopic('--topic', options.topic);
  const { config, root } = await loadProjectConfig({ dir: options.dir });
  const output = pickOutput(await projectOutputs(root, config.streams), options.topic, '--topic');
  const files = await dashboardFiles({ name, topic: output.topic, schema: output.schema, field: options.field });
  await write(root, files, options.force);
  info(`added the dashboard ${name} of ${output.topic}: /dashboards/${name} while fastdata dev runs`);
}

function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number such as 30 or 0.5, got ${JSON.stringify(value)}`);
  return n;
}

export function registerNew(root: Command, project: () => Option): void {
  const force = () => new Option('--force', 'overwrite files that exist (without it, nothing is written when any does)').default(false);
  const create = root.command('new').description('add a stream module, an alert rule or a dashboard to the project');

  create
    .command('stream')
    .description('add streams/<name>.ts (a windowed module over the demo readings), its test and its output schema schemas/<name>.avsc')
    .argument('<name>', 'module name, kebab-case, e.g. room-stats')
    .addOption(project())
    .option('--topic <topic>', 'output topic (default: the name)')
    .addOption(force())
    .action((name: string, options: NewStreamOptions) => newStream(name, options));

  create
    .command('alert')
    .description("add alerts/<name>.yaml (a rule on one numeric field of a module's output) and its test alerts/<name>.test.yaml")
    .argument('<name>', 'rule name, kebab-case, e.g. hot-room')
    .requiredOption('--source <topic>', 'the output topic the rule watches, e.g. room.stats')
    .option('--field <field>', 'the numeric field compared (default: the first one)')
    .option('--above <number>', 'fire when the field is above this (default 100, to edit)', finiteNumber)
    .option('--key <field>', 'the field that makes one alert per entity (default: an id-like string field)')
    .addOption(project())
    .addOption(force())
    .action((name: string, options: NewAlertOptions) => newAlert(name, options));

  create
    .command('dashboard')
    .description("add dashboards/<name>.yaml: a chart, a stat and a table of a module's output")
    .argument('<name>', 'dashboard name, kebab-case, e.g. overview')
    .option('--topic <topic>', 'the output topic shown (default: the first output of the project)')
    .option('--field <field>', 'the numeric field charted (default: the first one)')
    .addOption(project())
    .addOption(force())
    .action((name: string, options: NewDashboardOptions) => newDashboard(name, options));
}
