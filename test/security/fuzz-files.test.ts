/**
 * Fuzzing the files and payloads a user or a producer hands over (fast-check): thousands of
 * generated source files, alert rule files and dashboard files, and random Avro payloads.
 * Each must give problems or records, never an exception that is not a FastdataError,
 * and never stall: one bad file or record never stops the process.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAndValidate } from '../../src/config/validated-file.js';
import { isFastdataError } from '../../src/errors.js';
import { RuleFile } from '../../src/alerts/rules/rule-file-schema.js';
import { checkDashboard } from '../../src/serve/dashboards/load.js';
import { EmbeddedSchemaRegistry } from '../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../src/schema/serde.js';
import { loadSourceFile } from '../../src/sources/declared/load-sources.js';
import { READING_SCHEMA } from '../fixtures/reading-schema.js';
import { tempDir } from '../helpers/temp-dir.js';

/** YAML-ish text: the characters and tokens YAML gives meaning to, mixed with words the schemas know. */
const yamlText = fc
  .array(
    fc.oneof(
      fc.constantFrom('kind', 'topic', 'file', 'path', 'mqtt', 'kafka', 'schema', 'replay', 'speed', 'rules', 'panels', 'name', 'when', 'source', 'key', 'time', 'infer', 'csv', 'x.csv', '1x', 'max'),
      fc.constantFrom(':', ' ', '\n', '  ', '- ', '[', ']', '{', '}', ',', '&a', '*a', '!!', '|', '>', '#', '"', "'", '%', '@', '`', '\t', '---', '...', '<<: *a'),
      fc.string({ maxLength: 12 }),
      fc.integer().map(String),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** Plausible documents: objects of the right shape with wrong or odd values. */
const value: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
const sourceDoc = fc.record(
  {
    kind: fc.oneof(fc.constantFrom('file', 'mqtt', 'http', 'kafka'), value),
    topic: fc.oneof(fc.constantFrom('readings', 'a.b'), value),
    schema: fc.oneof(fc.constantFrom('schemas/reading.avsc', 'infer', '../x.avsc'), value),
    key: fc.oneof(fc.constantFrom('id', 'ts', 'nope'), value),
    time: fc.oneof(fc.constantFrom('ts', 'id'), value),
    file: fc.oneof(fc.record({ path: fc.oneof(fc.constantFrom('data/r.csv', 'r.parquet', '/etc/passwd', 'x.txt'), value), follow: value, replay: fc.oneof(fc.record({ speed: value, loop: value }), value) }, { requiredKeys: [] }), value),
    mqtt: fc.oneof(fc.record({ url: value, topics: value, keyLevel: value }, { requiredKeys: [] }), value),
    kafka: fc.oneof(fc.record({ format: fc.oneof(fc.constantFrom('json', 'avro'), value), from: value }, { requiredKeys: [] }), value),
  },
  { requiredKeys: [] },
);

/** The review's two stoppers: a document nested 20k deep, and an alias bomb ("billion laughs"). */
const deepOrBomb = fc.oneof(
  fc.integer({ min: 1_000, max: 30_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 100, max: 400 }).map((n) => 'a:\n' + Array.from({ length: n }, (_, i) => `${' '.repeat(i + 1)}b${i}:`).join('\n')),
  fc.integer({ min: 3, max: 12 }).map((levels) => ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: levels }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i === 0 ? '*a' : `*l${i - 1}`).join(',')}]`)].join('\n')),
);

const RUNS = 1_000;

describe('fuzzing files and payloads', () => {
  let root: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ path: root, remove } = await tempDir());
    await mkdir(join(root, 'sources'));
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
  });
  afterAll(() => remove());

  it('a source file of any text or shape gives a source or problems naming the file, never an exception', async () => {
    const path = join(root, 'sources/fuzzed.yaml');
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: yamlText, weight: 10 }, { arbitrary: sourceDoc.map((doc) => JSON.stringify(doc)), weight: 10 }, { arbitrary: deepOrBomb, weight: 1 }), async (text) => {
        await writeFile(path, text);
        const loaded = await loadSourceFile(root, path);
        expect(loaded.source !== undefined || loaded.problems.length > 0).toBe(true);
        for (const problem of loaded.problems) expect(problem.file).toBe('sources/fuzzed.yaml');
      }),
      { numRuns: RUNS },
    );
    await rm(path, { force: true });
  });

  it('an alert rule file and a dashboard file of any text give problems, never an exception', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const rules = parseAndValidate('alerts/fuzzed.yaml', text, RuleFile);
        expect(Array.isArray(rules.problems)).toBe(true);
        const dashboard = checkDashboard('dashboards/fuzzed.yaml', text, new Map());
        expect(dashboard).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes as an Avro record fail with a FastdataError, never anything else', async () => {
    const registry = await EmbeddedSchemaRegistry.open(join(root, 'registry'));
    try {
      const serde = new AvroSerde(registry);
      const encoder = await serde.encoderFor('readings-value', READING_SCHEMA);
      const good = encoder.encode({ id: 'a', ts: 1, value: 2 });
      // Random bytes, and good records with bytes flipped, cut or appended.
      const payload = fc.oneof(
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, byte]) => Buffer.from(good.map((b, j) => (j === i ? byte : b)))),
        fc.nat(good.length).map((n) => good.subarray(0, n)),
        fc.uint8Array({ minLength: 1, maxLength: 16 }).map((b) => Buffer.concat([good, Buffer.from(b)])),
      );
      await fc.assert(
        fc.asyncProperty(payload, async (bytes) => {
          try {
            await serde.decode(bytes);
          } catch (error) {
            expect(isFastdataError(error), String(error)).toBe(true);
          }
        }),
        { numRuns: RUNS },
      );
    } finally {
      await registry.close();
    }
  });
});
