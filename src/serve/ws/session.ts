/**
 * One WebSocket client of /ws: its subscriptions, each a live view listener with optional
 * history, and its bounded send queue (client-queue.ts), so a slow client gets conflated
 * updates and a count of what it missed, and never holds server memory or other clients up.
 *
 * History and live records meet exactly: a subscription registers its listener and reads
 * the view's position in the same tick, so live records are those at or after that
 * position, and history is read up to it (snapshot.ts) or taken from the view's memory.
 *
 * What a client costs is bounded, whatever it asks for and however it reads:
 * - its queue and socket buffer, in bytes (client-queue.ts);
 * - history: one subscription's at a time per client, a page at a time, each page read
 *   only once the previous one has gone to the socket (`hasRoom`), through the gate all
 *   clients share (snapshot.ts); at most a window of records per subscription;
 * - history is also flow-controlled end to end: the server pings (WebSocket level) with
 *   the count of bytes sent so far, every client answers a ping with a pong carrying the
 *   same data once it has read up to it (browsers and `ws` do so by themselves), and no
 *   page goes out while more than HISTORY_WINDOW_BYTES are unacknowledged. A client that
 *   does not read therefore costs one window of history, not the megabytes its kernel
 *   socket buffers would take before its socket looks full;
 * - live records arriving during its history wait in lists of at most MAX_PENDING per
 *   subscription and MAX_PENDING_PER_CLIENT in all (the oldest dropped and counted as
 *   missed past them);
 * - a client whose socket has taken nothing for `slowClientMs` while frames wait for it is
 *   closed with 1008 and a reason (CLOSE_SLOW_CLIENT), and so is one that leaves its
 *   control frames unread past the queue's bounds; everything it held is freed at once.
 */
import type { WebSocket } from 'ws';
import { errorMessage, isFastdataError } from '../../errors.js';
import type { AccessLayer } from '../access/access-layer.js';
import type { TopicView } from '../access/topic-view.js';
import type { ViewRecord } from '../access/view-record.js';
import { toJsonValue } from '../../schema/avro-json-schema.js';
import { ClientQueue, DEFAULT_MAX_BUFFERED_BYTES, type ClientQueueOptions, type ControlFrame } from './client-queue.js';
import { CLOSE_SLOW_CLIENT, MAX_HISTORY, MAX_SUBSCRIPTIONS_PER_CLIENT, parseClientFrame, recordValueJson, sinceToMillis, SLOW_CLIENT_MS, type SubscribeFrame, type WsRecord } from './protocol.js';
import { HistoryStream, KEY_SCAN_WINDOW, PAGE_BYTES, PAGE_RECORDS, planHistory, SnapshotGate, type HistoryPlan } from './snapshot.js';

/** Live records held per subscription while its history is sent... */
export const MAX_PENDING = 1000;
/** ...and for all the subscriptions of a client together. */
export const MAX_PENDING_PER_CLIENT = 5000;
/** History bytes sent and not yet acknowledged by a pong (see the module comment). */
export const HISTORY_WINDOW_BYTES = 256 * 1024;
/** After a close frame to a slow client, how long it has to read it before the connection is cut. */
const CLOSE_GRACE_MS = 5_000;

/**
 * The protocol form of a record, made once per record and shared by every client that
 * receives it: a thousand subscribers queue a thousand small frames around one value, not
 * a thousand copies of it (and protocol.ts serialises that value once).
 */
const wireForms = new WeakMap<ViewRecord, WsRecord>();
function wire(record: ViewRecord): WsRecord {
  let form = wireForms.get(record);
  if (form === undefined) {
    form = { ...record, value: toJsonValue(record.value) };
    wireForms.set(record, form);
  }
  return form;
}

export interface WsSessionOptions {
  queue?: ClientQueueOptions;
  /** The history gate shared by every client of the endpoint. */
  gate?: SnapshotGate;
  /** A client whose socket takes nothing for this long while frames wait is closed (1008). */
  slowClientMs?: number;
  /** Told once when the session closes a client for being slow (the endpoint counts them). */
  onSlowClose?: () => void;
  /** Live subscriptions of all clients, shared by the sessions of an endpoint, and the most there may be. */
  subscriptions?: { live: number; max: number };
  now?: () => number;
}

interface LiveSubscription {
  stop: () => void;
  /** Live records held until its history has been sent; undefined once live. */
  pending: ViewRecord[] | undefined;
  /** Pending records dropped (the oldest) past MAX_PENDING. */
  dropped: number;
}

export class WsSession {
  private readonly socket: WebSocket;
  private readonly access: AccessLayer;
  readonly queue: ClientQueue;
  private readonly gate: SnapshotGate;
  private readonly slowClientMs: number;
  private readonly maxBufferedBytes: number;
  private readonly onSlowClose: (() => void) | undefined;
  private readonly now: () => number;
  private readonly subscriptions = new Map<string, LiveSubscription>();
  /** Ids whose subscribe is still being answered (the view is started asynchronously). */
  private readonly starting = new Set<string>();
  /** Histories are sent one subscription after the other: the chain of them. */
  private histories: Promise<void> = Promise.resolve();
  private historiesWaiting = 0;
  private readonly streams = new Set<HistoryStream>();
  /** The history being sent waits for the queue to have room. */
  private roomWaiter: ((room: boolean) => void) | undefined;
  private stalledSince: number | undefined;
  private stallBuffered = 0;
  private stallAcked = 0;
  /** Flow control of history: bytes sent when the last ping went out, and acknowledged by the last pong. */
  private pingedAt = 0;
  private acked = 0;
  private readonly shared: { live: number; max: number };
  private closed = false;
  alive = true;

  constructor(socket: WebSocket, access: AccessLayer, options: WsSessionOptions = {}) {
    this.socket = socket;
    this.access = access;
    this.queue = new ClientQueue({ send: (text) => socket.send(text), bufferedAmount: () => socket.bufferedAmount }, options.queue);
    this.gate = options.gate ?? new SnapshotGate();
    this.slowClientMs = options.slowClientMs ?? SLOW_CLIENT_MS;
    this.maxBufferedBytes = options.queue?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.onSlowClose = options.onSlowClose;
    this.now = options.now ?? Date.now;
    this.shared = options.subscriptions ?? { live: 0, max: Number.POSITIVE_INFINITY };
    socket.on('message', (data: Buffer, isBinary: boolean) => void this.onMessage(data, isBinary));
    socket.on('pong', (data: Buffer) => this.onPong(data));
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Live subscriptions. */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Bytes this client holds: its socket's unsent buffer and its queue. */
  bytes(): number {
    return this.closed ? 0 : this.socket.bufferedAmount + this.queue.bytes;
  }

  /** Since when the client has taken nothing while frames wait for it; undefined when it keeps up. */
  get stalledFor(): number | undefined {
    return this.stalledSince === undefined ? undefined : this.now() - this.stalledSince;
  }

  private onPong(data: Buffer): void {
    this.alive = true;
    // A flow-control ping carries the bytes sent when it went out: all of them have been read.
    const mark = data.length > 0 && data.length < 20 ? Number(data.toString('latin1')) : Number.NaN;
    if (Number.isSafeInteger(mark) && mark > this.acked && mark <= this.queue.sentBytes) this.acked = mark;
  }

  /** Whether the next history page may go: the queue has room and the window is not full. */
  private historyRoom(): boolean {
    if (!this.queue.hasRoom()) return false;
    const sent = this.queue.sentBytes;
    if (sent - this.acked < HISTORY_WINDOW_BYTES) return true;
    // Full: make sure a ping asks for what was sent, so that its pong opens the window again.
    if (this.pingedAt < sent) this.ping();
    return false;
  }

  /** Pings with the bytes sent so far (its pong acknowledges them; also counts as alive). */
  private ping(): void {
    this.pingedAt = this.queue.sentBytes;
    try {
      this.socket.ping(String(this.pingedAt));
    } catch {
      // Closing already: the close event follows.
    }
  }

  private control(frame: ControlFrame): void {
    if (this.closed) return;
    // A client that lets its control frames pile up past the queue's bounds is not reading at all: close it.
    if (!this.queue.enqueueControl(frame)) this.closeSlow(`not reading: over ${this.queue.limits.maxQueuedBytes} bytes of frames unread`);
  }

  private async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    if (isBinary) {
      this.control({ type: 'error', code: 'invalid-frame', message: 'frame: binary frames are not part of the protocol; send JSON text frames' });
      return;
    }
    const parsed = parseClientFrame(data);
    if (!parsed.ok) return this.control(parsed.error);
    const frame = parsed.frame;
    if (frame.op === 'ping') return this.control({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}) });
    if (frame.op === 'unsubscribe') {
      const sub = this.subscriptions.get(frame.id);
      if (!sub) return this.control({ type: 'error', id: frame.id, code: 'unknown-subscription', message: `id: no subscription ${JSON.stringify(frame.id)} on this connection` });
      sub.stop();
      sub.pending = undefined;
      this.subscriptions.delete(frame.id);
      this.shared.live--;
      this.queue.removeSubscription(frame.id);
      return this.control({ type: 'unsubscribed', id: frame.id });
    }
    await this.subscribe(frame);
  }

  private async subscribe(frame: SubscribeFrame): Promise<void> {
    const { id, topic, key } = frame;
    if (this.subscriptions.has(id) || this.starting.has(id)) {
      return this.control({ type: 'error', id, code: 'duplicate-id', message: `id: ${JSON.stringify(id)} names a live subscription already; unsubscribe it first or choose another id` });
    }
    if (this.subscriptions.size + this.starting.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
      return this.control({ type: 'error', id, code: 'too-many-subscriptions', message: `subscribe: a connection holds at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} subscriptions; unsubscribe some first` });
    }
    if (this.shared.live >= this.shared.max) {
      return this.control({ type: 'error', id, code: 'too-many-subscriptions', message: `subscribe: this server holds at most ${this.shared.max} subscriptions for all its clients, and has them; try again later` });
    }
    this.shared.live++;
    this.starting.add(id);
    let view: TopicView;
    try {
      view = await this.access.view(topic);
    } catch (error) {
      this.starting.delete(id);
      this.shared.live--;
      return this.failed(id, error);
    }
    this.starting.delete(id);
    if (this.closed) {
      this.shared.live--;
      return;
    }
    const sub: LiveSubscription = { stop: () => {}, pending: [], dropped: 0 };
    sub.stop = view.subscribe((record) => {
      if (key !== undefined && record.key !== key) return;
      if (sub.pending === undefined) return this.deliver(id, record);
      // Each subscription's share of the client's pending records, MAX_PENDING at most.
      const cap = Math.min(MAX_PENDING, Math.max(16, Math.floor(MAX_PENDING_PER_CLIENT / Math.max(1, this.subscriptions.size))));
      if (sub.pending.length >= cap) {
        // The oldest half goes at once (amortised O(1)); the client is told how many.
        const drop = Math.ceil(sub.pending.length / 2);
        sub.pending.splice(0, drop);
        sub.dropped += drop;
      }
      sub.pending.push(record);
    });
    // Registered and positioned in the same tick: live records are those at or after liveFrom.
    const liveFrom = view.position();
    this.subscriptions.set(id, sub);
    if (frame.last === undefined && frame.since === undefined && frame.resume === undefined) {
      this.control({ type: 'subscribed', id, topic, partitions: Object.keys(liveFrom).length, offsets: { ...liveFrom } });
      this.goLive(id, sub);
      return;
    }
    // History waits for the histories asked before it on this connection.
    this.historiesWaiting++;
    this.histories = this.histories
      .then(() => this.sendHistory(id, sub, frame, view, liveFrom))
      .catch((error: unknown) => {
        if (this.current(id, sub)) this.failed(id, error);
      })
      .finally(() => this.historiesWaiting--);
  }

  private deliver(id: string, record: ViewRecord): void {
    if (!this.closed) this.queue.enqueueRecord(id, record.key, { type: 'record', id, ...wire(record) });
  }

  /** Sends the records that came during the history, then every new one as it comes. */
  private goLive(id: string, sub: LiveSubscription): void {
    const pending = sub.pending ?? [];
    sub.pending = undefined;
    if (sub.dropped > 0) this.queue.noteMissed(id, sub.dropped);
    sub.dropped = 0;
    for (const record of pending) this.deliver(id, record);
  }

  /** Whether `sub` is still the live subscription `id` of an open session. */
  private current(id: string, sub: LiveSubscription): boolean {
    return !this.closed && this.subscriptions.get(id) === sub;
  }

  private failed(id: string, error: unknown): void {
    const sub = this.subscriptions.get(id);
    if (sub !== undefined) {
      sub.stop();
      this.subscriptions.delete(id);
      this.shared.live--;
    }
    if (isFastdataError(error, 'FD_TOPIC_NOT_FOUND')) this.control({ type: 'error', id, code: 'unknown-topic', message: `topic: ${error.message}` });
    else this.control({ type: 'error', id, code: 'internal', message: `subscribe failed: ${errorMessage(error)}` });
  }

  private async sendHistory(id: string, sub: LiveSubscription, frame: SubscribeFrame, view: TopicView, liveFrom: Record<number, number>): Promise<void> {
    if (!this.current(id, sub)) return;
    const { topic, key } = frame;
    const offsets: Record<string, number> = { ...liveFrom };
    let next: () => Promise<ViewRecord[] | undefined>;
    let plan: HistoryPlan | undefined;
    let stream: HistoryStream | undefined;
    if (frame.last !== undefined) {
      // From the view's memory: already held, sent a page at a time.
      const records = view.recent(frame.last, key);
      for (const record of records) offsets[record.partition] = Math.min(offsets[record.partition] ?? record.offset, record.offset);
      let at = 0;
      next = async () => {
        if (at >= records.length) return undefined;
        const page: ViewRecord[] = [];
        let bytes = 0;
        while (at < records.length && page.length < PAGE_RECORDS && (page.length === 0 || bytes < PAGE_BYTES)) {
          const record = records[at++]!;
          page.push(record);
          bytes += recordValueJson(wire(record).value).length + 64;
        }
        return page;
      };
    } else {
      let starts: Record<number, number>;
      if (frame.resume) starts = Object.fromEntries(Object.entries(frame.resume).map(([p, o]) => [Number(p), o]));
      else {
        const at = await this.access.log.offsetsForTime(topic, sinceToMillis(frame.since!));
        starts = Object.fromEntries(at.map((o) => [o.partition, o.offset]));
      }
      if (!this.current(id, sub)) return;
      plan = planHistory(starts, liveFrom, key === undefined ? MAX_HISTORY : KEY_SCAN_WINDOW);
      for (const [p, o] of Object.entries(plan.starts)) offsets[p] = Math.min(offsets[p] ?? o, o);
      if (frame.resume) for (const [p, o] of Object.entries(starts)) if (liveFrom[Number(p)] !== undefined) offsets[p] = Math.min(o, liveFrom[Number(p)]!);
      stream = new HistoryStream(this.access.log, this.access.serde, topic, plan, { ...(key !== undefined ? { key } : {}), gate: this.gate });
      this.streams.add(stream);
      const reading = stream;
      next = () => reading.nextPage();
    }
    try {
      this.control({ type: 'subscribed', id, topic, partitions: Object.keys(liveFrom).length, offsets });
      if (plan !== undefined && plan.skipped > 0) this.control({ type: 'missed', id, count: plan.skipped, conflated: true });
      // One page read ahead, so the last one can say it is complete.
      let page = await next();
      for (;;) {
        if (!this.current(id, sub)) return;
        const following = page === undefined ? undefined : await next();
        if (!this.current(id, sub)) return;
        const complete = following === undefined;
        if ((page !== undefined && page.length > 0) || complete) {
          if (!(await this.waitForRoom()) || !this.current(id, sub)) return;
          this.control({ type: 'snapshot', id, records: (page ?? []).map(wire), complete });
          // A ping every quarter window: its pong moves the window on before it is full.
          if (this.queue.sentBytes - this.pingedAt >= HISTORY_WINDOW_BYTES / 4) this.ping();
        }
        if (complete) break;
        page = following;
      }
      this.goLive(id, sub);
    } finally {
      if (stream !== undefined) {
        this.streams.delete(stream);
        await stream.close();
      }
    }
  }

  /** Resolves true once the queue can take a snapshot page (checked at every tick), false if the session closes first. */
  private waitForRoom(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.historyRoom()) return Promise.resolve(true);
    return new Promise((resolve) => (this.roomWaiter = resolve));
  }

  /**
   * Called by the endpoint every few milliseconds: sends what the socket can take, lets a
   * waiting history go on, and closes a client that has taken nothing for slowClientMs
   * while frames wait for it.
   */
  tick(): void {
    if (this.closed) return;
    if (this.queue.size > 0) this.queue.drain();
    if (this.roomWaiter !== undefined && this.historyRoom()) {
      const waiter = this.roomWaiter;
      this.roomWaiter = undefined;
      waiter(true);
    }
    const buffered = this.socket.bufferedAmount;
    // Behind: frames wait for a socket that is full, or history waits for a client that has not read the last window.
    const behind = (this.queue.size > 0 && buffered >= this.maxBufferedBytes) || this.roomWaiter !== undefined;
    if (!behind) {
      this.stalledSince = undefined;
      return;
    }
    const now = this.now();
    if (this.stalledSince === undefined || buffered < this.stallBuffered || this.acked > this.stallAcked) {
      // Behind, but the client took something since the last look: the clock starts again.
      this.stalledSince = now;
      this.stallBuffered = buffered;
      this.stallAcked = this.acked;
      return;
    }
    if (now - this.stalledSince >= this.slowClientMs) {
      this.closeSlow(`slow client: read nothing for ${Math.round((now - this.stalledSince) / 1000)} s with ${this.queue.sentBytes - this.acked} bytes unread`);
    }
  }

  /** Closes a client that does not read (CLOSE_SLOW_CLIENT with `reason`); it has CLOSE_GRACE_MS to read the close frame. */
  closeSlow(reason: string): void {
    if (this.closed) return;
    this.close();
    this.onSlowClose?.();
    // A close reason is at most 123 bytes.
    this.socket.close(CLOSE_SLOW_CLIENT, reason.slice(0, 123));
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Called every heartbeat interval: a client that did not answer the previous ping is gone. */
  heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) return this.terminate();
    this.alive = false;
    this.socket.ping();
  }

  terminate(): void {
    this.close();
    this.socket.terminate();
  }

  /** Frees everything the client holds: subscriptions, history readers, queued frames. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subscriptions.values()) {
      sub.stop();
      sub.pending = undefined;
    }
    this.shared.live -= this.subscriptions.size;
    this.subscriptions.clear();
    for (const stream of this.streams) void stream.close();
    this.streams.clear();
    const waiter = this.roomWaiter;
    this.roomWaiter = undefined;
    waiter?.(false);
    this.queue.clear();
  }

  /** Histories asked for and not sent yet (the one being sent included). */
  get historiesPending(): number {
    return this.historiesWaiting;
  }
}
