/**
 * One WebSocket client of /ws: its subscriptions, each a live view listener with optional
 * history, and its bounded send queue (client-queue.ts), so a slow client gets conflated
 * updates and a count of what it missed, and never holds server memory or other clients up.
 *
 * History and live records meet exactly: a subscription registers its listener and reads
 * the view's position in the same tick, so live records are those at or after that
 * position, and history is read up to it (history.ts) or taken from the view's memory.
 */
import type { WebSocket } from 'ws';
import { errorMessage, isFastdataError } from '../../errors.js';
import type { AccessLayer } from '../access/access-layer.js';
import { readHistory } from '../access/history.js';
import type { ViewRecord } from '../access/view-record.js';
import { toJsonValue } from '../../schema/avro-json-schema.js';
import { ClientQueue, type ControlFrame } from './client-queue.js';
import { MAX_HISTORY, MAX_SUBSCRIPTIONS_PER_CLIENT, parseClientFrame, sinceToMillis, type SubscribeFrame, type WsRecord } from './protocol.js';

const SNAPSHOT_CHUNK = 500;

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

export class WsSession {
  private readonly socket: WebSocket;
  private readonly access: AccessLayer;
  readonly queue: ClientQueue;
  private readonly subscriptions = new Map<string, () => void>();
  /** Ids whose subscribe is still being answered (history is read asynchronously). */
  private readonly starting = new Set<string>();
  private closed = false;
  alive = true;

  constructor(socket: WebSocket, access: AccessLayer, queueOptions: { maxQueued?: number; maxBufferedBytes?: number } = {}) {
    this.socket = socket;
    this.access = access;
    this.queue = new ClientQueue({ send: (text) => socket.send(text), bufferedAmount: () => socket.bufferedAmount }, queueOptions);
    socket.on('message', (data: Buffer, isBinary: boolean) => void this.onMessage(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
  }

  private control(frame: ControlFrame): void {
    // A client that lets this many control frames pile up is not reading at all: close it.
    if (!this.closed && !this.queue.enqueueControl(frame)) this.socket.close(1008, 'not reading its frames');
  }

  private async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) {
      this.control({ type: 'error', code: 'invalid-frame', message: 'frame: binary frames are not part of the protocol; send JSON text frames' });
      return;
    }
    const parsed = parseClientFrame(data);
    if (!parsed.ok) return this.control(parsed.error);
    const frame = parsed.frame;
    if (frame.op === 'ping') return this.control({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}) });
    if (frame.op === 'unsubscribe') {
      const stop = this.subscriptions.get(frame.id);
      if (!stop) return this.control({ type: 'error', id: frame.id, code: 'unknown-subscription', message: `id: no subscription ${JSON.stringify(frame.id)} on this connection` });
      stop();
      this.subscriptions.delete(frame.id);
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
    this.starting.add(id);
    try {
      const view = await this.access.view(topic);
      if (this.closed) return;
      // Live records from here on are buffered until the history has been sent.
      let pending: ViewRecord[] | undefined = [];
      const deliver = (record: ViewRecord) => this.queue.enqueueRecord(id, record.key, { type: 'record', id, ...wire(record) });
      const stop = view.subscribe((record) => {
        if (key !== undefined && record.key !== key) return;
        if (pending) pending.push(record);
        else deliver(record);
      });
      const liveFrom = view.position();
      this.subscriptions.set(id, stop);

      let history: ViewRecord[] = [];
      let skipped = 0;
      let starts: Record<number, number> = liveFrom;
      if (frame.last !== undefined) {
        history = view.recent(frame.last, key);
      } else if (frame.since !== undefined || frame.resume !== undefined) {
        if (frame.resume) starts = Object.fromEntries(Object.entries(frame.resume).map(([p, o]) => [Number(p), o]));
        else {
          const at = await this.access.log.offsetsForTime(topic, sinceToMillis(frame.since!));
          starts = Object.fromEntries(at.map((o) => [o.partition, o.offset]));
        }
        ({ records: history, skipped } = await readHistory(this.access.log, this.access.serde, topic, starts, liveFrom, { ...(key !== undefined ? { key } : {}), max: MAX_HISTORY }));
      }
      if (this.closed || !this.subscriptions.has(id)) return;
      const offsets: Record<string, number> = { ...liveFrom };
      for (const record of history) offsets[record.partition] = Math.min(offsets[record.partition] ?? record.offset, record.offset);
      if (frame.resume) for (const [p, o] of Object.entries(starts)) if (liveFrom[Number(p)] !== undefined) offsets[p] = Math.min(o, liveFrom[Number(p)]!);
      this.control({ type: 'subscribed', id, topic, partitions: Object.keys(liveFrom).length, offsets });
      if (skipped > 0) this.control({ type: 'missed', id, count: skipped, conflated: true });
      if (frame.last !== undefined || frame.since !== undefined || frame.resume !== undefined) {
        for (let i = 0; i === 0 || i < history.length; i += SNAPSHOT_CHUNK) {
          const records = history.slice(i, i + SNAPSHOT_CHUNK).map(wire);
          this.control({ type: 'snapshot', id, records, complete: i + SNAPSHOT_CHUNK >= history.length });
        }
      }
      const buffered = pending;
      pending = undefined;
      for (const record of buffered) deliver(record);
    } catch (error) {
      this.subscriptions.get(id)?.();
      this.subscriptions.delete(id);
      if (isFastdataError(error, 'FD_TOPIC_NOT_FOUND')) this.control({ type: 'error', id, code: 'unknown-topic', message: `topic: ${error.message}` });
      else this.control({ type: 'error', id, code: 'internal', message: `subscribe failed: ${errorMessage(error)}` });
    } finally {
      this.starting.delete(id);
    }
  }

  /** Called every heartbeat interval: a client that did not answer the previous ping is gone. */
  heartbeat(): void {
    if (!this.alive) return this.terminate();
    this.alive = false;
    this.socket.ping();
  }

  terminate(): void {
    this.close();
    this.socket.terminate();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.subscriptions.values()) stop();
    this.subscriptions.clear();
  }
}
