/**
 * "read by" of every topic of the demo project lists every reader: modules (other
 * pipelines), alert rules, dashboards (panels and variables) and sinks. The truth is read
 * here from the project's files with plain parsing (YAML for rules and dashboards, the
 * stream files' `inputs`, `tables`, `keyBy(..., { name })`, `output` and `sinks` text), not
 * from the catalog's own project reader. Dashboards and sinks were left out before.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/catalog/build-catalog.js';
import type { Catalog } from '../../../src/catalog/types.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { readProject } from '../../../src/serve/catalog/project-sources.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

/** topic -> its readers as the catalog names them, from the files alone. */
async function readersFromFiles(): Promise<Map<string, Set<string>>> {
  const readers = new Map<string, Set<string>>();
  const read = (topic: string, by: string) => readers.set(topic, (readers.get(topic) ?? new Set()).add(by));
  const yamlFiles = async (dir: string) => (await readdir(join(repo, dir))).filter((n) => n.endsWith('.yaml') && !n.endsWith('.test.yaml'));

  for (const file of await yamlFiles('alerts')) {
    const doc = parse(await readFile(join(repo, 'alerts', file), 'utf8')) as { rules?: { name: string; source: string }[] };
    for (const rule of doc.rules ?? []) read(rule.source, `rule ${rule.name}`);
  }
  for (const file of await yamlFiles('dashboards')) {
    const doc = parse(await readFile(join(repo, 'dashboards', file), 'utf8')) as { panels?: { topic?: string }[]; variables?: { topic?: string }[] };
    for (const part of [...(doc.panels ?? []), ...(doc.variables ?? [])]) if (part.topic) read(part.topic, `dashboard ${file.replace(/\.yaml$/, '')}`);
  }
  const quoted = (text: string | undefined) => [...(text ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
  for (const file of (await readdir(join(repo, 'streams'))).filter((n) => n.endsWith('.ts') && n !== 'types.ts')) {
    const text = await readFile(join(repo, 'streams', file), 'utf8');
    // A helper file beside the modules (the ONNX module's features) defines no stream; and what
    // comes before defineStream (an ONNX model's `inputs`) is not the module's.
    if (!text.includes('export default defineStream')) continue;
    const source = text.slice(text.indexOf('export default defineStream'));
    const name = /\bname: '([^']+)'/.exec(source)![1]!;
    const output = /output: \{\s*topic: '([^']+)'/.exec(source)![1]!;
    const inputs = quoted(/\binputs: \{([^}]*)\}/.exec(source)?.[1]);
    for (const topic of [...inputs, ...quoted(/\btables: \{([^}]*)\}/.exec(source)?.[1])]) read(topic, name);
    // A keyBy with a name repartitions through fastdata.<module>.<name>.repartition, which the module reads (docs/authoring.md).
    for (const m of source.matchAll(/keyBy\([^;]*?\{ name: '([^']+)' \}\)/g)) read(`fastdata.${name}.${m[1]}.repartition`, name);
    const table = /sinks: \{ cassandra: \{ table: '([^']+)'/.exec(source)?.[1];
    if (table) read(output, `sink cassandra ${table}`);
  }
  return readers;
}

describe('"read by" of the demo\'s topics', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let registry: EmbeddedSchemaRegistry;
  let catalog: Catalog;

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, 'registry'));
    catalog = await buildCatalog(await readProject({ access: { log, outputs: async () => [] }, root: repo, registry }), registry);
  });
  afterAll(async () => {
    await log?.close();
    await registry?.close();
    await dir?.remove();
  });

  it('lists every module, rule, dashboard and sink that reads each topic', async () => {
    const truth = await readersFromFiles();
    const listed = Object.fromEntries(catalog.topics.map((t) => [t.name, [...t.readers].sort()]));
    const expected = Object.fromEntries(catalog.topics.map((t) => [t.name, [...(truth.get(t.name) ?? [])].sort()]));
    expect(listed).toEqual(expected);
    // Every topic the files name as read is in the catalog.
    expect([...truth.keys()].filter((topic) => !(topic in listed))).toEqual([]);
    // The case: sensor.stats is read by the dashboard and the Cassandra sink too.
    expect(listed['sensor.stats']).toEqual(expect.arrayContaining(['dashboard fleet', 'sink cassandra sensor_stats']));
  });
});
