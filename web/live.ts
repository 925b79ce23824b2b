/**
 * The page's WebSocket client of `/ws` (docs/websocket.md): subscriptions that survive
 * reconnects, with no gap and no duplicate.
 *
 * - Each subscription keeps `next`, the next offset it needs per partition (seeded from
 *   `subscribed.offsets`, advanced by every record). After a reconnect it subscribes
 *   again with `resume: next`, so nothing written while it was away is skipped.
 * - After a `missed` frame (the server conflated for a slow client) `next` stops moving,
 *   as the protocol asks: conflated records may come out of offset order, and resuming
 *   from before the first miss is the safe side.
 * - Resuming from there may repeat records; so may the history the panels loaded over
 *   REST before subscribing. A record at or below what was last seen of its key (a key
 *   lives on one partition, in offset order) or below `next` is dropped.
 * - Reconnects back off (0.5 s doubling to 15 s, with jitter) and a ping every 20 s
 *   notices a connection that died silently.
 */
import type { LiveRecord } from './api.js';

export type History = { since: number } | { last: number };

export interface SubscriptionSpec {
  topic: string;
  key?: string;
  /** What to send before live records on the first subscribe; reconnects resume instead. */
  history?: History;
}

export interface SubscriptionHandlers {
  record(record: LiveRecord, live: boolean): void;
  missed?(count: number): void;
  error?(code: string, message: string): void;
}

export type ConnectionState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'reconnecting'; inMs: number; attempt: number };

interface Subscription {
  id: string;
  spec: SubscriptionSpec;
  handlers: SubscriptionHandlers;
  next: Map<number, number>;
  frozen: boolean;
  lastByKey: Map<string, { partition: number; offset: number }>;
  retry: ReturnType<typeof setTimeout> | undefined;
}

type ServerFrame =
  | { type: 'subscribed'; id: string; offsets?: Record<string, number> }
  | { type: 'snapshot'; id: string; records: LiveRecord[]; complete: boolean }
  | ({ type: 'record'; id: string } & LiveRecord)
  | { type: 'missed'; id: string; count: number }
  | { type: 'error'; id?: string; code: string; message: string }
  | { type: 'pong' }
  | { type: 'unsubscribed'; id: string };

const MAX_KEYS_REMEMBERED = 50_000;
const PING_EVERY_MS = 20_000;
const SILENT_FOR_MS = 45_000;
/** A topic that does not exist yet (the alert topic before the alert engine runs) is asked for again this often. */
const UNKNOWN_TOPIC_RETRY_MS = 30_000;

export class LiveConnection {
  readonly counters = { live: 0, snapshot: 0, duplicates: 0, missed: 0, reconnects: 0 };
  private readonly subscriptions = new Map<string, Subscription>();
  private socket: WebSocket | undefined;
  private attempt = 0;
  private heard = Date.now();
  private pinger: ReturnType<typeof setInterval> | undefined;
  private nextId = 0;

  constructor(
    private readonly url: string,
    private readonly events: { state(state: ConnectionState): void; missed(count: number): void },
  ) {}

  start(): void {
    this.connect();
    this.pinger = setInterval(() => this.heartbeat(), PING_EVERY_MS);
  }

  /**
   * Subscribes now or on connect; `seen` tells it which records the page already has (REST
   * history); `close` ends it (a panel redrawn for another range or other keys).
   */
  subscribe(spec: SubscriptionSpec, handlers: SubscriptionHandlers): { seen(records: readonly LiveRecord[]): void; close(): void } {
    const id = `s${this.nextId++}`;
    const sub: Subscription = { id, spec, handlers, next: new Map(), frozen: false, lastByKey: new Map(), retry: undefined };
    this.subscriptions.set(id, sub);
    if (this.socket?.readyState === WebSocket.OPEN) this.send(this.subscribeFrame(sub));
    return {
      seen: (records) => records.forEach((r) => this.remember(sub, r)),
      close: () => {
        if (!this.subscriptions.delete(id)) return;
        clearTimeout(sub.retry);
        if (this.socket?.readyState === WebSocket.OPEN) this.send({ op: 'unsubscribe', id });
      },
    };
  }

  /** Subscriptions open now (the browser test checks that redrawn panels leave none behind). */
  get open(): number {
    return this.subscriptions.size;
  }

  /**
   * Handles `records` of `topic` as if /ws had sent them live, to every subscription of
   * that topic (and key): the browser test's load generator, which measures the page's
   * memory under 1,000 updates a second without a server that can write that fast.
   */
  inject(topic: string, records: readonly LiveRecord[]): void {
    for (const sub of this.subscriptions.values()) {
      if (sub.spec.topic !== topic) continue;
      for (const r of records) if (sub.spec.key === undefined || sub.spec.key === r.key) this.handle({ type: 'record', id: sub.id, ...r });
    }
  }

  /** Drops the connection as a network failure would (the browser test checks the resume with it). */
  drop(): void {
    this.socket?.close();
  }

  private connect(): void {
    this.events.state({ kind: 'connecting' });
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.heard = Date.now();
      this.events.state({ kind: 'live' });
      for (const sub of this.subscriptions.values()) {
        sub.frozen = false; // a new connection: nothing conflated on it yet
        this.send(this.subscribeFrame(sub));
      }
    };
    socket.onmessage = (event) => {
      this.heard = Date.now();
      this.attempt = 0; // it works: the next outage backs off from the start again
      try {
        this.handle(JSON.parse(String(event.data)) as ServerFrame);
      } catch (error) {
        console.error('fastdata: cannot handle a frame from /ws', error);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      for (const sub of this.subscriptions.values()) clearTimeout(sub.retry);
      const inMs = Math.min(15_000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt++;
      this.counters.reconnects++;
      this.events.state({ kind: 'reconnecting', inMs, attempt: this.attempt });
      setTimeout(() => this.connect(), inMs);
    };
  }

  private heartbeat(): void {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return;
    // A browser cannot see WebSocket-level pings: without this, a dead network would look live for minutes.
    if (Date.now() - this.heard > SILENT_FOR_MS) socket.close();
    else this.send({ op: 'ping', t: Date.now() });
  }

  private send(frame: object): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private subscribeFrame(sub: Subscription): object {
    const frame: Record<string, unknown> = { op: 'subscribe', id: sub.id, topic: sub.spec.topic };
    if (sub.spec.key !== undefined) frame.key = sub.spec.key;
    if (sub.next.size > 0) frame.resume = Object.fromEntries(sub.next);
    else if (sub.spec.history) Object.assign(frame, sub.spec.history);
    return frame;
  }

  private handle(frame: ServerFrame): void {
    if (frame.type === 'pong') return;
    const sub = 'id' in frame && frame.id !== undefined ? this.subscriptions.get(frame.id) : undefined;
    if (frame.type === 'error') {
      if (!sub) return console.error(`fastdata /ws: ${frame.code}: ${frame.message}`);
      sub.handlers.error?.(frame.code, frame.message);
      if (frame.code === 'unknown-topic') sub.retry = setTimeout(() => this.send(this.subscribeFrame(sub)), UNKNOWN_TOPIC_RETRY_MS);
      return;
    }
    if (!sub) return;
    switch (frame.type) {
      case 'subscribed':
        if (!sub.frozen) for (const [p, offset] of Object.entries(frame.offsets ?? {})) sub.next.set(Number(p), Math.max(sub.next.get(Number(p)) ?? 0, offset));
        break;
      case 'snapshot':
        for (const r of frame.records) {
          if (!this.accept(sub, r)) continue;
          this.counters.snapshot++;
          sub.handlers.record(r, false);
        }
        break;
      case 'record': {
        const { type: _type, id: _id, ...record } = frame;
        if (!this.accept(sub, record)) break;
        this.counters.live++;
        sub.handlers.record(record, true);
        break;
      }
      case 'missed':
        sub.frozen = true;
        this.counters.missed += frame.count;
        this.events.missed(frame.count);
        sub.handlers.missed?.(frame.count);
        break;
      case 'unsubscribed':
        break;
    }
  }

  /** Whether a record is new to the subscription (see the header); moves `next` and the key's position. */
  private accept(sub: Subscription, r: LiveRecord): boolean {
    const next = sub.next.get(r.partition);
    const last = r.key === null ? undefined : sub.lastByKey.get(r.key);
    if ((next !== undefined && r.offset < next) || (last && last.partition === r.partition && r.offset <= last.offset)) {
      this.counters.duplicates++;
      return false;
    }
    if (!sub.frozen) sub.next.set(r.partition, r.offset + 1);
    this.remember(sub, r);
    return true;
  }

  private remember(sub: Subscription, r: LiveRecord): void {
    if (r.key === null) return;
    const last = sub.lastByKey.get(r.key);
    if (last && last.partition === r.partition && last.offset >= r.offset) return;
    // Bounded: forgetting keys only lets a rare duplicate through, never skips a record.
    if (sub.lastByKey.size >= MAX_KEYS_REMEMBERED) sub.lastByKey.clear();
    sub.lastByKey.set(r.key, { partition: r.partition, offset: r.offset });
  }
}
