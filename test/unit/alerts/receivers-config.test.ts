import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReceiver, loadReceivers, parseReceivers } from '../../../src/alerts/receivers/index.js';
import { formatProblem } from '../../../src/config/validated-file.js';
import { isFastdataError } from '../../../src/errors.js';

const FILE = 'alerts/receivers.yaml';
const SECRET = 'correct-horse-battery-staple';

describe('receivers.yaml', () => {
  it('loads every kind, with defaults filled in and the secret read from the environment', () => {
    const text = [
      'receivers:',
      '  ops:',
      '    kind: webhook',
      '    url: https://hooks.example.com/fastdata',
      '    secret_env: OPS_SECRET',
      '    headers: { X-Team: ops }',
      '  fast:',
      '    kind: webhook',
      '    url: http://127.0.0.1:9999/hook',
      '    timeout: 250ms',
      '    max_retries: 2',
      '    backoff: { initial: 10ms, max: 2s }',
      '    queue_size: 50',
      '  audit:',
      '    kind: log',
      '    path: out/alerts.jsonl',
      '  live:',
      '    kind: websocket',
      '  topic:',
      '    kind: kafka',
      '    topic: fastdata.alerts',
    ].join('\n');
    const { receivers, problems } = parseReceivers(FILE, text, { env: { OPS_SECRET: SECRET }, root: '/project' });
    expect(problems).toEqual([]);
    expect([...receivers.keys()]).toEqual(['ops', 'fast', 'audit', 'live', 'topic']);
    expect(receivers.get('ops')).toEqual({
      name: 'ops',
      source: `${FILE}:2`,
      kind: 'webhook',
      url: 'https://hooks.example.com/fastdata',
      secret: SECRET,
      timeoutMs: 5_000,
      headers: { 'X-Team': 'ops' },
      delivery: { maxRetries: 8, backoff: { initialMs: 1_000, maxMs: 300_000 }, queueSize: 10_000 },
    });
    expect(receivers.get('fast')).toMatchObject({ timeoutMs: 250, delivery: { maxRetries: 2, backoff: { initialMs: 10, maxMs: 2_000 }, queueSize: 50 } });
    expect(receivers.get('audit')).toMatchObject({ kind: 'log', path: '/project/out/alerts.jsonl' });
    expect(receivers.get('topic')).toMatchObject({ kind: 'kafka', topic: 'fastdata.alerts' });
  });

  it('names file, line and field of each problem, and a bad receiver does not stop the others', () => {
    const text = [
      'receivers:', // 1
      '  good:',
      '    kind: log',
      '  typo:',
      '    kind: webhook',
      '    url: https://example.com/x',
      '    retries: 3', // 7
      '  wrongkind:',
      '    kind: pager', // 9
      '  slow:',
      '    kind: webhook',
      '    url: ftp://example.com/x', // 12
      '    timeout: soon', // 13
      '  stream:',
      '    kind: kafka', // 15
    ].join('\n');
    const { receivers, problems } = parseReceivers(FILE, text);
    expect([...receivers.keys()]).toEqual(['good']);
    const lines = problems.map(formatProblem);
    expect(lines).toContainEqual(expect.stringMatching(/^alerts\/receivers\.yaml:7:5 receivers\.typo\.retries: unknown setting; the settings here are .*max_retries/));
    expect(lines).toContainEqual(expect.stringMatching(/^alerts\/receivers\.yaml:9:\d+ receivers\.wrongkind\.kind: must be one of "webhook", "log", "websocket", "kafka" \(got "pager"\)/));
    expect(lines).toContainEqual(expect.stringMatching(/^alerts\/receivers\.yaml:12:\d+ receivers\.slow\.url: /));
    expect(lines).toContainEqual(expect.stringMatching(/^alerts\/receivers\.yaml:13:\d+ receivers\.slow\.timeout: /));
    expect(lines).toContainEqual(expect.stringMatching(/^alerts\/receivers\.yaml:\d+:\d+ receivers\.stream\.topic: is required/));
  });

  it('never prints a secret or a header value in a problem', () => {
    const text = [
      'receivers:',
      '  short:',
      '    kind: webhook',
      '    url: https://example.com/x',
      '    secret: hunter2', // too short
      '  typed:',
      '    kind: webhook',
      '    url: https://example.com/x',
      '    secret: 123456789',
      '    headers: { Authorization: 42 }',
      '  unset:',
      '    kind: webhook',
      '    url: https://example.com/x',
      '    secret_env: NOT_SET_ANYWHERE', // 14
      '  both:',
      '    kind: webhook',
      '    url: https://example.com/x',
      `    secret: ${SECRET}`,
      '    secret_env: OPS_SECRET',
    ].join('\n');
    const { receivers, problems } = parseReceivers(FILE, text, { env: { OPS_SECRET: SECRET } });
    expect(receivers.size).toBe(0);
    const all = problems.map(formatProblem).join('\n');
    for (const secret of ['hunter2', '123456789', '42', SECRET]) expect(all).not.toContain(secret);
    expect(all).toContain('receivers.short.secret: must NOT have fewer than 16 characters');
    expect(all).toMatch(/receivers\.typed\.headers\.Authorization: must be string/);
    expect(all).toMatch(/alerts\/receivers\.yaml:14:\d+ receivers\.unset\.secret_env: the environment variable NOT_SET_ANYWHERE is not set/);
    expect(all).toContain('receivers.both.secret_env: give secret or secret_env, not both');
  });

  it('reads group settings, and refuses bad ones naming the field', () => {
    const good = parseReceivers(FILE, 'receivers:\n  ops:\n    kind: log\n    group: { by: [team, severity], wait: 10s, interval: 2m, repeat: 1h }\n');
    expect(good.problems).toEqual([]);
    expect(good.receivers.get('ops')?.group).toEqual({ by: ['team', 'severity'], waitMs: 10_000, intervalMs: 120_000, repeatMs: 3_600_000 });
    const defaults = parseReceivers(FILE, 'receivers:\n  ops:\n    kind: log\n    group: { by: [] }\n');
    expect(defaults.receivers.get('ops')?.group).toEqual({ by: [], waitMs: 30_000, intervalMs: 300_000, repeatMs: 14_400_000 });
    const bad = parseReceivers(
      FILE,
      'receivers:\n  a:\n    kind: log\n    group: { by: [team], wait: soon }\n  b:\n    kind: log\n    group: { by: [team], repeat: 10s }\n  c:\n    kind: log\n    group: { by: [1team] }\n  d:\n    kind: log\n    group: { wait: 1s }\n  e:\n    kind: log\n',
    );
    const byLine = [...bad.problems].sort((x, y) => (x.line ?? 0) - (y.line ?? 0));
    expect(byLine.map((p) => [p.field, p.line])).toEqual([
      ['receivers.a.group.wait', 4],
      ['receivers.b.group.repeat', 7],
      ['receivers.c.group.by.0', 10],
      ['receivers.d.group.by', 13],
    ]);
    expect(byLine[1]!.message).toMatch(/at least 1m/);
    expect([...bad.receivers.keys()]).toEqual(['e']);
  });

  it('reports a YAML syntax error and a file without receivers', () => {
    expect(parseReceivers(FILE, 'receivers: [\n').problems[0]).toMatchObject({ file: FILE, line: expect.any(Number), field: '(file)' });
    expect(parseReceivers(FILE, 'receiver:\n  a: { kind: log }\n').problems.map((p) => p.field)).toEqual(expect.arrayContaining(['receiver', 'receivers']));
    expect(parseReceivers(FILE, 'receivers:\n  bad.name:\n    kind: log\n').problems).toEqual([
      expect.objectContaining({ line: 2, field: 'receivers.bad.name', message: expect.stringContaining('letters, digits') }),
    ]);
  });

  it('loads the demo file; a missing file is no receivers and no problem', async () => {
    const demo = await loadReceivers(new URL('../../../alerts/receivers.yaml', import.meta.url).pathname, { root: '/project' });
    expect(demo.problems).toEqual([]);
    expect(demo.receivers.get('audit')).toMatchObject({ kind: 'log', path: '/project/.fastdata/alerts.jsonl' });

    const dir = await mkdtemp(join(tmpdir(), 'fd-receivers-'));
    try {
      expect(await loadReceivers(join(dir, 'none.yaml'))).toEqual({ receivers: new Map(), problems: [] });
      await writeFile(join(dir, 'r.yaml'), 'receivers:\n  a:\n    kind: log\n    colour: red\n');
      const { problems } = await loadReceivers(join(dir, 'r.yaml'));
      expect(problems).toEqual([expect.objectContaining({ line: 4, field: 'receivers.a.colour', message: expect.stringContaining('unknown setting') })]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('declares websocket and kafka receivers, which need a factory to run', () => {
    const { receivers } = parseReceivers(FILE, 'receivers:\n  live:\n    kind: websocket\n');
    let thrown: unknown;
    try {
      createReceiver(receivers.get('live')!);
    } catch (error) {
      thrown = error;
    }
    expect(isFastdataError(thrown, 'FD_RECEIVER_KIND_UNSUPPORTED')).toBe(true);
    const made = createReceiver(receivers.get('live')!, { factories: { websocket: (c) => ({ name: c.name, kind: 'websocket', send: async () => ({ outcome: 'delivered' }) }) } });
    expect(made.kind).toBe('websocket');
  });
});
