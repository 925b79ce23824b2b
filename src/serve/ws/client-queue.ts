/**
 * The send queue of one WebSocket client: a slow client never grows server memory and
 * never slows the others, because what it cannot take is conflated or dropped here, per
 * client, instead of piling up in the socket.
 *
 * - Frames go straight to the socket while its buffer is below `maxBufferedBytes` and
 *   nothing is queued; otherwise they queue, FIFO, at most `maxQueued` frames and
 *   `maxQueuedBytes` bytes in all, records and control frames together (so big values or
 *   big snapshot pages cannot make a full queue big). What one client holds is therefore
 *   at most maxBufferedBytes + one frame in the socket plus maxQueuedBytes here.
 * - A record arriving at a full queue replaces the queued record of the same
 *   subscription and key in place (so a key's updates stay in order and a busy key is
 *   not starved by being sent to the back); with no such record, the oldest queued record
 *   of that subscription goes, else the oldest of the queue. Either way the subscription
 *   is counted as having missed one, and before its next record is sent the client gets
 *   one `missed` frame with the count.
 * - Control frames (subscribed, snapshot, error, pong, unsubscribed...) are never dropped:
 *   records make room for them. A client that leaves `maxQueued` control frames or
 *   `maxQueuedBytes` of them unread is not reading at all: `enqueueControl` returns false
 *   and the endpoint closes it. Snapshot pages are only written when `hasRoom()` (nothing
 *   queued, the socket below its limit), so history waits for the client instead of
 *   piling up here.
 *
 * Structure: doubly linked lists, not a ring. A full queue evicts a subscription's oldest
 * record, which is usually mid-queue; unlinking it is O(1) and leaves no hole, whereas a
 * ring would need tombstones that still take slots (so `maxQueued` would bound slots, not
 * frames) and a compaction pass. Each record node is in two lists (the queue's records,
 * its subscription's records), and a Map per subscription from key to the newest queued
 * node of that key makes the conflation lookup O(1). Control frames have their own FIFO;
 * a sequence number taken at enqueue tells which of the two heads goes first.
 */
import { FastdataError } from '../../errors.js';
import { recordValueJson, serializeServerFrame, type MissedFrame, type RecordFrame, type ServerFrame } from './protocol.js';

/** The socket as the queue sees it (with ws: `send: (t) => ws.send(t)`, `bufferedAmount: () => ws.bufferedAmount`). */
export interface QueueSink {
  send(text: string): void;
  bufferedAmount(): number;
}

export interface ClientQueueOptions {
  /** Most frames queued for this client, records and control frames together. */
  maxQueued?: number;
  /** The socket buffer (bytes) above which frames queue instead of being sent. */
  maxBufferedBytes?: number;
  /** Most bytes of frames queued, records and control frames together (their JSON text). Default 256 KiB. */
  maxQueuedBytes?: number;
}

export type ControlFrame = Exclude<ServerFrame, RecordFrame>;

export interface ClientQueueStats {
  queued: number;
  queuedRecords: number;
  queuedControl: number;
  /** Bytes of the queued frames, records and control frames (never more than maxQueuedBytes). */
  queuedBytes: number;
  /** Of queuedBytes, those of control frames. */
  queuedControlBytes: number;
  /** Record frames given to enqueueRecord; always sentRecords + queuedRecords + missed. */
  enqueuedRecords: number;
  sentRecords: number;
  /** Every frame written to the socket: records, control frames and missed notices. */
  sentFrames: number;
  missed: number;
  /** Missed records per subscription since it started (until removeSubscription). */
  missedBySubscription: Record<string, number>;
  /** Entries of the conflation index; never more than queuedRecords. */
  indexedKeys: number;
}

interface Subscription {
  id: string;
  /** Oldest and newest queued record of this subscription. */
  head: RecordNode | undefined;
  tail: RecordNode | undefined;
  /** Newest queued record per key: the one a newer record of that key replaces. */
  byKey: Map<string, RecordNode>;
  /** Missed since the last missed frame sent. */
  missedPending: number;
  missedTotal: number;
}

interface RecordNode {
  seq: number;
  sub: Subscription;
  key: string | null;
  frame: RecordFrame;
  /** Its size as sent: counted against maxQueuedBytes. */
  bytes: number;
  prev: RecordNode | undefined;
  next: RecordNode | undefined;
  subPrev: RecordNode | undefined;
  subNext: RecordNode | undefined;
}

interface ControlEntry {
  seq: number;
  /** Serialised when queued, so its size is known and counted. */
  text: string;
}

export const DEFAULT_MAX_QUEUED = 1000;
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
export const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024;
/** The fields around a value in a record frame, roughly: type, id, topic, partition, offset, timestamp, key. */
const FRAME_OVERHEAD_BYTES = 128;

function frameBytes(frame: RecordFrame): number {
  return recordValueJson(frame.value).length + FRAME_OVERHEAD_BYTES + frame.id.length + frame.topic.length + (frame.key?.length ?? 0);
}

export class ClientQueue {
  private readonly sink: QueueSink;
  private readonly maxQueued: number;
  private readonly maxBufferedBytes: number;
  private readonly maxQueuedBytes: number;
  /** Bytes of queued record frames. */
  private queuedBytes = 0;
  private controlBytes = 0;
  private readonly subs = new Map<string, Subscription>();
  private recordHead: RecordNode | undefined;
  private recordTail: RecordNode | undefined;
  private recordCount = 0;
  // An array with a moving head: shift() would be O(n) on a long control backlog.
  private controls: (ControlEntry | undefined)[] = [];
  private controlHead = 0;
  private seq = 0;
  private readonly counts = { enqueuedRecords: 0, sentRecords: 0, sentFrames: 0, missed: 0, sentBytes: 0 };

  constructor(sink: QueueSink, options: ClientQueueOptions = {}) {
    this.sink = sink;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    if (!(this.maxQueuedBytes >= 1)) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `maxQueuedBytes: must be a number >= 1 (got ${this.maxQueuedBytes})`, { context: { field: 'maxQueuedBytes' } });
    }
    if (!Number.isInteger(this.maxQueued) || this.maxQueued < 1) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `maxQueued: must be a whole number >= 1 (got ${this.maxQueued})`, { context: { field: 'maxQueued' } });
    }
    if (!(this.maxBufferedBytes >= 1)) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `maxBufferedBytes: must be a number >= 1 (got ${this.maxBufferedBytes})`, { context: { field: 'maxBufferedBytes' } });
    }
  }

  /** Bytes of the frames waiting for the socket (stats().queuedBytes, without building the stats). */
  get bytes(): number {
    return this.queuedBytes + this.controlBytes;
  }

  /** Bytes (UTF-16 units of the frames' text) written to the socket since the queue began. */
  get sentBytes(): number {
    return this.counts.sentBytes;
  }

  /** Records missed since the queue began (stats().missed). */
  get missedTotal(): number {
    return this.counts.missed;
  }

  get limits(): { maxQueued: number; maxBufferedBytes: number; maxQueuedBytes: number } {
    return { maxQueued: this.maxQueued, maxBufferedBytes: this.maxBufferedBytes, maxQueuedBytes: this.maxQueuedBytes };
  }

  /** Frames waiting for the socket. */
  get size(): number {
    return this.recordCount + this.controls.length - this.controlHead;
  }

  /**
   * A live record of subscription `subscriptionId`. `key` is what conflation groups by:
   * null (a record without a key) is never conflated, only dropped oldest-first.
   */
  enqueueRecord(subscriptionId: string, key: string | null, frame: RecordFrame): void {
    this.counts.enqueuedRecords++;
    const sub = this.subscription(subscriptionId);
    if (this.size === 0 && this.writable()) {
      this.sendRecord(sub, frame);
      return;
    }
    const bytes = frameBytes(frame);
    const full = () => this.size >= this.maxQueued || this.queuedBytes + this.controlBytes + bytes > this.maxQueuedBytes;
    if (full()) {
      const same = key === null ? undefined : sub.byKey.get(key);
      if (same) {
        this.queuedBytes += bytes - same.bytes;
        same.frame = frame;
        same.bytes = bytes;
        this.miss(same.sub);
        // A bigger value may have pushed the bytes over: the oldest others make room.
        while (this.queuedBytes + this.controlBytes > this.maxQueuedBytes && this.evictOldest(sub, same)) {}
        return;
      }
      while (full()) {
        if (!this.evictOldest(sub, undefined)) {
          // Only control frames are queued: the newcomer is the one record that can go.
          this.miss(sub);
          return;
        }
      }
    }
    this.append(sub, key, frame, bytes);
    if (this.writable()) this.drain();
  }

  /** Drops the subscription's oldest queued record (else the queue's), never `keep`; false when there is none. */
  private evictOldest(sub: Subscription, keep: RecordNode | undefined): boolean {
    const skipKeep = (first: RecordNode | undefined, next: (n: RecordNode) => RecordNode | undefined) => (first !== undefined && first === keep ? next(first) : first);
    const victim = skipKeep(sub.head, (n) => n.subNext) ?? skipKeep(this.recordHead, (n) => n.next);
    if (victim === undefined) return false;
    this.unlink(victim);
    this.miss(victim.sub);
    return true;
  }

  /**
   * A frame that must arrive: false when the client has let maxQueued of them, or
   * maxQueuedBytes of them, pile up (close it). Records make room for it.
   */
  enqueueControl(frame: ControlFrame): boolean {
    const text = serializeServerFrame(frame);
    if (this.size === 0 && this.writable()) {
      this.write(text);
      return true;
    }
    const queuedControl = this.controls.length - this.controlHead;
    if (queuedControl >= this.maxQueued || this.controlBytes + text.length > this.maxQueuedBytes) return false;
    while ((this.size >= this.maxQueued || this.queuedBytes + this.controlBytes + text.length > this.maxQueuedBytes) && this.recordHead !== undefined) {
      // Fewer than maxQueued control frames, within the bytes: records are what goes.
      const victim = this.recordHead;
      this.unlink(victim);
      this.miss(victim.sub);
    }
    this.controls.push({ seq: this.seq++, text });
    this.controlBytes += text.length;
    if (this.writable()) this.drain();
    return true;
  }

  /**
   * Whether a big frame (a snapshot page) may be written now: everything queued has gone
   * to the socket and the socket is below its limit. The page is then written at once,
   * never queued, so history waits for a slow client rather than filling its queue.
   */
  hasRoom(): boolean {
    if (this.size > 0 && this.writable()) this.drain();
    return this.size === 0 && this.writable();
  }

  /** Counts `count` records of a subscription as missed (the endpoint dropped them before they reached the queue). */
  noteMissed(subscriptionId: string, count: number): void {
    const sub = this.subscription(subscriptionId);
    sub.missedPending += count;
    sub.missedTotal += count;
    this.counts.missed += count;
    this.counts.enqueuedRecords += count;
  }

  /** Drops everything queued (the client has gone): its memory is free at once. */
  clear(): void {
    this.recordHead = this.recordTail = undefined;
    this.recordCount = 0;
    this.queuedBytes = 0;
    this.controls = [];
    this.controlHead = 0;
    this.controlBytes = 0;
    this.subs.clear();
  }

  /** Sends queued frames, oldest first, while the socket takes them; call on drain and on a timer. */
  drain(): void {
    while (this.size > 0 && this.writable()) {
      const control = this.controls[this.controlHead];
      const record = this.recordHead;
      if (record !== undefined && (control === undefined || record.seq < control.seq)) {
        this.unlink(record);
        this.sendRecord(record.sub, record.frame);
      } else {
        this.controls[this.controlHead++] = undefined; // let the sent frame be collected
        if (this.controlHead > 1024 && this.controlHead * 2 > this.controls.length) {
          this.controls = this.controls.slice(this.controlHead);
          this.controlHead = 0;
        }
        this.controlBytes -= control!.text.length;
        this.write(control!.text);
      }
    }
  }

  /**
   * Forgets a subscription's counters once it has ended. Its records already queued are
   * still sent, ahead of the `unsubscribed` frame the endpoint queues after calling this.
   */
  removeSubscription(subscriptionId: string): void {
    this.subs.delete(subscriptionId);
  }

  stats(): ClientQueueStats {
    const missedBySubscription: Record<string, number> = {};
    let indexedKeys = 0;
    for (const sub of this.subs.values()) {
      missedBySubscription[sub.id] = sub.missedTotal;
      indexedKeys += sub.byKey.size;
    }
    return {
      queued: this.size,
      queuedRecords: this.recordCount,
      queuedControl: this.controls.length - this.controlHead,
      queuedBytes: this.queuedBytes + this.controlBytes,
      queuedControlBytes: this.controlBytes,
      enqueuedRecords: this.counts.enqueuedRecords,
      sentRecords: this.counts.sentRecords,
      sentFrames: this.counts.sentFrames,
      missed: this.counts.missed,
      missedBySubscription,
      indexedKeys,
    };
  }

  private writable(): boolean {
    return this.sink.bufferedAmount() < this.maxBufferedBytes;
  }

  private write(text: string): void {
    this.sink.send(text);
    this.counts.sentFrames++;
    this.counts.sentBytes += text.length;
  }

  private sendRecord(sub: Subscription, frame: RecordFrame): void {
    if (sub.missedPending > 0) {
      const missed: MissedFrame = { type: 'missed', id: sub.id, count: sub.missedPending, conflated: true };
      sub.missedPending = 0;
      this.write(serializeServerFrame(missed));
    }
    this.write(serializeServerFrame(frame));
    this.counts.sentRecords++;
  }

  private miss(sub: Subscription): void {
    sub.missedPending++;
    sub.missedTotal++;
    this.counts.missed++;
  }

  private subscription(id: string): Subscription {
    let sub = this.subs.get(id);
    if (sub === undefined) {
      sub = { id, head: undefined, tail: undefined, byKey: new Map(), missedPending: 0, missedTotal: 0 };
      this.subs.set(id, sub);
    }
    return sub;
  }

  private append(sub: Subscription, key: string | null, frame: RecordFrame, bytes: number): void {
    const node: RecordNode = { seq: this.seq++, sub, key, frame, bytes, prev: this.recordTail, next: undefined, subPrev: sub.tail, subNext: undefined };
    this.queuedBytes += bytes;
    if (this.recordTail) this.recordTail.next = node;
    else this.recordHead = node;
    this.recordTail = node;
    if (sub.tail) sub.tail.subNext = node;
    else sub.head = node;
    sub.tail = node;
    // The newest of its key: replacing it (not an older one) keeps the key's order.
    if (key !== null) sub.byKey.set(key, node);
    this.recordCount++;
  }

  private unlink(node: RecordNode): void {
    if (node.prev) node.prev.next = node.next;
    else this.recordHead = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.recordTail = node.prev;
    const sub = node.sub;
    if (node.subPrev) node.subPrev.subNext = node.subNext;
    else sub.head = node.subNext;
    if (node.subNext) node.subNext.subPrev = node.subPrev;
    else sub.tail = node.subPrev;
    if (node.key !== null && sub.byKey.get(node.key) === node) sub.byKey.delete(node.key);
    node.prev = node.next = node.subPrev = node.subNext = undefined;
    this.recordCount--;
    this.queuedBytes -= node.bytes;
  }
}
