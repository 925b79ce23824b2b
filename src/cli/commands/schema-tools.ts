/**
 * The schema tools on the command line: `fastdata schema gen|check|infer` and
 * `fastdata diff`. Registered from main.ts in one call, each with its flags validated
 * here so a typo is an error naming the flag (exit code 2).
 */
import { type Command, Option } from 'commander';
import { wholeNumber } from '../arguments.js';
import { diff, fieldPath, tolerance } from './diff.js';
import { schemaCheck } from './schema-check.js';
import { schemaGen } from './schema-gen.js';
import { DEFAULT_INFER_LIMIT, schemaInfer } from './schema-infer.js';

export function registerSchemaTools(root: Command, project: () => Option, dataDir: () => Option): void {
  const schemaDir = () => new Option('--schemas <dir>', 'folder of the .avsc files, relative to the project root').default('schemas');
  const schema = root.command('schema').description('schema tools: TypeScript types, compatibility checks against the registry, schemas inferred from samples');

  schema
    .command('gen')
    .description('write TypeScript types for schemas/*.avsc to schemas/generated/index.ts, for stream modules to import')
    .addOption(project())
    .addOption(schemaDir())
    .option('--out <dir>', 'folder of the generated index.ts, relative to the project root (default schemas/generated)')
    .action((options: Parameters<typeof schemaGen>[0]) => schemaGen(options));

  schema
    .command('check')
    .description("check every module output and schemas/*.avsc against the registry's latest version under the subject's compatibility level; exit code 1 when one is incompatible")
    .addOption(project())
    .addOption(dataDir())
    .addOption(schemaDir())
    .option('--registry-url <url>', 'Confluent-compatible schema registry (sets registry.url; default: the embedded registry of the data dir)')
    .action(async (options: Parameters<typeof schemaCheck>[0]) => {
      process.exitCode = await schemaCheck(options);
    });

  schema
    .command('infer')
    .description('propose an Avro schema from JSON samples: the records of a topic, or a .jsonl file; prints the .avsc JSON')
    .argument('<source>', 'a topic (read with the registry, from the oldest record) or a file ending in .jsonl (one JSON object per line)')
    .addOption(project())
    .addOption(dataDir())
    .option('--name <name>', 'name of the record (default: from the topic or file name, e.g. SensorReadings)')
    .option('--namespace <namespace>', 'namespace of the record, e.g. com.example')
    .option('-n, --limit <n>', `samples to read at most (default ${DEFAULT_INFER_LIMIT})`, wholeNumber(1), DEFAULT_INFER_LIMIT)
    .action((source: string, options: Parameters<typeof schemaInfer>[1]) => schemaInfer(source, options));

  root
    .command('diff')
    .description('compare two outputs key by key and window by window (topics, or .jsonl files as fastdata tail prints them); exit code 0 identical, 1 different')
    .argument('<a>', 'the first output: a topic, or a file ending in .jsonl')
    .argument('<b>', 'the second output: a topic, or a file ending in .jsonl')
    .addOption(project())
    .addOption(dataDir())
    .option('--key-field <field>', 'match records by this field of the value (default: the record key)', fieldPath)
    .option('--window-field <field>', 'field of the window start (default: windowStart when the records have it)', fieldPath)
    .option('--tolerance <t>', 'numbers within this difference are equal: absolute (0.001) or relative (0.5%); default exact', tolerance)
    .option('--json', 'print the report as one JSON object', false)
    .action(async (a: string, b: string, options: Parameters<typeof diff>[2]) => {
      process.exitCode = await diff(a, b, options);
    });
}
