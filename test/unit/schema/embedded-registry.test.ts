import { execFile } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalText } from '../../../src/schema/avro.js';
import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { JOURNAL_FILE } from '../../../src/schema/registry-journal.js';
import { caught, readingV1, readingV2, sensorReading, tempDirs } from './fixtures.js';

const dirs = tempDirs();
const open: EmbeddedSchemaRegistry[] = [];

async function openRegistry(dir: string, options?: Parameters<typeof EmbeddedSchemaRegistry.open>[1]): Promise<EmbeddedSchemaRegistry> {
  const registry = await EmbeddedSchemaRegistry.open(dir, options);
  open.push(registry);
  return registry;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((registry) => registry.close()));
  await dirs.cleanup();
});

const subject = 'sensor.readings-value';
const breaking = sensorReading([
  { name: 'sensorId', type: 'string' },
  { name: 'temperature', type: 'string' },
]);

describe('EmbeddedSchemaRegistry subjects, versions and ids', () => {
  it('registers versions 1, 2 with global ids, and serves them back', async () => {
    const registry = await openRegistry(await dirs.make());
    const v1 = await registry.register(subject, readingV1);
    const v2 = await registry.register(subject, JSON.stringify(readingV2));
    expect(v1).toEqual({ subject, version: 1, id: 1, schema: canonicalText(readingV1) });
    expect(v2).toMatchObject({ subject, version: 2, id: 2 });
    expect(await registry.listSubjects()).toEqual([subject]);
    expect(await registry.listVersions(subject)).toEqual([1, 2]);
    expect(await registry.getLatest(subject)).toEqual(v2);
    expect(await registry.getVersion(subject, 1)).toEqual(v1);
    expect(await registry.getSchemaById(2)).toBe(canonicalText(readingV2));
    expect(await registry.lookup(subject, JSON.stringify(readingV1, null, 4))).toEqual(v1);
    expect(await registry.lookup(subject, sensorReading([{ name: 'other', type: 'int' }]))).toBeUndefined();
  });

  it('is idempotent: the same schema (any formatting) returns the existing version', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register(subject, readingV1);
    await registry.register(subject, readingV2);
    expect(await registry.register(subject, JSON.stringify(readingV1, null, 2))).toMatchObject({ version: 1, id: 1 });
    expect(await registry.listVersions(subject)).toEqual([1, 2]);
  });

  it('gives the same schema the same id in every subject', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register('a-value', readingV2);
    const inOther = await registry.register('b-value', readingV2);
    expect(inOther).toMatchObject({ subject: 'b-value', version: 1, id: 1 });
    expect((await registry.register('b-value', readingV1)).id).toBe(2);
  });

  it('names what was not found', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register(subject, readingV1);
    expect((await caught(() => registry.getLatest('nope-value'), 'FD_SUBJECT_NOT_FOUND')).message).toContain('subject "nope-value" not found');
    expect((await caught(() => registry.getVersion(subject, 9), 'FD_VERSION_NOT_FOUND')).message).toBe(
      `subject "${subject}" has no version 9 (its versions: 1)`,
    );
    expect((await caught(() => registry.getSchemaById(77), 'FD_SCHEMA_NOT_FOUND')).context.id).toBe(77);
    await caught(() => registry.listVersions('nope-value'), 'FD_SUBJECT_NOT_FOUND');
    await caught(() => registry.getVersion(subject, 0), 'FD_ARGUMENT_INVALID');
    await caught(() => registry.register('', readingV1), 'FD_ARGUMENT_INVALID');
    await caught(() => registry.register(subject, '{"type": "record"'), 'FD_SCHEMA_INVALID');
  });
});

describe('EmbeddedSchemaRegistry compatibility', () => {
  it('refuses an incompatible schema under the default BACKWARD level, naming the field', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register(subject, readingV1);
    const error = await caught(() => registry.register(subject, breaking), 'FD_SCHEMA_INCOMPATIBLE');
    expect(error.message).toContain(`incompatible with an earlier schema for subject "${subject}" (compatibility BACKWARD)`);
    expect(error.message).toContain('field SensorReading.temperature: writer type "double" cannot be read as "string"');
    expect(error.context.messages).toHaveLength(1);
    expect(await registry.listVersions(subject)).toEqual([1]);
  });

  it('applies a subject level over the global one, and tells them apart', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register(subject, readingV1);
    expect(await registry.getCompatibility()).toBe('BACKWARD');
    expect(await registry.getOwnCompatibility(subject)).toBeUndefined();
    await registry.setCompatibility('NONE', subject);
    expect(await registry.getOwnCompatibility(subject)).toBe('NONE');
    expect(await registry.getCompatibility(subject)).toBe('NONE');
    expect((await registry.register(subject, breaking)).version).toBe(2);
    expect(await registry.deleteCompatibility(subject)).toBe('NONE');
    expect(await registry.getCompatibility(subject)).toBe('BACKWARD');
    await registry.setCompatibility('FULL');
    expect(await registry.getCompatibility(subject)).toBe('FULL');
    await caught(() => registry.setCompatibility('SIDEWAYS' as 'FULL'), 'FD_COMPATIBILITY_INVALID');
  });

  it('checks compatibility without registering: as registration would, or against one version', async () => {
    const registry = await openRegistry(await dirs.make());
    expect(await registry.checkCompatibility(subject, readingV1)).toEqual({ compatible: true, messages: [] });
    await registry.register(subject, readingV1);
    await registry.register(subject, readingV2);
    expect((await registry.checkCompatibility(subject, breaking)).compatible).toBe(false);
    expect((await registry.checkCompatibility(subject, readingV2, 'latest')).compatible).toBe(true);
    expect((await registry.checkCompatibility(subject, breaking, 1)).messages[0]).toContain('version 1 (BACKWARD');
    await caught(() => registry.checkCompatibility(subject, readingV2, 5), 'FD_VERSION_NOT_FOUND');
    await caught(() => registry.checkCompatibility('nope-value', readingV2, 'latest'), 'FD_SUBJECT_NOT_FOUND');
  });
});

describe('EmbeddedSchemaRegistry deletes', () => {
  it('soft-deletes a version: hidden, no longer checked, its id still resolves', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register(subject, readingV1);
    await registry.register(subject, readingV2);
    expect(await registry.deleteVersion(subject, 'latest')).toBe(2);
    expect(await registry.listVersions(subject)).toEqual([1]);
    expect(await registry.getSchemaById(2)).toBe(canonicalText(readingV2));
    await caught(() => registry.getVersion(subject, 2), 'FD_VERSION_NOT_FOUND');
    // Registering it again makes a new version with the same id.
    expect(await registry.register(subject, readingV2)).toMatchObject({ version: 3, id: 2 });
  });

  it('removes for good only what was soft-deleted first', async () => {
    const registry = await openRegistry(await dirs.make());
    await registry.register(subject, readingV1);
    expect((await caught(() => registry.deleteSubject(subject, { permanent: true }), 'FD_SCHEMA_DELETE_REFUSED')).context.reason).toBe('not-soft-deleted');
    expect(await registry.deleteSubject(subject)).toEqual([1]);
    expect(await registry.listSubjects()).toEqual([]);
    expect((await caught(() => registry.deleteSubject(subject), 'FD_SCHEMA_DELETE_REFUSED')).context.reason).toBe('soft-deleted');
    expect(await registry.deleteSubject(subject, { permanent: true })).toEqual([1]);
    await caught(() => registry.deleteSubject(subject), 'FD_SUBJECT_NOT_FOUND');
    // Ids are never reused, and version numbers go on.
    expect(await registry.register(subject, readingV2)).toMatchObject({ version: 2, id: 2 });
  });
});

describe('EmbeddedSchemaRegistry persistence', () => {
  it('replays everything on reopen, and goes on with ids and versions', async () => {
    const dir = await dirs.make();
    const first = await EmbeddedSchemaRegistry.open(dir);
    await first.register(subject, readingV1);
    await first.register(subject, readingV2);
    await first.register('other-value', readingV1);
    await first.setCompatibility('FULL', subject);
    await first.deleteVersion(subject, 1);
    await first.close();
    await first.close();

    const reopened = await openRegistry(dir);
    expect(reopened.tornTail).toBeUndefined();
    expect(await reopened.listSubjects()).toEqual(['other-value', subject]);
    expect(await reopened.listVersions(subject)).toEqual([2]);
    expect(await reopened.getVersion('other-value', 1)).toMatchObject({ id: 1 });
    expect(await reopened.getOwnCompatibility(subject)).toBe('FULL');
    expect(await reopened.getSchemaById(1)).toBe(canonicalText(readingV1));
    const third = await reopened.register('third-value', sensorReading([{ name: 'x', type: 'int' }]));
    expect(third).toMatchObject({ version: 1, id: 3 });
  });

  it('drops a torn last line (a write cut short), says so, and keeps working', async () => {
    const dir = await dirs.make();
    const first = await EmbeddedSchemaRegistry.open(dir);
    await first.register(subject, readingV1);
    await first.close();
    const journal = join(dir, JOURNAL_FILE);
    const good = await readFile(journal, 'utf8');
    await appendFile(journal, '{"op":"register","subject":"sensor.readings-value","vers');

    const reopened = await openRegistry(dir);
    expect(reopened.tornTail).toEqual({ bytes: 56, reason: 'line 2 is incomplete (no newline)' });
    expect(await readFile(journal, 'utf8')).toBe(good);
    expect(await reopened.register(subject, readingV2)).toMatchObject({ version: 2, id: 2 });
    await reopened.close();
    expect((await openRegistry(dir)).tornTail).toBeUndefined();
    expect(await open.at(-1)?.listVersions(subject)).toEqual([1, 2]);
  });

  it('drops a bad complete last line too, but refuses a bad line in the middle', async () => {
    const dir = await dirs.make();
    const first = await EmbeddedSchemaRegistry.open(dir);
    await first.register(subject, readingV1);
    await first.close();
    const journal = join(dir, JOURNAL_FILE);
    const good = await readFile(journal, 'utf8');
    await appendFile(journal, '\u0000\u0000\u0000\n');
    expect((await openRegistry(dir)).tornTail?.reason).toMatch(/^line 2 is not JSON/);
    await open.pop()?.close();

    await writeFile(journal, `${good}garbage\n${good}`);
    const error = await caught(() => EmbeddedSchemaRegistry.open(dir), 'FD_REGISTRY_CORRUPT');
    expect(error.message).toContain('line 2 is not JSON');
    expect(error.message).toContain('good lines follow it');
    // The failed open released the lock.
    await writeFile(journal, good);
    expect(await (await openRegistry(dir)).listVersions(subject)).toEqual([1]);
  });
});

describe('EmbeddedSchemaRegistry read-only', () => {
  it('sees schemas the writer registers after it opened', async () => {
    const dir = await dirs.make();
    const writer = await openRegistry(dir);
    await writer.register(subject, readingV1);
    const reader = await openRegistry(dir, { readOnly: true });
    expect(await reader.listVersions(subject)).toEqual([1]);

    const v2 = await writer.register(subject, readingV2);
    const other = await writer.register('other-value', sensorReading([{ name: 'x', type: 'int' }]));
    expect(await reader.getSchemaById(other.id)).toBe(other.schema);
    expect(await reader.getLatest(subject)).toEqual(v2);
    expect(await reader.listSubjects()).toEqual(['other-value', subject]);
  });

  it('refuses changes, but answers a registration that already exists', async () => {
    const dir = await dirs.make();
    const writer = await openRegistry(dir);
    await writer.register(subject, readingV1);
    const reader = await openRegistry(dir, { readOnly: true });
    expect(await reader.register(subject, readingV1)).toMatchObject({ version: 1, id: 1 });
    expect((await caught(() => reader.register(subject, readingV2), 'FD_REGISTRY_READ_ONLY')).message).toContain('open read-only');
    await caught(() => reader.setCompatibility('NONE'), 'FD_REGISTRY_READ_ONLY');
    await caught(() => reader.deleteSubject(subject), 'FD_REGISTRY_READ_ONLY');
  });

  it('opens before the writer ever ran, and skips a line still being written', async () => {
    const dir = await dirs.make();
    const reader = await openRegistry(dir, { readOnly: true });
    expect(await reader.listSubjects()).toEqual([]);

    const writer = await EmbeddedSchemaRegistry.open(dir);
    await writer.register(subject, readingV1);
    await writer.close();
    const journal = join(dir, JOURNAL_FILE);
    const line = (await readFile(journal, 'utf8')).replace('"version":1,"id":1', '"version":2,"id":1');
    await appendFile(journal, line.slice(0, 40));
    expect(await reader.listVersions(subject)).toEqual([1]);
    await appendFile(journal, line.slice(40));
    expect(await reader.listVersions(subject)).toEqual([1, 2]);
  });
});

describe('EmbeddedSchemaRegistry lifecycle', () => {
  it('allows one writer per directory, and takes over the lock of a dead process', async () => {
    const dir = await dirs.make();
    const writer = await openRegistry(dir);
    expect((await caught(() => EmbeddedSchemaRegistry.open(dir), 'FD_REGISTRY_LOCKED')).message).toContain('already open for writing in this process');
    await writer.close();
    await writeFile(join(dir, 'registry.lock'), String(await deadPid()));
    await openRegistry(dir);
  });

  it('closes idempotently, then refuses calls', async () => {
    const registry = await EmbeddedSchemaRegistry.open(await dirs.make());
    await Promise.all([registry.close(), registry.close()]);
    await caught(() => registry.listSubjects(), 'FD_REGISTRY_CLOSED');
    await caught(() => registry.register(subject, readingV1), 'FD_REGISTRY_CLOSED');
  });
});

describe('EmbeddedSchemaRegistry across processes', () => {
  const run = promisify(execFile);
  const module = fileURLToPath(new URL('../../../src/schema/embedded-registry.ts', import.meta.url));
  /** Runs `body` in another Node process with `EmbeddedSchemaRegistry` and `dir` in scope; resolves to its stdout. */
  const inChild = async (dir: string, body: string): Promise<string> => {
    const script = `const { EmbeddedSchemaRegistry } = await import(${JSON.stringify(module)}); const dir = ${JSON.stringify(dir)};\n${body}`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    return stdout.trim();
  };

  it('a second process reads while this one writes, and cannot open it for writing', async () => {
    const dir = await dirs.make();
    const writer = await openRegistry(dir);
    await writer.register(subject, readingV1);
    const v2 = await writer.register(subject, readingV2);
    const seen = await inChild(
      dir,
      `const reader = await EmbeddedSchemaRegistry.open(dir, { readOnly: true });
       console.log(JSON.stringify({ latest: await reader.getLatest(${JSON.stringify(subject)}) }));
       await reader.close();
       try { await EmbeddedSchemaRegistry.open(dir); console.log('opened'); } catch (error) { console.log(error.code); }`,
    );
    const [latest, writerOpen] = seen.split('\n');
    expect(JSON.parse(latest ?? '')).toEqual({ latest: v2 });
    expect(writerOpen).toBe('FD_REGISTRY_LOCKED');
  });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const { execFile: exec } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = exec(process.execPath, ['-e', '0'], (error) => (error ? reject(error) : resolve(child.pid ?? 0)));
  });
}
