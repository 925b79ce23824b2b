/** `fastdata init` and `fastdata new` as a user runs them: exit codes and messages. */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('fastdata init and fastdata new on the command line', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('refuses a folder name that is not a package name, pointing at --name', async () => {
    const { code, stderr } = await runCli(['init', join(dir.path, 'My_Project')]);
    expect(code).toBe(2);
    expect(stderr).toContain('<dir> (its folder name is the package name) "My_Project" is not kebab-case');
    expect(stderr).toContain('pass --name my-app');
    expect(existsSync(join(dir.path, 'My_Project'))).toBe(false);
    const named = await runCli(['init', join(dir.path, 'My_Project'), '--name', 'my-project']);
    expect(named.code).toBe(0);
  });

  it('writes nothing over an existing project without --force, and lists what is in the way', async () => {
    const project = join(dir.path, 'plant');
    const first = await runCli(['init', project]);
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toContain('streams/temperature-stats.ts');
    await writeFile(join(project, 'README.md'), 'mine');

    const again = await runCli(['init', project]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/these files exist already, so nothing was written: package\.json, .*README\.md.*; pass --force to overwrite them/);
    expect(await readFile(join(project, 'README.md'), 'utf8')).toBe('mine');

    const forced = await runCli(['init', project, '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(join(project, 'README.md'), 'utf8')).toContain('# plant');
  });

  it('refuses bad names and topics for new things, naming the argument', async () => {
    const project = join(dir.path, 'plant');
    const badName = await runCli(['new', 'stream', 'RoomStats', '--dir', project]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('<name> "RoomStats" is not kebab-case');
    expect(badName.stderr).toContain('e.g. fastdata new stream room-stats');
    const badTopic = await runCli(['new', 'stream', 'room-stats', '--topic', 'rooms/stats', '--dir', project]);
    expect(badTopic.code).toBe(2);
    expect(badTopic.stderr).toContain('--topic "rooms/stats" is not a topic name');
    const badAbove = await runCli(['new', 'alert', 'hot', '--source', 'temperature-stats', '--above', 'warm', '--dir', project]);
    expect(badAbove.code).toBe(2);
    expect(badAbove.stderr).toContain('expected a number such as 30 or 0.5, got "warm"');
  });
});
