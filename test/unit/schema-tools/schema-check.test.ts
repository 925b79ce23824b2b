import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { FAILING, checkLocalSchemas, renderCheckResults } from '../../../src/tools/schema/check-schemas.js';
import { collectLocalSchemas } from '../../../src/tools/schema/local-schemas.js';
import { tempDir } from '../../helpers/temp-dir.js';

const record = (name: string, fields: unknown[]) => ({ type: 'record', name, namespace: 'demo', fields });
const statsV1 = record('Stats', [{ name: 'sensorId', type: 'string' }, { name: 'mean', type: 'double' }]);
/** Adds a field without a default: data of v1 has no value for it (BACKWARD breaks). */
const statsV2 = record('Stats', [{ name: 'sensorId', type: 'string' }, { name: 'mean', type: 'double' }, { name: 'count', type: 'long' }]);
const readingV1 = record('Reading', [{ name: 'sensorId', type: 'string' }]);
const readingV2 = record('Reading', [{ name: 'sensorId', type: 'string' }, { name: 'site', type: ['null', 'string'], default: null }]);

describe('fastdata schema check', () => {
  let dir: { path: string; remove(): Promise<void> };
  let registry: EmbeddedSchemaRegistry;
  beforeEach(async () => {
    dir = await tempDir('fastdata-check-');
    registry = await EmbeddedSchemaRegistry.open(join(dir.path, '.fastdata/registry'));
    await registry.register('stats-value', statsV1);
    await registry.register('readings-value', readingV1);
    await registry.register('raw.readings-value', readingV1);
    await registry.register('same-value', record('Same', [{ name: 'x', type: 'int' }]));
    await mkdir(join(dir.path, 'schemas'));
  });
  afterEach(async () => {
    await registry.close();
    await dir.remove();
  });

  async function check(files: Record<string, unknown>) {
    for (const [name, json] of Object.entries(files)) await writeFile(join(dir.path, 'schemas', name), typeof json === 'string' ? json : JSON.stringify(json));
    const loaded = await loadProjectConfig({ dir: dir.path });
    return checkLocalSchemas(registry, await collectLocalSchemas(loaded));
  }

  it('checks each schema file against the subjects that hold its type, under their level', async () => {
    const results = await check({ 'stats.avsc': statsV2, 'reading.avsc': readingV2, 'same.avsc': record('Same', [{ name: 'x', type: 'int' }]), 'alert.avsc': record('Alert', [{ name: 'a', type: 'string' }]) });
    const bySubject = results.map((r) => [r.label, r.subject, r.status]);
    expect(bySubject).toEqual([
      ['schemas/alert.avsc', undefined, 'unmatched'],
      // One type, two subjects: each is checked.
      ['schemas/reading.avsc', 'raw.readings-value', 'compatible'],
      ['schemas/reading.avsc', 'readings-value', 'compatible'],
      ['schemas/same.avsc', 'same-value', 'registered'],
      ['schemas/stats.avsc', 'stats-value', 'incompatible'],
    ]);
    const stats = results.find((r) => r.subject === 'stats-value')!;
    expect(stats.level).toBe('BACKWARD');
    expect(stats.messages.join('\n')).toMatch(/field Stats\.count is added without a default/);
    expect(results.some((r) => FAILING.has(r.status))).toBe(true);

    const text = renderCheckResults(results).join('\n');
    expect(text).toMatch(/^INCOMPATIBLE +stats-value +schemas\/stats\.avsc: incompatible under BACKWARD \(latest version 1\):\n {4}- version 1 .*field Stats\.count/m);
    expect(text).toMatch(/^COMPATIBLE +readings-value +schemas\/reading\.avsc: compatible with version 1 under BACKWARD$/m);
    expect(text).toMatch(/^REGISTERED +same-value +schemas\/same\.avsc: already registered as version 1$/m);
    expect(text).toMatch(/^UNMATCHED +- +schemas\/alert\.avsc: no module writes it and no subject's latest schema is demo\.Alert/m);
  });

  it("follows the subject's own compatibility level", async () => {
    await registry.setCompatibility('NONE', 'stats-value');
    const results = await check({ 'stats.avsc': statsV2 });
    expect(results.map((r) => [r.subject, r.status, r.level])).toEqual([['stats-value', 'compatible', 'NONE']]);
  });

  it('reports a file that is not JSON or not Avro as invalid, and checks the others', async () => {
    const results = await check({ 'broken.avsc': '{ "type": "record", ', 'wrong.avsc': record('Wrong', [{ name: 'x', type: 'integer' }]), 'stats.avsc': statsV1 });
    expect(results.map((r) => [r.label, r.status])).toEqual([
      ['schemas/broken.avsc', 'invalid'],
      ['schemas/stats.avsc', 'registered'],
      ['schemas/wrong.avsc', 'invalid'],
    ]);
    expect(results[0]!.messages[0]).toMatch(/schemas\/broken\.avsc is not valid JSON/);
    expect(results[2]!.messages[0]).toMatch(/schemas\/wrong\.avsc.*unknown type "integer"/);
  });

  it('checks a module output under <topic>-value, a new subject when the registry has none', async () => {
    const results = await checkLocalSchemas(registry, [
      { kind: 'module', subject: 'fresh.topic-value', label: 'module fresh', schema: JSON.stringify(statsV2) },
      { kind: 'module', subject: 'stats-value', label: 'module stats', schema: JSON.stringify(statsV2) },
    ]);
    expect(results.map((r) => [r.subject, r.status])).toEqual([
      ['fresh.topic-value', 'new'],
      ['stats-value', 'incompatible'],
    ]);
  });
});
