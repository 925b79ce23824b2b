/**
 * The time flags of `fastdata tail` and `fastdata replay` take what the REST API's `from`
 * takes (issue 17: `--since -10m` and `--from -10m` were refused). `--since -10m` and
 * `--since=-10m` both work: a flag that needs a value takes the next word even when it
 * starts with a dash. The commands' actions are replaced by ones that keep the parsed
 * options, so nothing runs.
 */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from '../../../src/cli/main.js';

const MINUTE = 60_000;

/** Parses `fastdata <args>` and returns the options the command's action got, with Date.now() around the parse. */
async function parsed(args: string[]): Promise<{ options: Record<string, unknown>; before: number; after: number }> {
  const root = program();
  let options: Record<string, unknown> | undefined;
  for (const name of ['tail', 'replay']) {
    root.commands.find((c) => c.name() === name)!.action((_arg: string, opts: Record<string, unknown>) => {
      options = opts;
    });
  }
  const before = Date.now();
  await root.parseAsync(['node', 'fastdata', ...args]);
  const after = Date.now();
  return { options: options!, before, after };
}

/** A relative time was taken back from the moment of the parse. */
function expectBack(value: unknown, ms: number, before: number, after: number) {
  expect(typeof value).toBe('number');
  expect(value as number).toBeGreaterThanOrEqual(before - ms);
  expect(value as number).toBeLessThanOrEqual(after - ms);
}

describe('time flags of tail and replay', () => {
  it('tail --since takes -10m as the next word and after =', async () => {
    for (const args of [['tail', 't', '--since', '-10m'], ['tail', 't', '--since=-10m'], ['tail', '--since', '-10m', 't', '-b']]) {
      const { options, before, after } = await parsed(args);
      expectBack(options.since, 10 * MINUTE, before, after);
    }
  });

  it('tail --since takes ISO times, epoch ms, -2h, -1d and now', async () => {
    expect((await parsed(['tail', 't', '--since', '2026-11-24T10:00:00Z'])).options.since).toBe(Date.UTC(2026, 10, 24, 10));
    expect((await parsed(['tail', 't', '--since', '1700000000000'])).options.since).toBe(1_700_000_000_000);
    const h = await parsed(['tail', 't', '--since', '-2h']);
    expectBack(h.options.since, 2 * 60 * MINUTE, h.before, h.after);
    const d = await parsed(['tail', 't', '--since=-1d']);
    expectBack(d.options.since, 24 * 60 * MINUTE, d.before, d.after);
    const now = await parsed(['tail', 't', '--since', 'now']);
    expectBack(now.options.since, 0, now.before, now.after);
  });

  it('replay --from and --to take relative times too', async () => {
    const { options, before, after } = await parsed(['replay', 'sensor-stats', '--from', '-10m', '--to=-1m', '--output', 'x']);
    expectBack(options.from, 10 * MINUTE, before, after);
    expectBack(options.to, MINUTE, before, after);
  });

  it('refuses a bad time naming the flag, the value and the forms', async () => {
    const stderr: string[] = [];
    const root = program();
    root.configureOutput({ writeErr: (s) => stderr.push(s), writeOut: () => undefined });
    for (const c of root.commands) c.configureOutput({ writeErr: (s) => stderr.push(s), writeOut: () => undefined });
    await expect(root.parseAsync(['node', 'fastdata', 'tail', 't', '--since', '-10x'])).rejects.toBeInstanceOf(CommanderError);
    expect(stderr.join('')).toMatch(/option '--since <time>' argument '-10x' is invalid\. "10x" is not a valid duration/);
    stderr.length = 0;
    await expect(root.parseAsync(['node', 'fastdata', 'replay', 'm', '--output', 'x', '--from', 'yesterday'])).rejects.toBeInstanceOf(CommanderError);
    expect(stderr.join('')).toMatch(/option '--from <time>' argument 'yesterday' is invalid\. "yesterday" is not a time; give epoch milliseconds .*-15m, -2h, -7d\), or now/);
  });
});
