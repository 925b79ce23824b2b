/**
 * Confluent's own Python client, `confluent-kafka` from PyPI (SchemaRegistryClient, and
 * AvroSerializer / AvroDeserializer), against the embedded registry served by fastdata's
 * HTTP server (no Kafka needed), and against Apicurio when the integration servers run.
 * The client's steps and asserts are in test/conformance/registry_python_client.py; this
 * file makes its virtual environment (test/helpers/python-venv.ts), runs it, and checks
 * what it left in the registry against the registry itself.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import type { SchemaRegistry } from '../../src/schema/types.js';
import { startServer } from '../../src/serve/server.js';
import { requirePythonVenv } from '../helpers/python-venv.js';
import { registryUrl } from '../helpers/servers.js';
import { tempDir, uniqueName } from '../helpers/temp-dir.js';

/** The client under test; pinned so that a new release changes the test only when this line does. */
const CLIENT_PACKAGES = ['confluent-kafka[avro,schemaregistry]==2.16.2'];
const SCRIPT = fileURLToPath(new URL('../conformance/registry_python_client.py', import.meta.url));

const venv = requirePythonVenv(
  'confluent-kafka',
  CLIENT_PACKAGES,
  'import confluent_kafka.schema_registry.avro',
  "Confluent's Python client against the registry (test/integration/registry-python-client.test.ts)",
);

interface Summary {
  ids: [number, number];
  kept: { subject: string; id: number };
}

/**
 * Runs the script against `url`; resolves to its summary, or fails with its output (which
 * names the failed step). `deviations`: where the registry is known to differ from
 * Confluent's (the script's docstring lists them).
 */
function runClient(python: string, url: string, suffix: string, deviations: string[] = []): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, url, suffix, deviations.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the Python client script exited ${code} against ${url}:\n${stderr}${stdout}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Summary);
    });
  });
}

const fieldNames = (schema: string) => (JSON.parse(schema) as { fields: { name: string }[] }).fields.map((field) => field.name);

/** What the script leaves, read back through fastdata's own client of the registry. */
/** `purgesContent`: the registry drops a schema's content with the last version that held it (Apicurio), so deleted ids do not resolve. */
async function checkLeftBehind(registry: SchemaRegistry, summary: Summary, suffix: string, purgesContent = false): Promise<void> {
  const [id1, id2] = summary.ids;
  const ours = (await registry.listSubjects()).filter((subject) => subject.includes(suffix));
  // The subject the script soft- then hard-deleted is gone; the kept one has v2 as version 1, under the id the script was given.
  expect(ours).toEqual([`py-${suffix}.kept-value`]);
  expect(await registry.getLatest(summary.kept.subject)).toMatchObject({ version: 1, id: summary.kept.id });
  expect(fieldNames(await registry.getSchemaById(summary.kept.id))).toEqual(['sensorId', 'ts', 'temperature', 'humidity']);
  if (purgesContent) return;
  // Ids outlive the versions that were deleted: old records stay readable (Confluent, and the embedded registry).
  expect(fieldNames(await registry.getSchemaById(id1))).toEqual(['sensorId', 'ts', 'temperature']);
  expect(fieldNames(await registry.getSchemaById(id2))).toEqual(['sensorId', 'ts', 'temperature', 'humidity']);
}

describe.skipIf(!venv.ok)('confluent-kafka (Python) against the embedded registry served by fastdata', () => {
  let registry: EmbeddedSchemaRegistry;
  let app: FastifyInstance;
  let url: string;
  let removeDir: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir();
    removeDir = dir.remove;
    registry = await EmbeddedSchemaRegistry.open(dir.path);
    ({ app, url } = await startServer({ registry, status: async () => ({}), host: '127.0.0.1', port: 0 }));
  });

  afterAll(async () => {
    await app?.close();
    await registry?.close();
    await removeDir?.();
  });

  it('registers, looks up, reads, checks, soft and hard deletes, and round-trips Avro records', { timeout: 120_000 }, async () => {
    const suffix = uniqueName('embedded');
    const summary = await runClient(venv.ok ? venv.python : '', `${url}/registry`, suffix);
    await checkLeftBehind(registry, summary, suffix);
    // The embedded registry numbers ids from 1: the script's first schemas got the first ids, and the kept subject v2's id again.
    expect(summary.ids).toEqual([1, 2]);
    expect(summary.kept.id).toBe(2);
  });
});

describe.skipIf(!venv.ok || !registryUrl)('confluent-kafka (Python) against Apicurio (scripts/infra)', () => {
  it('passes the same script, but for three known differences of Apicurio 3.0 from Confluent', { timeout: 120_000 }, async () => {
    const suffix = uniqueName('apicurio');
    const summary = await runClient(venv.ok ? venv.python : '', registryUrl!, suffix, ['ids-subjects', 'not-soft-deleted-409', 'new-id-after-purge']);
    const registry = new RemoteSchemaRegistry({ url: registryUrl! });
    try {
      await checkLeftBehind(registry, summary, suffix, true);
    } finally {
      await registry.close();
    }
  });
});
