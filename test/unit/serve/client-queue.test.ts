import { describe, expect, it } from 'vitest';
import { ClientQueue, type ClientQueueOptions } from '../../../src/serve/ws/client-queue.js';
import type { RecordFrame, ServerFrame } from '../../../src/serve/ws/protocol.js';

/** A socket whose send buffer the test controls: `blocked` makes it report a full buffer. */
class FakeSocket {
  readonly texts: string[] = [];
  buffered = 0;
  blocked = false;
  /** When set, each send adds its length to the buffer (a socket that does not flush). */
  accumulate = false;
  send = (text: string) => {
    this.texts.push(text);
    if (this.accumulate) this.buffered += text.length;
  };
  bufferedAmount = () => (this.blocked ? Number.MAX_SAFE_INTEGER : this.buffered);
  frames(): ServerFrame[] {
    return this.texts.map((t) => JSON.parse(t) as ServerFrame);
  }
  /** The received frames in short form: `a:k1@3` for records, `missed a 2`, or the type. */
  summary(): string[] {
    return this.frames().map((f) => {
      if (f.type === 'record') return `${f.id}:${f.key}@${f.offset}`;
      if (f.type === 'missed') return `missed ${f.id} ${f.count}`;
      return f.type;
    });
  }
}

function rec(id: string, key: string | null, offset: number): RecordFrame {
  return { type: 'record', id, topic: 't', partition: 0, offset, timestamp: offset, key, value: { v: offset } };
}

function setup(options: ClientQueueOptions = {}) {
  const socket = new FakeSocket();
  const queue = new ClientQueue(socket, options);
  const push = (id: string, key: string | null, offset: number) => queue.enqueueRecord(id, key, rec(id, key, offset));
  return { socket, queue, push };
}

function expectBalanced(queue: ClientQueue) {
  const s = queue.stats();
  expect(s.sentRecords + s.queuedRecords + s.missed).toBe(s.enqueuedRecords);
  expect(s.queued).toBe(s.queuedRecords + s.queuedControl);
  expect(s.indexedKeys).toBeLessThanOrEqual(s.queuedRecords);
}

describe('ClientQueue with a client that keeps up', () => {
  it('sends every frame at once, in order, queueing nothing', () => {
    const { socket, queue, push } = setup();
    queue.enqueueControl({ type: 'subscribed', id: 'a', topic: 't', partitions: 1, offsets: { '0': 0 } });
    for (let i = 0; i < 5000; i++) push('a', `k${i % 7}`, i);
    queue.enqueueControl({ type: 'unsubscribed', id: 'a' });
    const frames = socket.frames();
    expect(frames).toHaveLength(5002);
    expect(frames[0]!.type).toBe('subscribed');
    expect(frames.slice(1, -1).map((f) => (f as RecordFrame).offset)).toEqual([...Array(5000).keys()]);
    expect(frames.at(-1)!.type).toBe('unsubscribed');
    expect(queue.stats()).toMatchObject({ queued: 0, sentRecords: 5000, sentFrames: 5002, missed: 0, missedBySubscription: { a: 0 } });
  });

  it('queues behind a busy socket buffer and sends in order once it drains', () => {
    const { socket, queue, push } = setup({ maxBufferedBytes: 1000 });
    socket.buffered = 1000; // at the limit: not below it
    push('a', 'k', 1);
    queue.enqueueControl({ type: 'pong' });
    push('a', 'k', 2);
    expect(socket.texts).toEqual([]);
    expect(queue.size).toBe(3);
    socket.buffered = 999;
    queue.drain();
    expect(socket.summary()).toEqual(['a:k@1', 'pong', 'a:k@2']);
    expect(queue.size).toBe(0);
  });

  it('stops draining when the socket buffer fills, and goes on at the next drain', () => {
    const { socket, queue, push } = setup({ maxBufferedBytes: 500 });
    socket.blocked = true;
    for (let i = 0; i < 20; i++) push('a', `k${i}`, i);
    socket.blocked = false;
    socket.accumulate = true;
    queue.drain();
    const first = socket.texts.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(20);
    expect(socket.buffered).toBeGreaterThanOrEqual(500);
    socket.buffered = 0;
    queue.drain();
    socket.buffered = 0;
    queue.drain();
    socket.buffered = 0;
    queue.drain();
    expect(socket.summary()).toEqual([...Array(20).keys()].map((i) => `a:k${i}@${i}`));
  });

  it('a record enqueued while frames wait but the buffer is low drains them first', () => {
    const { socket, queue, push } = setup();
    socket.blocked = true;
    push('a', 'k', 1);
    socket.blocked = false;
    push('a', 'k', 2);
    expect(socket.summary()).toEqual(['a:k@1', 'a:k@2']);
  });
});

describe('ClientQueue with a slow client', () => {
  it('replaces a queued record of the same key in place and says how many were missed', () => {
    const { socket, queue, push } = setup({ maxQueued: 4 });
    socket.blocked = true;
    push('a', 'k1', 1);
    push('a', 'k2', 2);
    push('a', 'k3', 3);
    push('a', 'k4', 4);
    push('a', 'k2', 5); // full: replaces k2@2 where it stands
    push('a', 'k2', 6);
    push('a', 'k1', 7);
    expect(queue.stats()).toMatchObject({ queued: 4, missed: 3, missedBySubscription: { a: 3 } });
    socket.blocked = false;
    queue.drain();
    expect(socket.summary()).toEqual(['missed a 3', 'a:k1@7', 'a:k2@6', 'a:k3@3', 'a:k4@4']);
    expectBalanced(queue);
  });

  it('keeps the order of a key: the newest of its queued records is the one replaced', () => {
    const { socket, queue, push } = setup({ maxQueued: 3 });
    socket.blocked = true;
    push('a', 'k', 1);
    push('a', 'j', 2);
    push('a', 'k', 3); // not full yet: queued behind k@1
    push('a', 'k', 4); // full: replaces k@3, not k@1
    socket.blocked = false;
    queue.drain();
    expect(socket.summary()).toEqual(['missed a 1', 'a:k@1', 'a:j@2', 'a:k@4']);
  });

  it('with all keys distinct, drops the oldest record of the subscription, then of the queue', () => {
    const { socket, queue, push } = setup({ maxQueued: 4 });
    socket.blocked = true;
    push('b', 'x', 1);
    push('a', 'k1', 2);
    push('a', 'k2', 3);
    push('b', 'y', 4);
    push('a', 'k3', 5); // full, no queued k3: a's oldest (k1) goes, b is untouched
    expect(queue.stats().missedBySubscription).toEqual({ a: 1, b: 0 });
    push('c', 'z', 6); // c has nothing queued: the queue's oldest (b:x) goes
    expect(queue.stats().missedBySubscription).toEqual({ a: 1, b: 1, c: 0 });
    socket.blocked = false;
    queue.drain();
    expect(socket.summary()).toEqual(['missed a 1', 'a:k2@3', 'missed b 1', 'b:y@4', 'a:k3@5', 'c:z@6']);
    expectBalanced(queue);
  });

  it('never conflates records without a key', () => {
    const { socket, queue, push } = setup({ maxQueued: 2 });
    socket.blocked = true;
    push('a', null, 1);
    push('a', null, 2);
    push('a', null, 3);
    socket.blocked = false;
    queue.drain();
    expect(socket.summary()).toEqual(['missed a 1', 'a:null@2', 'a:null@3']);
  });

  it('sends a missed frame per episode, with the count since the previous one', () => {
    const { socket, queue, push } = setup({ maxQueued: 2 });
    socket.blocked = true;
    for (let i = 1; i <= 10; i++) push('a', 'k', i); // 2 queued (k@1, k@10 after 8 replacements)
    socket.blocked = false;
    queue.drain();
    push('a', 'k', 11); // keeps up: no missed frame
    socket.blocked = true;
    for (let i = 12; i <= 16; i++) push('a', i % 2 ? 'odd' : 'even', i); // 12 13 queued, 14-16 replace
    socket.blocked = false;
    queue.drain();
    expect(socket.summary()).toEqual(['missed a 8', 'a:k@1', 'a:k@10', 'a:k@11', 'missed a 3', 'a:even@16', 'a:odd@15']);
    expect(queue.stats()).toMatchObject({ missed: 11, sentRecords: 5, sentFrames: 7 });
    expectBalanced(queue);
  });

  it('never drops control frames: records make room for them', () => {
    const { socket, queue, push } = setup({ maxQueued: 3 });
    socket.blocked = true;
    push('a', 'k1', 1);
    push('a', 'k2', 2);
    push('a', 'k3', 3);
    expect(queue.enqueueControl({ type: 'snapshot', id: 'b', records: [], complete: true })).toBe(true);
    expect(queue.enqueueControl({ type: 'error', code: 'unknown-topic', message: 'topic: x' })).toBe(true);
    expect(queue.stats()).toMatchObject({ queued: 3, queuedControl: 2, queuedRecords: 1, missed: 2 });
    expect(queue.enqueueControl({ type: 'pong', t: 1 })).toBe(true);
    push('a', 'k4', 4); // only control frames queued: the newcomer is what is missed
    expect(queue.stats()).toMatchObject({ queued: 3, queuedControl: 3, missed: 4 });
    socket.blocked = false;
    queue.drain();
    push('a', 'k5', 5);
    expect(socket.summary()).toEqual(['snapshot', 'error', 'pong', 'missed a 4', 'a:k5@5']);
    expectBalanced(queue);
  });

  it('refuses a control frame when maxQueued of them are unread, so the endpoint can close the client', () => {
    const { socket, queue } = setup({ maxQueued: 5 });
    socket.blocked = true;
    for (let i = 0; i < 5; i++) expect(queue.enqueueControl({ type: 'pong', t: i })).toBe(true);
    expect(queue.enqueueControl({ type: 'pong', t: 5 })).toBe(false);
    expect(queue.size).toBe(5);
    socket.blocked = false;
    queue.drain();
    expect(socket.frames()).toEqual([0, 1, 2, 3, 4].map((t) => ({ type: 'pong', t })));
  });

  it('does not let one subscription evict another that has queued records', () => {
    const { socket, queue, push } = setup({ maxQueued: 10 });
    socket.blocked = true;
    for (let i = 0; i < 5; i++) push('quiet', `q${i}`, i);
    for (let i = 0; i < 1000; i++) push('busy', `b${i}`, 100 + i);
    expect(queue.stats().missedBySubscription).toEqual({ quiet: 0, busy: 995 });
    socket.blocked = false;
    queue.drain();
    expect(socket.summary().filter((s) => s.startsWith('quiet'))).toEqual([0, 1, 2, 3, 4].map((i) => `quiet:q${i}@${i}`));
  });

  it('forgets the counters of a removed subscription, but still sends what it had queued', () => {
    const { socket, queue, push } = setup({ maxQueued: 2 });
    socket.blocked = true;
    push('a', 'k', 1);
    push('a', 'k', 2);
    push('a', 'k', 3);
    queue.removeSubscription('a');
    queue.enqueueControl({ type: 'unsubscribed', id: 'a' }); // full: k@1 makes room
    expect(queue.stats().missedBySubscription).toEqual({});
    socket.blocked = false;
    queue.drain();
    expect(socket.summary()).toEqual(['missed a 2', 'a:k@3', 'unsubscribed']);
    expect(queue.stats()).toMatchObject({ missed: 2, queued: 0 });
  });

  it('refuses options that cannot work', () => {
    const socket = new FakeSocket();
    expect(() => new ClientQueue(socket, { maxQueued: 0 })).toThrow(/maxQueued: must be a whole number >= 1 \(got 0\)/);
    expect(() => new ClientQueue(socket, { maxQueued: 1.5 })).toThrow(/maxQueued/);
    expect(() => new ClientQueue(socket, { maxBufferedBytes: 0 })).toThrow(/maxBufferedBytes: must be a number >= 1/);
  });
});

describe('ClientQueue under load', () => {
  it('gives a client that never reads the latest value of every key, when the keys fit in the queue', () => {
    const { socket, queue, push } = setup({ maxQueued: 100 });
    socket.blocked = true;
    const latest = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      push('a', `k${i % 50}`, i);
      latest.set(`k${i % 50}`, i);
    }
    // Two rounds fill the queue; every later record finds its key queued and replaces it.
    expect(queue.stats()).toMatchObject({ queued: 100, missed: 50_000 - 100 });
    socket.blocked = false;
    queue.drain();
    const got = new Map<string, number>();
    for (const f of socket.frames()) if (f.type === 'record') got.set(f.key!, f.offset);
    expect(got).toEqual(latest);
    expect(socket.summary().slice(0, 3)).toEqual(['missed a 49900', 'a:k0@0', 'a:k1@1']);
  });

  it('stays within maxQueued through 1,000,000 records to a client that never reads', () => {
    const { socket, queue } = setup({ maxQueued: 1000 });
    socket.blocked = true;
    const frame = rec('a', 'k', 0); // one frame object: the test measures the queue, not its input
    for (let i = 0; i < 1_000_000; i++) {
      queue.enqueueRecord(i % 3 === 0 ? 'a' : 'b', `k${i}`, frame);
      if (i % 10_000 === 0) expect(queue.size).toBeLessThanOrEqual(1000);
    }
    const s = queue.stats();
    expect(s).toMatchObject({ queued: 1000, queuedRecords: 1000, enqueuedRecords: 1_000_000, sentRecords: 0, sentFrames: 0, missed: 999_000 });
    expect(s.missedBySubscription['a']! + s.missedBySubscription['b']!).toBe(999_000);
    expect(s.indexedKeys).toBe(1000);
    expect(socket.texts).toEqual([]);
    expectBalanced(queue);
  });

  it('conflates 1,000,000 updates of 300 keys to a client that reads a little: order per key, exact missed counts', () => {
    // A record frame is about 110 bytes: a drain sends about 100 of them.
    const { socket, queue } = setup({ maxQueued: 500, maxBufferedBytes: 11_000 });
    const lastSent = new Map<string, number>();
    const lastEnqueued = new Map<string, number>();
    socket.blocked = true;
    for (let i = 0; i < 1_000_000; i++) {
      const id = ['a', 'b', 'c'][i % 3]!;
      const key = `k${(i * 7919) % 100}`;
      queue.enqueueRecord(id, key, rec(id, key, i));
      lastEnqueued.set(`${id}:${key}`, i);
      if (i % 1000 === 999) {
        // The client reads a little now and then: 100 frames' worth.
        socket.blocked = false;
        socket.accumulate = true;
        socket.buffered = 0;
        queue.drain();
        socket.accumulate = false;
        socket.blocked = true;
      }
      if (i % 50_000 === 0) expect(queue.size).toBeLessThanOrEqual(500);
    }
    socket.blocked = false;
    socket.buffered = 0;
    queue.drain();

    let missedFromFrames = 0;
    const outOfOrder: string[] = [];
    for (const f of socket.frames()) {
      if (f.type === 'missed') missedFromFrames += f.count;
      if (f.type !== 'record') continue;
      const k = `${f.id}:${f.key}`;
      if (f.offset <= (lastSent.get(k) ?? -1)) outOfOrder.push(`${k}@${f.offset}`);
      lastSent.set(k, f.offset);
    }
    expect(outOfOrder).toEqual([]);
    expect([...lastSent.keys()].sort()).toEqual([...lastEnqueued.keys()].sort());
    const s = queue.stats();
    expect(s.missed).toBeGreaterThan(0);
    expect(s.sentRecords + s.missed).toBe(1_000_000);
    // Counts still pending go out before each subscription's next record.
    for (const id of ['a', 'b', 'c']) queue.enqueueRecord(id, 'end', rec(id, 'end', 0));
    for (const f of socket.frames().slice(s.sentFrames)) if (f.type === 'missed') missedFromFrames += f.count;
    expect(missedFromFrames).toBe(s.missed);
    expectBalanced(queue);
  });
});

describe('ClientQueue byte bound', () => {
  it('keeps the queued bytes under maxQueuedBytes whatever the value size, and accounts for every record', () => {
    const { socket, queue } = setup({ maxQueued: 1000, maxQueuedBytes: 256 * 1024 });
    socket.blocked = true;
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 5_000; i++) {
      queue.enqueueRecord('s', `k${i % 700}`, { ...rec('s', `k${i % 700}`, i), value: { v: i, big } });
      expect(queue.stats().queuedBytes).toBeLessThanOrEqual(256 * 1024);
    }
    const stats = queue.stats();
    // 10 KB values: about 25 fit in 256 KiB, far fewer than the 1,000-frame bound.
    expect(stats.queuedRecords).toBeGreaterThan(10);
    expect(stats.queuedRecords).toBeLessThan(30);
    expect(stats.sentRecords + stats.queuedRecords + stats.missed).toBe(5_000);
    socket.blocked = false;
    queue.drain();
    expect(queue.stats().queuedBytes).toBe(0);
    // What was kept is the newest: the last record enqueued arrives.
    expect(socket.summary().at(-1)).toBe(`s:k${4_999 % 700}@4999`);
  });
});
