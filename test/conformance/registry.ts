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
