/**
 * Silence matchers use RE2 (issue 15): the pattern from the security review that froze the
 * process for about 43 s per evaluation round with a JavaScript RegExp matches in linear
 * time; a match still covers the whole label value; what RE2 cannot compile (backreferences,
 * lookaround), an over-long or over-large pattern, is refused at creation naming the field,
 * also over HTTP; and a silence stored before, with a pattern RE2 refuses, loads, silences
 * nothing and is warned about, instead of throwing at every evaluation.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { matcherMatches, MAX_PATTERN_LENGTH, parseSilenceInput, silences, type Matcher, type Silence } from '../../../src/alerts/state/silence.js';
import { SilenceStore } from '../../../src/alerts/state/silence-store.js';
import { ALERT_TOPICS } from '../../../src/alerts/topic/topics.js';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { alertRoutes, type AlertingApi } from '../../../src/serve/alerts/alert-routes.js';
import { tempDir } from '../../helpers/temp-dir.js';

const NOW = Date.UTC(2026, 10, 24, 6, 0, 0);
const HOUR = 3_600_000;
const REPRODUCTION = '(.*.*.*.*.*)*X';

const matcher = (op: Matcher['op'], value: string, label = 'key'): Matcher => ({ label, op, value });
const body = (matchers: unknown[]) => ({ matchers, startsAt: NOW, endsAt: NOW + HOUR, comment: 'maintenance', createdBy: 'test' });

/** The field and message of what parseSilenceInput throws for these matchers. */
function refusal(matchers: unknown[]): { field: unknown; message: string } {
  try {
    parseSilenceInput(body(matchers), NOW);
  } catch (error) {
    if (!isFastdataError(error, 'FD_ARGUMENT_INVALID')) throw error;
    return { field: error.context.field, message: error.message };
  }
  throw new Error('accepted');
}

describe('silence regular expressions (RE2)', () => {
  it('matches the review’s catastrophic pattern in linear time: a 20,000-character label value, within the test timeout', () => {
    const silence: Silence = { id: 's', ...parseSilenceInput(body([matcher('=~', REPRODUCTION)]), NOW), createdAt: NOW, updatedAt: NOW };
    const value = 'a'.repeat(20_000);
    // A JavaScript RegExp backtracks here for (far) longer than the test's timeout: RE2 does not.
    expect(silences(silence, { key: value }, NOW + 1)).toBe(false);
    expect(matcherMatches(matcher('!~', REPRODUCTION), { key: value })).toBe(true);
    expect(silences(silence, { key: `${value}X` }, NOW + 1)).toBe(true);
  });

  it('keeps the anchoring: a pattern matches the whole value, never a part of it', () => {
    const holds = (value: string, actual: string | undefined) => matcherMatches(matcher('=~', value), actual === undefined ? {} : { key: actual });
    expect(holds('s[0-9]+', 's12')).toBe(true);
    expect(holds('s[0-9]+', 'xs12')).toBe(false);
    expect(holds('s[0-9]+', 's12x')).toBe(false);
    expect(holds('a|b', 'a')).toBe(true);
    expect(holds('a|b', 'ab')).toBe(false);
    expect(holds('a|ab', 'ab')).toBe(true);
    expect(holds('.*', undefined)).toBe(true); // an absent label is the empty string
    expect(holds('.+', undefined)).toBe(false);
    expect(holds('(?i)S-1', 's-1')).toBe(true);
    expect(holds('.', '😀')).toBe(true); // one character, not one UTF-16 unit (as the 'u' RegExp did)
    expect(holds('a.b', 'a\nb')).toBe(false);
    expect(matcherMatches(matcher('!~', 's[0-9]+'), { key: 's12' })).toBe(false);
    expect(matcherMatches(matcher('!~', 's[0-9]+'), { key: 'xs12' })).toBe(true);
    // The pattern alone must compile: `a)|(b` would otherwise turn ^(?:…)$ into two unanchored halves.
    expect(refusal([matcher('=~', 'a)|(b')]).field).toBe('matchers[0].value');
  });

  it('refuses at creation what RE2 cannot compile, naming the field and saying RE2 syntax is used, as in Alertmanager', () => {
    for (const pattern of ['(a)\\1', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b', '(']) {
      const { field, message } = refusal([matcher('=', 'x', 'alertname'), matcher('=~', pattern)]);
      expect(field, pattern).toBe('matchers[1].value');
      expect(message, pattern).toMatch(/^matchers\[1\]\.value: not a regular expression RE2 accepts: .*RE2 syntax, as Alertmanager does/);
    }
    expect(refusal([matcher('!~', '(x)\\1')]).field).toBe('matchers[0].value');
  });

  it('bounds a pattern: its length, and the size it compiles to', () => {
    expect(() => parseSilenceInput(body([matcher('=~', 'a'.repeat(MAX_PATTERN_LENGTH))]), NOW)).not.toThrow();
    expect(refusal([matcher('=~', 'a'.repeat(MAX_PATTERN_LENGTH + 1))])).toMatchObject({ field: 'matchers[0].value', message: expect.stringContaining(`at most ${MAX_PATTERN_LENGTH} characters`) });
    expect(refusal([matcher('=~', '(.{1,1000})'.repeat(10))])).toMatchObject({ field: 'matchers[0].value', message: expect.stringContaining('RE2 instructions') });
    expect(refusal([matcher('=~', '(a{1000}){1000}')]).field).toBe('matchers[0].value'); // RE2's own limit on repeat counts
  });
});

describe('silences over HTTP and the log', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: EmbeddedLog;
  let app: FastifyInstance;
  let store: SilenceStore;
  const warnings: string[] = [];
  /** Stored before RE2 (a JavaScript pattern with a backreference), written straight to the topic. */
  const legacy: Silence = {
    id: 'legacy',
    matchers: [matcher('=', 'overheating', 'alertname'), matcher('=~', '(s)\\1-[0-9]+')],
    startsAt: Date.now() - HOUR,
    endsAt: Date.now() + HOUR,
    comment: 'made with an older fastdata',
    createdBy: 'ops',
    createdAt: Date.now() - HOUR,
    updatedAt: Date.now() - HOUR,
  };

  beforeAll(async () => {
    dir = await tempDir();
    log = await EmbeddedLog.open(join(dir.path, 'log'), { fsync: 'never' });
    await log.createTopic({ name: ALERT_TOPICS.silences, partitions: 1 });
    await log.produce(ALERT_TOPICS.silences, [{ key: legacy.id, value: Buffer.from(JSON.stringify(legacy)) }]);
    store = new SilenceStore(log, Date.now, (message) => warnings.push(message));
    await store.start();
    app = Fastify();
    await app.register(alertRoutes, { alerting: () => ({ silences: store }) as unknown as AlertingApi, prefix: '/api/alerts' });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await log?.close();
    await dir?.remove();
  });

  const post = (matchers: unknown[]) =>
    app.inject({ method: 'POST', url: '/api/alerts/silences', payload: { matchers, endsAt: Date.now() + HOUR, comment: 'maintenance', createdBy: 'ana' } });

  it('answers 400 naming matchers.N.value for a backreference, and 201 for the review’s pattern (valid RE2, harmless now)', async () => {
    const refused = await post([matcher('=', 'overheating', 'alertname'), matcher('=~', '(a)\\1')]);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: { code: 'FD_ARGUMENT_INVALID', field: 'matchers[1].value', message: expect.stringMatching(/RE2 syntax, as Alertmanager does/) } });
    const lookahead = await post([matcher('=~', 'a(?=b)')]);
    expect(lookahead.json()).toMatchObject({ error: { field: 'matchers[0].value' } });

    const accepted = await post([matcher('=~', REPRODUCTION)]);
    expect(accepted.statusCode).toBe(201);
    // Backtracking would outlast the test's timeout; RE2 answers.
    expect(store.silencing({ alertname: 'overheating', key: 'a'.repeat(20_000) })).toBeUndefined();
    await app.inject({ method: 'DELETE', url: `/api/alerts/silences/${accepted.json().id}` });
  });

  it('loads a stored silence whose pattern RE2 refuses: listed, warned about once, silencing nothing, and it can be expired', async () => {
    expect(warnings.filter((w) => w.includes('silence legacy silences nothing'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/matchers\[1\]\.value "\(s\)\\\\1-\[0-9\]\+" is not a regular expression RE2 accepts/);
    expect(store.get('legacy')).toMatchObject({ state: 'active' });
    // Under JavaScript's RegExp it matched `ss-1`: now it silences nothing (notifications are sent), and evaluating it throws nothing.
    expect(store.silencing({ alertname: 'overheating', key: 'ss-1' })).toBeUndefined();
    expect(store.silencing({ alertname: 'overheating', key: 'ss-1' })).toBeUndefined();
    expect(warnings.filter((w) => w.includes('silence legacy'))).toHaveLength(1);

    const working = await post([matcher('=', 'overheating', 'alertname'), matcher('=~', 's+-[0-9]+')]);
    expect(working.statusCode).toBe(201);
    expect(store.silencing({ alertname: 'overheating', key: 'ss-1' })?.id).toBe(working.json().id);

    const expired = await app.inject({ method: 'DELETE', url: '/api/alerts/silences/legacy' });
    expect(expired.statusCode).toBe(200);
    expect(store.get('legacy')).toMatchObject({ state: 'expired' });
  });
});
