import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_FRAME_BYTES,
  MAX_HISTORY,
  MAX_SUBSCRIPTIONS_PER_CLIENT,
  WS_ERROR_CODES,
  parseClientFrame,
  serializeServerFrame,
  sinceToMillis,
  type ErrorFrame,
  type ServerFrame,
} from '../../../src/serve/ws/protocol.js';

const json = (value: unknown) => JSON.stringify(value);

function refused(raw: string | Buffer, maxBytes?: number): ErrorFrame {
  const result = maxBytes === undefined ? parseClientFrame(raw) : parseClientFrame(raw, maxBytes);
  if (result.ok) throw new Error(`expected ${String(raw).slice(0, 80)} to be refused`);
  return result.error;
}

describe('parseClientFrame accepts', () => {
  it.each([
    { op: 'subscribe', id: 'a', topic: 'sensor.stats' },
    { op: 'subscribe', id: 'x'.repeat(64), topic: 'a'.repeat(249), key: 's1' },
    { op: 'subscribe', id: 'a', topic: 'T_1-b.c', key: '' },
    { op: 'subscribe', id: 'a', topic: 't', since: 0 },
    { op: 'subscribe', id: 'a', topic: 't', since: 1714564800000 },
    { op: 'subscribe', id: 'a', topic: 't', since: '2024-05-01' },
    { op: 'subscribe', id: 'a', topic: 't', since: '2024-05-01T12:00Z' },
    { op: 'subscribe', id: 'a', topic: 't', since: '2024-05-01T12:00:00.123456+02:00' },
    { op: 'subscribe', id: 'a', topic: 't', last: 1 },
    { op: 'subscribe', id: 'a', topic: 't', last: MAX_HISTORY },
    { op: 'subscribe', id: 'a', topic: 't', resume: { '0': 0, '1': 42, '17': 9_007_199_254_740_991 } },
    { op: 'subscribe', id: 'a', topic: 't', resume: {} },
    { op: 'unsubscribe', id: 'a' },
    { op: 'ping' },
    { op: 'ping', t: -1.5 },
  ])('%j', (frame) => {
    expect(parseClientFrame(json(frame))).toEqual({ ok: true, frame });
    expect(parseClientFrame(Buffer.from(json(frame)))).toEqual({ ok: true, frame });
  });

  it('a frame of exactly the limit, counted in UTF-8 bytes', () => {
    const frame = json({ op: 'subscribe', id: 'a', topic: 't', key: 'é'.repeat(100) });
    const bytes = Buffer.byteLength(frame);
    expect(parseClientFrame(frame, bytes).ok).toBe(true);
    expect(refused(frame, bytes - 1).code).toBe('frame-too-large');
  });
});

describe('parseClientFrame refuses, naming the field', () => {
  const sub = { op: 'subscribe', id: 'sub-1', topic: 'sensor.stats' };
  it.each([
    ['not JSON', '{"op":"ping"', 'invalid-json', /^frame: is not valid JSON/],
    ['an array', '[1,2]', 'invalid-frame', /^frame: must be a JSON object .*got an array/],
    ['a string', '"ping"', 'invalid-frame', /^frame: must be a JSON object .*got "ping"/],
    ['null', 'null', 'invalid-frame', /^frame: must be a JSON object .*got null/],
    ['a missing op', json({ id: 'a' }), 'unknown-op', /^op: is required; the ops are subscribe, unsubscribe, ping/],
    ['an unknown op', json({ op: 'sub', id: 'a' }), 'unknown-op', /^op: must be one of "subscribe", "unsubscribe", "ping" \(got "sub"\)/],
    ['a non-string op', json({ op: 1 }), 'unknown-op', /^op: must be one of .*\(got 1\)/],
    ['a missing id', json({ op: 'subscribe', topic: 't' }), 'invalid-id', /^id: must be a string of 1-64 characters.*got nothing/],
    ['an empty id', json({ ...sub, id: '' }), 'invalid-id', /^id: .*\(got ""\)/],
    ['a long id', json({ ...sub, id: 'x'.repeat(65) }), 'invalid-id', /^id: must be a string of 1-64/],
    ['a numeric id', json({ ...sub, id: 7 }), 'invalid-id', /^id: .*\(got 7\)/],
    ['an unsubscribe without id', json({ op: 'unsubscribe' }), 'invalid-id', /^id: /],
    ['a missing topic', json({ op: 'subscribe', id: 'a' }), 'invalid-topic', /^topic: must be a topic name .*got nothing/],
    ['an empty topic', json({ ...sub, topic: '' }), 'invalid-topic', /^topic: .*A-Z a-z 0-9 \. _ -/],
    ['a topic with a space', json({ ...sub, topic: 'a b' }), 'invalid-topic', /^topic: .*\(got "a b"\)/],
    ['a topic with a slash', json({ ...sub, topic: 'a/b' }), 'invalid-topic', /^topic: /],
    ['a 250-character topic', json({ ...sub, topic: 'a'.repeat(250) }), 'invalid-topic', /^topic: .*1-249 characters/],
    ['the topic "."', json({ ...sub, topic: '.' }), 'invalid-topic', /^topic: /],
    ['the topic ".."', json({ ...sub, topic: '..' }), 'invalid-topic', /^topic: /],
    ['a numeric key', json({ ...sub, key: 5 }), 'invalid-key', /^key: must be a string.*\(got 5\)/],
    ['a null key', json({ ...sub, key: null }), 'invalid-key', /^key: .*\(got null\)/],
    ['last 0', json({ ...sub, last: 0 }), 'invalid-last', /^last: must be a whole number of records from 1 to 10000 \(got 0\)/],
    ['last over the maximum', json({ ...sub, last: MAX_HISTORY + 1 }), 'invalid-last', /^last: .*\(got 10001\)/],
    ['a fractional last', json({ ...sub, last: 2.5 }), 'invalid-last', /^last: .*\(got 2.5\)/],
    ['a string last', json({ ...sub, last: '10' }), 'invalid-last', /^last: .*\(got "10"\)/],
    ['since a word', json({ ...sub, since: 'yesterday' }), 'invalid-since', /^since: must be a time, epoch milliseconds .* ISO-8601 .*\(got "yesterday"\)/],
    ['since negative', json({ ...sub, since: -1 }), 'invalid-since', /^since: .*\(got -1\)/],
    ['since fractional', json({ ...sub, since: 1.5 }), 'invalid-since', /^since: .*\(got 1.5\)/],
    ['since a time without zone', json({ ...sub, since: '2024-05-01T12:00:00' }), 'invalid-since', /^since: .*with its zone/],
    ['since February 30th', json({ ...sub, since: '2024-02-30' }), 'invalid-since', /^since: .*\(got "2024-02-30"\)/],
    ['since hour 24', json({ ...sub, since: '2024-05-01T24:00:00Z' }), 'invalid-since', /^since: /],
    ['since an object', json({ ...sub, since: {} }), 'invalid-since', /^since: .*\(got \{\}\)/],
    ['since and last', json({ ...sub, since: 0, last: 5 }), 'conflicting-fields', /^since, last: send at most one of since, last and resume \(got since and last\)/],
    ['last and resume', json({ ...sub, last: 5, resume: { '0': 1 } }), 'conflicting-fields', /^last, resume: send at most one/],
    ['all three', json({ ...sub, since: 0, last: 5, resume: {} }), 'conflicting-fields', /^since, last, resume: /],
    ['resume an array', json({ ...sub, resume: [1] }), 'invalid-resume', /^resume: must be an object of next offsets by partition.*\(got \[1\]\)/],
    ['resume a number', json({ ...sub, resume: 4 }), 'invalid-resume', /^resume: must be an object/],
    ['a negative offset', json({ ...sub, resume: { '0': -1 } }), 'invalid-resume', /^resume\.0: must be the next offset to read, a whole number >= 0 \(got -1\)/],
    ['a fractional offset', json({ ...sub, resume: { '2': 1.5 } }), 'invalid-resume', /^resume\.2: .*\(got 1.5\)/],
    ['a string offset', json({ ...sub, resume: { '0': '5' } }), 'invalid-resume', /^resume\.0: .*\(got "5"\)/],
    ['a partition that is a word', json({ ...sub, resume: { p0: 1 } }), 'invalid-resume', /^resume: "p0" is not a partition; keys must be partition numbers/],
    ['a negative partition', json({ ...sub, resume: { '-1': 1 } }), 'invalid-resume', /^resume: "-1" is not a partition/],
    ['a fractional partition', json({ ...sub, resume: { '1.5': 1 } }), 'invalid-resume', /^resume: "1.5" is not a partition/],
    ['a partition with a leading zero', json({ ...sub, resume: { '01': 1 } }), 'invalid-resume', /^resume: "01" is not a partition/],
    ['an unknown field', json({ ...sub, from: 'start' }), 'unknown-field', /^from: is not a field of a subscribe frame; its fields are op, id, topic, key, since, last, resume/],
    ['a misspelt field', json({ op: 'subscribe', id: 'a', topc: 't' }), 'unknown-field', /^topc: is not a field/],
    ['an id on a ping', json({ op: 'ping', id: 'a' }), 'unknown-field', /^id: is not a field of a ping frame; its fields are op, t/],
    ['an extra field on unsubscribe', json({ op: 'unsubscribe', id: 'a', topic: 't' }), 'unknown-field', /^topic: is not a field of a unsubscribe frame/],
    ['a string t', json({ op: 'ping', t: 'now' }), 'invalid-t', /^t: must be a number.*\(got "now"\)/],
  ])('%s', (_name, raw, code, message) => {
    const error = refused(raw);
    expect(error.type).toBe('error');
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('a frame too large, before parsing it', () => {
    const big = `{"op":"ping",${' '.repeat(MAX_FRAME_BYTES)}`; // also not JSON: size wins
    const error = refused(big);
    expect(error.code).toBe('frame-too-large');
    expect(error.message).toBe(`frame: is ${big.length} bytes, more than the limit of ${MAX_FRAME_BYTES}; send smaller frames (a subscribe needs far less)`);
    expect(refused(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20)).code).toBe('frame-too-large');
    // 40 000 characters, 120 000 bytes: counted in bytes.
    expect(refused(json({ op: 'subscribe', id: 'a', topic: 't', key: '€'.repeat(40_000) })).code).toBe('frame-too-large');
  });

  it('bytes that are not UTF-8', () => {
    const error = refused(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(error.code).toBe('invalid-json');
    expect(error.message).toMatch(/^frame: is not UTF-8 text/);
  });

  it('reports the id when the frame has a usable one, so the client knows which request failed', () => {
    expect(refused(json({ op: 'subscribe', id: 'mine', topic: 'a b' })).id).toBe('mine');
    expect(refused(json({ op: 'subscribe', id: 'mine', topic: 't', last: 0, since: 0 })).id).toBe('mine');
    expect(refused(json({ op: 'subscribe', id: '', topic: 't' }))).not.toHaveProperty('id');
    expect(refused(json({ op: 'subscribe', id: 3, topic: 't' }))).not.toHaveProperty('id');
    expect(refused('[]')).not.toHaveProperty('id');
  });

  it('reports one problem, always the same: unknown fields, then fields in a fixed order', () => {
    const frame = { op: 'subscribe', id: '', topic: '', last: 0, extra: 1 };
    expect(refused(json(frame)).code).toBe('unknown-field');
    const { extra: _, ...rest } = frame;
    expect(refused(json(rest)).code).toBe('invalid-id');
    expect(refused(json({ ...rest, id: 'a' })).code).toBe('invalid-topic');
    expect(refused(json({ ...rest, id: 'a', topic: 't' })).code).toBe('invalid-last');
  });
});

describe('sinceToMillis', () => {
  it('reads epoch milliseconds, dates (UTC midnight) and times with their zone', () => {
    expect(sinceToMillis(1234)).toBe(1234);
    expect(sinceToMillis('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(sinceToMillis('2024-05-01T12:30Z')).toBe(Date.UTC(2024, 4, 1, 12, 30));
    expect(sinceToMillis('2024-05-01T12:30:15.5Z')).toBe(Date.UTC(2024, 4, 1, 12, 30, 15, 500));
    expect(sinceToMillis('2024-05-01T14:30:00+02:00')).toBe(Date.UTC(2024, 4, 1, 12, 30));
    expect(sinceToMillis('2024-05-01T07:00:00-05:30')).toBe(Date.UTC(2024, 4, 1, 12, 30));
    expect(sinceToMillis('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it('is NaN for what is not a calendar time', () => {
    for (const s of ['2023-02-29', '2024-13-01', '2024-05-32', '2024-05-01T12:60Z', '2024-05-01T12:00:61Z', '2024-05-01T12:00+24:00', 'soon', '']) {
      expect(sinceToMillis(s), s).toBeNaN();
    }
  });
});

describe('server frames', () => {
  it('serialize to JSON, leaving out absent optional fields', () => {
    const frames: ServerFrame[] = [
      { type: 'subscribed', id: 'a', topic: 't', partitions: 2, offsets: { '0': 5, '1': 0 } },
      { type: 'snapshot', id: 'a', records: [{ topic: 't', partition: 0, offset: 4, timestamp: 1, key: null, value: { x: 1 } }], complete: true },
      { type: 'record', id: 'a', topic: 't', partition: 1, offset: 9, timestamp: 2, key: 'k', value: null },
      { type: 'missed', id: 'a', count: 3, conflated: true },
      { type: 'error', code: 'invalid-json', message: 'frame: ...' },
      { type: 'pong', t: 5 },
      { type: 'pong' },
      { type: 'unsubscribed', id: 'a' },
    ];
    for (const frame of frames) expect(JSON.parse(serializeServerFrame(frame))).toEqual(frame);
    expect(serializeServerFrame({ type: 'pong' })).toBe('{"type":"pong"}');
  });
});

describe('limits and docs/websocket.md', () => {
  const doc = readFileSync(new URL('../../../docs/websocket.md', import.meta.url), 'utf8');
  const exampleLines = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim() !== ''));

  it('exports the limits', () => {
    expect([MAX_FRAME_BYTES, MAX_HISTORY, MAX_SUBSCRIPTIONS_PER_CLIENT]).toEqual([65_536, 10_000, 100]);
  });

  it('documents every error code, each kebab-case', () => {
    for (const code of WS_ERROR_CODES) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(doc, code).toContain(`| \`${code}\` |`);
    }
  });

  it('shows client frames that parse and server frames of every type', () => {
    const client = exampleLines.filter((l) => l.startsWith('{"op"'));
    expect(client.length).toBeGreaterThanOrEqual(10);
    for (const line of client) expect(parseClientFrame(line), line).toMatchObject({ ok: true });
    const types = new Set(exampleLines.filter((l) => l.startsWith('{"type"')).map((l) => (JSON.parse(l) as ServerFrame).type));
    expect([...types].sort()).toEqual(['error', 'missed', 'pong', 'record', 'snapshot', 'subscribed', 'unsubscribed']);
  });
});
