import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('the fastdata command with bad input', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('prints help for every command', async () => {
    for (const command of ['dev', 'topics', 'tail']) {
      const { code, stdout } = await runCli([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: fastdata ${command}`);
    }
  });

  it('refuses an unknown command, a missing argument and a bad flag value, naming them', async () => {
    const unknown = await runCli(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'deploy'/);
    const missing = await runCli(['tail']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'topic'/);
    const badLimit = await runCli(['tail', 'sensor.stats', '--limit', 'ten']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--limit <n>' argument 'ten' is invalid. expected a whole number >= 1/);
    const badPort = await runCli(['dev', '--port', '99999']);
    expect(badPort.stderr).toMatch(/expected a port number from 0 to 65535, got "99999"/);
    const badTime = await runCli(['tail', 'x', '--since', 'yesterday-ish']);
    expect(badTime.stderr).toMatch(/argument .yesterday-ish. is invalid\. "yesterday-ish" is not a time; give epoch milliseconds/);
  });

  it('says what to do when there is no data yet', async () => {
    const { code, stderr } = await runCli(['tail', 'sensor.stats', '--dir', dir.path]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no embedded log at .*; start 'fastdata dev' first/);
  });

  it('lists every problem of a bad config file and exits 2', async () => {
    await writeFile(join(dir.path, 'fastdata.config.yaml'), 'server:\n  port: -1\nstreamz: x\n');
    const { code, stderr } = await runCli(['topics', '--dir', dir.path]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/fastdata\.config\.yaml:2:9 server\.port: must be >= 0 \(got -1\)/);
    expect(stderr).toMatch(/fastdata\.config\.yaml:3:1 streamz: unknown setting/);
  });
});
