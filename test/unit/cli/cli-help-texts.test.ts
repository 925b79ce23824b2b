/**
 * Every command's --help says each default once, in words (issue 17: `tail --help`
 * printed "(default: only new records) (default: false)"). Walks the whole command tree,
 * so a command added later is checked too.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from '../../../src/cli/main.js';

function commands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => commands(c))];
}

const path = (c: Command): string => (c.parent ? `${path(c.parent)} ${c.name()}` : c.name());

describe('help texts', () => {
  const all = commands(program());

  it('covers every command', () => {
    const names = all.map(path);
    for (const name of ['fastdata tail', 'fastdata replay', 'fastdata run', 'fastdata schema infer', 'fastdata new alert', 'fastdata token new']) expect(names).toContain(name);
  });

  it('states no default twice and no "(default: false)" of a flag', () => {
    const problems: string[] = [];
    for (const command of all) {
      const help = command.createHelp();
      for (const option of command.options) {
        const text = help.optionDescription(option);
        if ((text.match(/\bdefault\b/gi) ?? []).length > 1) problems.push(`${path(command)} ${option.flags}: ${text}`);
        if (/\(default: (false|true)\)/.test(text)) problems.push(`${path(command)} ${option.flags}: ${text}`);
      }
      for (const argument of command.registeredArguments) {
        const text = help.argumentDescription(argument);
        if ((text.match(/\bdefault\b/gi) ?? []).length > 1) problems.push(`${path(command)} <${argument.name()}>: ${text}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps the defaults that say something', () => {
    const tail = all.find((c) => path(c) === 'fastdata tail')!;
    const help = tail.createHelp();
    const describe = (flag: string) => help.optionDescription(tail.options.find((o) => o.long === flag)!);
    expect(describe('--from-beginning')).toMatch(/\(default: only new records\)$/);
    expect(describe('--dir')).toMatch(/\(default: "\."\)$/);
    const token = all.find((c) => path(c) === 'fastdata token new')!;
    expect(token.createHelp().optionDescription(token.options.find((o) => o.long === '--scope')!)).toMatch(/default: "read"/);
  });
});
