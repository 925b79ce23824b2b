import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from 'fastdata';
import { writeFiles } from '../../../src/generator/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('writing generated files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  const files = [
    { path: 'streams/a.ts', content: 'new a' },
    { path: 'schemas/a.avsc', content: 'new schema' },
    { path: 'streams/a.test.ts', content: 'new test' },
  ];

  it('writes every file, creating folders', async () => {
    expect(await writeFiles(dir.path, files, { force: false })).toEqual(['streams/a.ts', 'schemas/a.avsc', 'streams/a.test.ts']);
    expect(await readFile(join(dir.path, 'schemas/a.avsc'), 'utf8')).toBe('new schema');
  });

  it('writes nothing when any file exists, and names every one that does', async () => {
    await mkdir(join(dir.path, 'streams'));
    await writeFile(join(dir.path, 'streams/a.ts'), 'mine');
    await writeFile(join(dir.path, 'streams/a.test.ts'), 'my test');
    const error = await writeFiles(dir.path, files, { force: false }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_ARGUMENT_INVALID')).toBe(true);
    expect((error as Error).message).toBe(
      'these files exist already, so nothing was written: streams/a.ts, streams/a.test.ts; pass --force to overwrite them, or choose another name',
    );
    expect(await readFile(join(dir.path, 'streams/a.ts'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir.path, 'schemas/a.avsc'))).toBe(false); // not even the file that was free
  });

  it('overwrites with force', async () => {
    await mkdir(join(dir.path, 'streams'));
    await writeFile(join(dir.path, 'streams/a.ts'), 'mine');
    await writeFiles(dir.path, files, { force: true });
    expect(await readFile(join(dir.path, 'streams/a.ts'), 'utf8')).toBe('new a');
  });
});
