/**
 * The JSON examples of docs/websocket.md and docs/alerts.md against the code, so the docs
 * cannot drift again (issue 17: docs/alerts.md told clients to send
 * `{"type":"subscribe",...}`, which the endpoint refuses: the protocol's field is `op`).
 *
 * - A ```json block after `<!-- checked: ws frames -->` holds one frame per line: a line
 *   with `op` must pass the endpoint's own parser (parseClientFrame); a line with `type`
 *   must be a server frame of the protocol, with the fields its type has and no other.
 *   Every ```json block of docs/websocket.md is marked so.
 * - Inline code in both pages that is a JSON object with `op`, or with a `type` naming a
 *   client op, must pass the parser too (the old mistake was inline, in a table).
 * - The block after `<!-- checked: alert payload -->` has the fields of a webhook payload.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../src/alerts/engine/index.js';
import { makeNotification } from '../../../src/alerts/engine/notification.js';
import type { EngineRule } from '../../../src/alerts/engine/rule.js';
import { toPayload } from '../../../src/alerts/receivers/notification.js';
import { parseClientFrame, WS_ERROR_CODES } from '../../../src/serve/ws/protocol.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const read = (page: string) => readFileSync(join(ROOT, 'docs', page), 'utf8');
const PAGES = ['websocket.md', 'alerts.md'];

/** The ```json blocks of a page, with the marker that comes right before each (if any). */
function jsonBlocks(text: string): { marker: string | undefined; body: string; line: number }[] {
  const blocks = [];
  for (const m of text.matchAll(/(?:<!-- checked: ([a-z ]+) -->\n)?```json\n([\s\S]*?)\n```/g)) {
    blocks.push({ marker: m[1], body: m[2]!, line: text.slice(0, m.index).split('\n').length + (m[1] ? 2 : 1) });
  }
  return blocks;
}

/** The fields of each server frame (src/serve/ws/protocol.ts): required, then optional. */
const RECORD_FIELDS = ['topic', 'partition', 'offset', 'timestamp', 'key', 'value'];
const SERVER_FRAMES: Record<string, { required: string[]; optional?: string[] }> = {
  subscribed: { required: ['id', 'topic', 'partitions', 'offsets'] },
  snapshot: { required: ['id', 'records', 'complete'] },
  record: { required: ['id', ...RECORD_FIELDS] },
  missed: { required: ['id', 'count', 'conflated'] },
  error: { required: ['code', 'message'], optional: ['id'] },
  pong: { required: [], optional: ['t'] },
  unsubscribed: { required: ['id'] },
};
const CLIENT_OPS = ['subscribe', 'unsubscribe', 'ping'];

/** What is wrong with a server frame as the docs show it, if anything. */
function serverFrameProblems(frame: Record<string, unknown>): string[] {
  const spec = SERVER_FRAMES[String(frame.type)];
  if (!spec) return [`type ${JSON.stringify(frame.type)} is not a server frame (${Object.keys(SERVER_FRAMES).join(', ')})`];
  const problems: string[] = [];
  const allowed = new Set(['type', ...spec.required, ...(spec.optional ?? [])]);
  for (const field of spec.required) if (!(field in frame)) problems.push(`${field} missing`);
  for (const field of Object.keys(frame)) if (!allowed.has(field)) problems.push(`${field} is not a field of ${String(frame.type)}`);
  if (frame.type === 'error' && !(WS_ERROR_CODES as readonly string[]).includes(String(frame.code))) problems.push(`code ${JSON.stringify(frame.code)} is not an error code`);
  if (frame.type === 'missed' && frame.conflated !== true) problems.push('conflated is always true');
  if (frame.type === 'snapshot') {
    for (const record of frame.records as Record<string, unknown>[]) {
      const keys = Object.keys(record).sort();
      if (keys.join() !== [...RECORD_FIELDS].sort().join()) problems.push(`a record has ${keys.join(', ')}, not ${RECORD_FIELDS.join(', ')}`);
    }
  }
  return problems;
}

/** Each line's verdict: '' when the line is right, else what is wrong. */
function checkFrames(body: string): { line: string; problem: string }[] {
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        return { line, problem: `not JSON: ${(error as Error).message}` };
      }
      if ('op' in frame || CLIENT_OPS.includes(String(frame.type))) {
        const parsed = parseClientFrame(line);
        return { line, problem: parsed.ok ? '' : parsed.error.message };
      }
      return { line, problem: serverFrameProblems(frame).join('; ') };
    });
}

describe('JSON examples in the docs', () => {
  it('every ```json block of docs/websocket.md is checked as frames, and each frame is one the protocol has', () => {
    const blocks = jsonBlocks(read('websocket.md'));
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.marker !== 'ws frames').map((b) => b.line)).toEqual([]);
    const checked = blocks.flatMap((b) => checkFrames(b.body));
    expect(checked.filter((c) => c.line.includes('"op"')).length).toBeGreaterThanOrEqual(8);
    expect(checked.filter((c) => c.problem !== '')).toEqual([]);
  });

  it('the WebSocket example of docs/alerts.md is a frame the endpoint takes', () => {
    const blocks = jsonBlocks(read('alerts.md')).filter((b) => b.marker === 'ws frames');
    expect(blocks).toHaveLength(1);
    const checked = checkFrames(blocks[0]!.body);
    expect(checked).toEqual([{ line: '{"op":"subscribe","id":"alerts","topic":"fastdata.alerts.ops","last":50}', problem: '' }]);
  });

  it('inline JSON that looks like a client frame is one the parser takes', () => {
    let found = 0;
    for (const page of PAGES) {
      for (const m of read(page).matchAll(/`(\{[^`\n]*\})`/g)) {
        let value: unknown;
        try {
          value = JSON.parse(m[1]!);
        } catch {
          continue; // shorthand such as { version, sentAt, ... }
        }
        const frame = value as Record<string, unknown>;
        if (!('op' in frame) && !CLIENT_OPS.includes(String(frame.type))) continue;
        found++;
        const parsed = parseClientFrame(m[1]!);
        expect(parsed.ok ? '' : `${page}: ${m[1]}: ${parsed.error.message}`).toBe('');
      }
    }
    expect(found).toBeGreaterThan(0);
  });

  it('the old example is refused by the parser, naming op (what this test guards against)', () => {
    const old = parseClientFrame('{"type":"subscribe","topic":"fastdata.alerts.ops"}');
    expect(old.ok).toBe(false);
    expect(!old.ok && old.error.code).toBe('unknown-op');
  });

  it('the webhook payload example of docs/alerts.md has the fields a payload has', () => {
    const [block] = jsonBlocks(read('alerts.md')).filter((b) => b.marker === 'alert payload');
    const example = JSON.parse(block!.body) as Record<string, unknown>;
    const rule = { name: 'overheating', severity: 'critical', labels: { team: 'plant-ops' } } as unknown as EngineRule;
    const fingerprint = fingerprintOf('overheating', 'sensor-01');
    const firing = toPayload(makeNotification(rule, fingerprint, { key: 'sensor-01', status: 'firing', startsAt: 1, seq: 0, annotations: {}, value: {} }), 2);
    expect(Object.keys(example).sort()).toEqual(Object.keys(firing).sort());
    expect(example.fingerprint).toBe(fingerprint);
    expect(example.id).toBe(`${fingerprint}:${String(example.startsAt)}`);
    expect(example.labels).toEqual({ team: 'plant-ops', alertname: 'overheating', key: 'sensor-01' });
  });
});
