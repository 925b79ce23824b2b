/**
 * The embedded registry's REST face as a Confluent client sees it: the unchanged
 * `@kafkajs/confluent-schema-registry` over a real socket on 127.0.0.1, no other server.
 */
import { SchemaRegistry as ConfluentClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import { registryRoutes } from '../../../src/serve/registry-routes.js';
import { readingV1, readingV2, sensorReading, tempDirs } from './fixtures.js';

const dirs = tempDirs();
let registry: EmbeddedSchemaRegistry;
let app: FastifyInstance;
let client: ConfluentClient;

beforeAll(async () => {
  registry = await EmbeddedSchemaRegistry.open(await dirs.make());
  app = Fastify();
  await app.register(registryRoutes, { registry });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
  client = new ConfluentClient({ host: `http://127.0.0.1:${address.port}` });
});

afterAll(async () => {
  await app.close();
  await registry.close();
  await dirs.cleanup();
});

const subject = 'sensor.readings-value';
const reading = { sensorId: 'sensor-7', ts: 1_700_000_000_000, temperature: 19.25 };

describe('@kafkajs/confluent-schema-registry against the embedded registry', () => {
  it('registers a schema (first registration sets the subject level), encodes and decodes a record', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV1) }, { subject });
    expect(id).toBe(1);
    // The client took our 40408 as "first registration" and set the subject's level.
    expect(await registry.getOwnCompatibility(subject)).toBe('BACKWARD');
    // A second registration reads that level back and matches it.
    expect((await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV1) }, { subject })).id).toBe(1);

    const encoded = await client.encode(id, reading);
    expect(await client.decode(encoded)).toEqual(reading);
    expect(await client.getLatestSchemaId(subject)).toBe(1);
    expect(await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: JSON.stringify(readingV1) })).toBe(1);
  });

  it('reads records our AvroSerde wrote, and our AvroSerde reads records it wrote', async () => {
    const serde = new AvroSerde(registry);
    const encoder = await serde.encoderFor(subject, readingV2);
    const ours = encoder.encode({ ...reading, humidity: 0.5 });
    expect(await client.decode(ours)).toEqual({ ...reading, humidity: 0.5 });

    const theirs = await client.encode(encoder.id, { ...reading, humidity: null });
    expect(serde.decodeSync(theirs)).toEqual({ ...reading, humidity: null });
    // Byte for byte the same framing and body.
    expect(theirs.equals(encoder.encode({ ...reading, humidity: null }))).toBe(true);
  });

  it('is refused with the registry 409 and its message for an incompatible schema', async () => {
    const breaking = sensorReading([
      { name: 'sensorId', type: 'string' },
      { name: 'temperature', type: 'string' },
    ]);
    const refusal = client.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject });
    await expect(refusal).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('field SensorReading.temperature: writer type "double" cannot be read as "string"'),
    });
    expect(await registry.listVersions(subject)).toEqual([1, 2]);
  });
});
