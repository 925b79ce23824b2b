/**
 * The schema registry conformance suite: the Confluent registry's behaviour, written
 * against the `SchemaRegistry` interface only, run against the embedded registry and
 * against a real one (Apicurio's Confluent-compatible API) through RemoteSchemaRegistry.
 * Subjects are random so a shared registry serves the run; ids are compared with each
 * other, never with fixed numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalText } from '../../src/schema/avro.js';
import type { SchemaRegistry } from '../../src/schema/types.js';
import { uniqueName } from '../helpers/temp-dir.js';
import { caught, readingV1, readingV2, sensorReading } from '../unit/schema/fixtures.js';

const breaking = sensorReading([
  { name: 'sensorId', type: 'string' },
  { name: 'temperature', type: 'string' },
]);

export function describeRegistryConformance(name: string, open: () => Promise<{ registry: SchemaRegistry; close: () => Promise<void> }>): void {
  describe(`schema registry conformance: ${name}`, () => {
    let registry: SchemaRegistry;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ registry, close } = await open());
    });
    afterAll(async () => close?.());
    const subjectName = () => `${uniqueName('reg')}-value`;

    it('registers versions 1, 2 with global ids, and serves them back', async () => {
      const subject = subjectName();
      const v1 = await registry.register(subject, readingV1);
      const v2 = await registry.register(subject, JSON.stringify(readingV2));
      expect(v1).toMatchObject({ subject, version: 1, schema: canonicalText(readingV1) });
      expect(v2).toMatchObject({ subject, version: 2 });
      expect(v2.id).not.toBe(v1.id);
      expect(await registry.listSubjects()).toContain(subject);
      expect(await registry.listVersions(subject)).toEqual([1, 2]);
      expect(await registry.getLatest(subject)).toEqual(v2);
      expect(await registry.getVersion(subject, 1)).toEqual(v1);
      expect(await registry.getSchemaById(v2.id)).toBe(canonicalText(readingV2));
      expect(await registry.lookup(subject, JSON.stringify(readingV1, null, 4))).toEqual(v1);
      expect(await registry.lookup(subject, sensorReading([{ name: 'other', type: 'int' }]))).toBeUndefined();
    });

    it('is idempotent: the same schema (any formatting) returns the existing version', async () => {
      const subject = subjectName();
      const v1 = await registry.register(subject, readingV1);
      await registry.register(subject, readingV2);
      expect(await registry.register(subject, JSON.stringify(readingV1, null, 2))).toEqual(v1);
      expect(await registry.listVersions(subject)).toEqual([1, 2]);
    });

    it('gives the same schema the same id in every subject', async () => {
      const [a, b] = [subjectName(), subjectName()];
      const inA = await registry.register(a, readingV2);
      const inB = await registry.register(b, readingV2);
      expect(inB).toMatchObject({ subject: b, version: 1, id: inA.id });
    });

    it('names what was not found', async () => {
      const subject = subjectName();
      const missing = subjectName();
      await registry.register(subject, readingV1);
      expect((await caught(() => registry.getLatest(missing), 'FD_SUBJECT_NOT_FOUND')).message).toContain(`subject "${missing}" not found`);
      expect((await caught(() => registry.getVersion(subject, 9), 'FD_VERSION_NOT_FOUND')).message).toBe(`subject "${subject}" has no version 9 (its versions: 1)`);
      await caught(() => registry.getSchemaById(2_000_000_000), 'FD_SCHEMA_NOT_FOUND');
      await caught(() => registry.listVersions(missing), 'FD_SUBJECT_NOT_FOUND');
      await caught(() => registry.getVersion(subject, 0), 'FD_ARGUMENT_INVALID');
      await caught(() => registry.register('', readingV1), 'FD_ARGUMENT_INVALID');
      await caught(() => registry.register(subject, '{"type": "record"'), 'FD_SCHEMA_INVALID');
    });

    it('refuses an incompatible schema under BACKWARD, naming the field, and registers nothing', async () => {
      const subject = subjectName();
      await registry.register(subject, readingV1);
      expect(await registry.getCompatibility(subject)).toBe('BACKWARD');
      const error = await caught(() => registry.register(subject, breaking), 'FD_SCHEMA_INCOMPATIBLE');
      expect(error.message).toContain(`incompatible with an earlier schema for subject "${subject}" (compatibility BACKWARD)`);
      expect(error.message).toContain('field SensorReading.temperature: writer type "double" cannot be read as "string"');
      expect(error.context.messages).toHaveLength(1);
      expect(await registry.listVersions(subject)).toEqual([1]);
    });

    it('applies a subject level over the global one', async () => {
      const subject = subjectName();
      await registry.register(subject, readingV1);
      await registry.setCompatibility('FORWARD', subject);
      expect(await registry.getCompatibility(subject)).toBe('FORWARD');
      expect(await registry.getCompatibility()).toBe('BACKWARD');
      // FORWARD: the previous schema must read new data. Without temperature it cannot (no default there).
      const withoutTemperature = sensorReading([
        { name: 'sensorId', type: 'string' },
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ]);
      await caught(() => registry.register(subject, withoutTemperature), 'FD_SCHEMA_INCOMPATIBLE');
      // A new field without a default: BACKWARD would refuse it, FORWARD holds (the old schema skips it).
      const withRequiredField = sensorReading([...(readingV1.fields as object[]), { name: 'site', type: 'string' }] as never);
      expect((await registry.register(subject, withRequiredField)).version).toBe(2);
    });

    it('checks compatibility without registering: as registration would, or against one version', async () => {
      const subject = subjectName();
      expect(await registry.checkCompatibility(subject, readingV1)).toEqual({ compatible: true, messages: [] });
      await registry.register(subject, readingV1);
      await registry.register(subject, readingV2);
      expect((await registry.checkCompatibility(subject, breaking)).compatible).toBe(false);
      expect((await registry.checkCompatibility(subject, readingV2, 'latest')).compatible).toBe(true);
      expect((await registry.checkCompatibility(subject, breaking, 1)).messages[0]).toContain('version 1 (BACKWARD');
      await caught(() => registry.checkCompatibility(subject, readingV2, 5), 'FD_VERSION_NOT_FOUND');
      await caught(() => registry.checkCompatibility(subjectName(), readingV2, 'latest'), 'FD_SUBJECT_NOT_FOUND');
      expect(await registry.listVersions(subject)).toEqual([1, 2]);
    });
  });
}

// ---- the REST API, as Confluent's clients call it ----

interface Answer {
  status: number;
  body: unknown;
}

/** A request to the registry's Confluent REST API at `base`, as a client sends it. */
async function call(base: string, method: string, path: string, options: { body?: unknown; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (options.contentType !== undefined || options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/vnd.schemaregistry.v1+json';
  const response = await fetch(`${base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/**
 * The Confluent REST API where clients other than fastdata's own depend on it: query
 * booleans in any case (Confluent's Python client sends `deleted=False`), DELETEs without
 * a body under a JSON content type, Confluent's `deleted=true` reads, and the uses of an
 * id. Run against the embedded registry's routes and against Apicurio: both must answer
 * as Confluent's server does. `open` gives the API's base URL.
 */
export function describeRegistryRestConformance(name: string, open: () => Promise<{ url: string; close: () => Promise<void> }>): void {
  describe(`schema registry REST conformance: ${name}`, () => {
    let base: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ url: base, close } = await open());
    });
    afterAll(async () => close?.());
    const subjectName = () => `${uniqueName('rest')}-value`;
    const schema = (value: object) => ({ schema: JSON.stringify(value), schemaType: 'AVRO', references: [] });
    const rest = (method: string, path: string, options?: { body?: unknown; contentType?: string }) => call(base, method, path, options);

    /** A subject with versions 1 (readingV1) and 2 (readingV2), version 2 soft-deleted; its ids. */
    async function withDeletedVersion(subject: string): Promise<{ id1: number; id2: number }> {
      const first = await rest('POST', `/subjects/${subject}/versions`, { body: schema(readingV1) });
      const second = await rest('POST', `/subjects/${subject}/versions?normalize=False`, { body: schema(readingV2) });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(await rest('DELETE', `/subjects/${subject}/versions/2?permanent=False`)).toEqual({ status: 200, body: 2 });
      return { id1: (first.body as { id: number }).id, id2: (second.body as { id: number }).id };
    }

    it('reads query booleans in any case, as Confluent does (the Python client sends deleted=False)', async () => {
      const subject = subjectName();
      await withDeletedVersion(subject);
      expect(await rest('GET', `/subjects/${subject}/versions?deleted=False`)).toEqual({ status: 200, body: [1] });
      expect(await rest('GET', `/subjects/${subject}/versions?deleted=TRUE`)).toEqual({ status: 200, body: [1, 2] });
      expect(await rest('GET', `/subjects/${subject}/versions?deleted=True`)).toEqual({ status: 200, body: [1, 2] });
      expect(await rest('GET', `/subjects/${subject}/versions/1?deleted=False`)).toMatchObject({ status: 200, body: { subject, version: 1 } });
      expect(await rest('POST', `/subjects/${subject}?normalize=False&deleted=False`, { body: schema(readingV1) })).toMatchObject({ status: 200, body: { version: 1 } });
      expect(await rest('POST', `/compatibility/subjects/${subject}/versions/latest?normalize=False&verbose=False`, { body: schema(readingV2) })).toMatchObject({
        status: 200,
        body: { is_compatible: true },
      });
      expect(await rest('GET', `/config/${subject}?defaultToGlobal=True`)).toMatchObject({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
      expect(await rest('DELETE', `/subjects/${subject}/versions/2?permanent=True`)).toEqual({ status: 200, body: 2 });
      expect(await rest('GET', `/subjects/${subject}/versions?deleted=true`)).toEqual({ status: 200, body: [1] });
    });

    it('deletes without a body under a JSON content type', async () => {
      const subject = subjectName();
      await withDeletedVersion(subject);
      expect(await rest('DELETE', `/subjects/${subject}`, { contentType: 'application/json' })).toEqual({ status: 200, body: [1] });
      expect(await rest('DELETE', `/subjects/${subject}?permanent=true`, { contentType: 'application/vnd.schemaregistry.v1+json' })).toEqual({ status: 200, body: [1, 2] });
      expect(await rest('GET', `/subjects/${subject}/versions?deleted=true`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
    });

    it('finds soft-deleted versions and subjects with deleted=true, and only with it', async () => {
      const subject = subjectName();
      const { id2 } = await withDeletedVersion(subject);
      expect(await rest('GET', `/subjects/${subject}/versions/2`)).toMatchObject({ status: 404, body: { error_code: 40402 } });
      expect(await rest('GET', `/subjects/${subject}/versions/2?deleted=true`)).toMatchObject({ status: 200, body: { subject, version: 2, id: id2 } });
      expect(await rest('POST', `/subjects/${subject}`, { body: schema(readingV2) })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect(await rest('POST', `/subjects/${subject}?deleted=true`, { body: schema(readingV2) })).toMatchObject({ status: 200, body: { subject, version: 2, id: id2 } });
      // latest is the latest live version, with or without deleted=true.
      expect(await rest('GET', `/subjects/${subject}/versions/latest?deleted=true`)).toMatchObject({ status: 200, body: { version: 1 } });
      expect(await rest('DELETE', `/subjects/${subject}`)).toEqual({ status: 200, body: [1] });
      expect((await rest('GET', '/subjects')).body).not.toContain(subject);
      expect((await rest('GET', '/subjects?deleted=true')).body).toContain(subject);
    });

    it('lists the subject versions of an id, and serves an id asked for with ?subject=', async () => {
      const [a, b] = [subjectName(), subjectName()];
      const { id2 } = await withDeletedVersion(a);
      expect(await rest('POST', `/subjects/${b}/versions`, { body: schema(readingV2) })).toEqual({ status: 200, body: expect.objectContaining({ id: id2 }) });
      const ours = (answer: Answer) => (answer.body as { subject: string }[]).filter((use) => use.subject === a || use.subject === b);
      expect(ours(await rest('GET', `/schemas/ids/${id2}/versions`))).toEqual([{ subject: b, version: 1 }]);
      expect(ours(await rest('GET', `/schemas/ids/${id2}/versions?deleted=true`))).toEqual(
        expect.arrayContaining([
          { subject: a, version: 2 },
          { subject: b, version: 1 },
        ]),
      );
      const byId = await rest('GET', `/schemas/ids/${id2}?subject=${b}`);
      expect(byId.status).toBe(200);
      // Apicurio keeps the text as registered, the embedded registry its canonical form: the same schema either way.
      expect(canonicalText((byId.body as { schema: string }).schema)).toBe(canonicalText(readingV2));
      expect(await rest('GET', '/schemas/ids/2000000000/versions')).toMatchObject({ status: 404, body: { error_code: 40403 } });
    });

    it('answers referencedby with no schemas (no schema here refers to another)', async () => {
      const subject = subjectName();
      await withDeletedVersion(subject);
      expect(await rest('GET', `/subjects/${subject}/versions/1/referencedby`)).toEqual({ status: 200, body: [] });
      expect(await rest('GET', `/subjects/${subject}/versions/2/referencedby?deleted=true`)).toEqual({ status: 200, body: [] });
    });
  });
}
