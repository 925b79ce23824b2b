/**
 * One bad receiver never stops the others (issue 15, "one bad file never stops the
 * others"), also when the bad one is not YAML at all: a key given twice, a receiver
 * defined twice, an unclosed quote, a tab, an alias bomb or an alias to nowhere inside one
 * receiver used to make the whole receivers.yaml load nothing. Each problem names the file,
 * line and column and the receiver it costs; the good receivers load. Also: max_age and
 * probe_interval are read and checked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReceivers, parseReceivers } from '../../../src/alerts/receivers/index.js';
import { formatProblem } from '../../../src/config/validated-file.js';

const FILE = 'alerts/receivers.yaml';
const GOOD = ['receivers:', '  good:', '    kind: log', '    path: out/alerts.jsonl'];
const AFTER = ['  after:', '    kind: webhook', '    url: https://hooks.example.com/x', '    secret_env: HOOK_SECRET'];
const env = { HOOK_SECRET: 'correct-horse-battery-staple' };

const load = (bad: string[]) => {
  const { receivers, problems } = parseReceivers(FILE, [...GOOD, ...bad, ...AFTER].join('\n'), { env, root: '/project' });
  return { names: [...receivers.keys()], problems: problems.map(formatProblem) };
};

describe('receivers.yaml: one bad receiver, the others load', () => {
  it('a setting given twice inside one receiver', () => {
    const { names, problems } = load(['  bad:', '    kind: log', '    path: a.jsonl', '    path: b.jsonl']);
    expect(names).toEqual(['good', 'after']);
    expect(problems).toEqual(['alerts/receivers.yaml:8:5 receivers.bad: Map keys must be unique; receiver bad is not loaded']);
  });

  it('a receiver defined twice: neither copy loads, both places are named', () => {
    const { names, problems } = load(['  twin:', '    kind: log', '  twin:', '    kind: log']);
    expect(names).toEqual(['good', 'after']);
    expect(problems).toEqual(['alerts/receivers.yaml:7:3 receivers.twin: is defined twice (first at line 5); neither is loaded until one is renamed or removed']);
  });

  it('an unclosed quote, a tab for indentation, an alias to nowhere, an alias bomb', () => {
    const unclosed = load(['  bad:', '    kind: webhook', '    url: "https://hooks.example.com/x']);
    expect(unclosed.names).toEqual(['good', 'after']);
    expect(unclosed.problems).toEqual([expect.stringMatching(/^alerts\/receivers\.yaml:\d+:\d+ receivers\.bad: Missing closing "quote; receiver bad is not loaded$/)]);

    const tab = load(['  bad:', '\tkind: log']);
    expect(tab.names).toEqual(['good', 'after']);
    expect(tab.problems).toEqual([expect.stringMatching(/^alerts\/receivers\.yaml:6:1 receivers\.bad: Tabs are not allowed as indentation/)]);

    const alias = load(['  bad:', '    kind: log', '    path: *nowhere']);
    expect(alias.names).toEqual(['good', 'after']);
    expect(alias.problems).toEqual([expect.stringMatching(/^alerts\/receivers\.yaml:\d+:\d+ receivers\.bad: .*nowhere.*receiver bad is not loaded$/)]);

    const laughs = ['  bad:', '    kind: log', '    headers: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 0; i < 12; i++) laughs.push(`    x${i}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    const bomb = load(laughs);
    expect(bomb.names).toEqual(['good', 'after']);
    expect(bomb.problems).toEqual([expect.stringMatching(/^alerts\/receivers\.yaml:5:3 receivers\.bad: cannot be read as YAML: .*; receiver bad is not loaded$/)]);
  });

  it('reads the same from a file, and still reports a file broken outside its receivers as a whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-receivers-'));
    try {
      const file = join(dir, 'receivers.yaml');
      await writeFile(file, [...GOOD, '  bad:', '    kind: log', '    path: "x', ...AFTER].join('\n'));
      const loaded = await loadReceivers(file, { env, root: '/project' });
      expect([...loaded.receivers.keys()]).toEqual(['good', 'after']);
      expect(loaded.problems.map(formatProblem)).toEqual([expect.stringMatching(new RegExp(`^${file}:\\d+:\\d+ receivers\\.bad: Missing closing "quote; receiver bad is not loaded$`))]);

      const flow = parseReceivers(FILE, 'receivers: { good: { kind: log }, bad: [ }\n');
      expect(flow.receivers.size).toBe(0);
      expect(flow.problems[0]).toMatchObject({ file: FILE, field: '(file)', line: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads max_age and probe_interval, and refuses ones that make no sense, naming the field', () => {
    const text = [
      'receivers:',
      '  ops:',
      '    kind: webhook',
      '    url: https://hooks.example.com/x',
      '    secret_env: HOOK_SECRET',
      '    max_age: 6h',
      '    probe_interval: 30s',
      '  audit:',
      '    kind: log',
      '    max_age: 2d',
      '  hasty:',
      '    kind: log',
      '    probe_interval: 10ms', // 13
      '    max_age: 5s', // 14
    ].join('\n');
    const { receivers, problems } = parseReceivers(FILE, text, { env });
    expect(receivers.get('ops')?.delivery).toMatchObject({ maxAgeMs: 6 * 3_600_000, probeIntervalMs: 30_000 });
    expect(receivers.get('audit')?.delivery).toMatchObject({ maxAgeMs: 2 * 86_400_000 });
    expect(receivers.has('hasty')).toBe(false);
    expect(problems.map(formatProblem)).toEqual([
      'alerts/receivers.yaml:13:21 receivers.hasty.probe_interval: must be at least 1s: a receiver that is down is not hammered',
      'alerts/receivers.yaml:14:14 receivers.hasty.max_age: must be at least 1m: a notification needs the time to be retried',
    ]);
  });
});
