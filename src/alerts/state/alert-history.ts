/**
 * The alert history: the latest state of every alert instance (firing, or resolved with
 * its end), from the compacted history topic, joined with acknowledgements from theirs.
 * Queried by the REST API; read by grouped receivers (is an alert acknowledged?).
 *
 * Acknowledging says "someone is on it": it is recorded with who and why, shown in the
 * history and the API, and stops the repeat notifications of a grouped receiver. It does
 * not silence the resolve.
 */
import { FastdataError, invalidArgument as invalid } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import type { AlertRecord } from '../topic/alert-record.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';
import { CompactedView } from './compacted-view.js';

export interface Acknowledgement {
  alertId: string;
  by: string;
  comment: string;
  at: number;
}

export interface HistoryEntry extends Omit<AlertRecord, 'value'> {
  value: unknown;
  acknowledged: Acknowledgement | null;
}

export interface HistoryQuery {
  status?: 'firing' | 'resolved';
  rule?: string;
  key?: string;
  /** startsAt at or after (epoch ms). */
  from?: number;
  /** startsAt before (epoch ms). */
  to?: number;
  limit: number;
}

const encodeAck = (a: Acknowledgement) => Buffer.from(JSON.stringify(a));

export class AlertHistory {
  private readonly alerts: CompactedView<AlertRecord>;
  private readonly acks: CompactedView<Acknowledgement>;

  constructor(
    log: Log,
    serde: AvroSerde,
    private readonly now: () => number = Date.now,
    onWarning?: (message: string) => void,
    topics: AlertTopics = ALERT_TOPICS,
  ) {
    const warn = onWarning ? { onWarning } : {};
    this.alerts = new CompactedView<AlertRecord>({ log, topic: topics.history, format: { avro: serde }, ...warn });
    this.acks = new CompactedView<Acknowledgement>({ log, topic: topics.acks, format: { json: true }, ...warn });
  }

  async start(): Promise<void> {
    await this.alerts.start();
    await this.acks.start();
  }

  private entry(r: AlertRecord): HistoryEntry {
    let value: unknown = r.value;
    if (r.value !== null) {
      try {
        value = JSON.parse(r.value);
      } catch {
        // left as text
      }
    }
    return { ...r, value, acknowledged: this.acks.get(r.id) ?? null };
  }

  get(id: string): HistoryEntry | undefined {
    const r = this.alerts.get(id);
    return r && this.entry(r);
  }

  isAcknowledged(id: string): boolean {
    return this.acks.get(id) !== undefined;
  }

  /** Newest first (by startsAt), at most `limit`. */
  query(q: HistoryQuery): { alerts: HistoryEntry[]; total: number } {
    const matching: AlertRecord[] = [];
    for (const r of this.alerts.values()) {
      if (q.status && r.status !== q.status) continue;
      if (q.rule && r.rule !== q.rule) continue;
      if (q.key !== undefined && r.key !== q.key) continue;
      if (q.from !== undefined && r.startsAt < q.from) continue;
      if (q.to !== undefined && r.startsAt >= q.to) continue;
      matching.push(r);
    }
    matching.sort((a, b) => b.startsAt - a.startsAt || a.id.localeCompare(b.id));
    return { alerts: matching.slice(0, q.limit).map((r) => this.entry(r)), total: matching.length };
  }

  private required(id: string): AlertRecord {
    const r = this.alerts.get(id);
    if (!r) throw new FastdataError('FD_ALERT_NOT_FOUND', `no alert ${JSON.stringify(id)}; GET /api/alerts lists them (ids are <fingerprint>:<startsAt>)`, { context: { field: 'id' } });
    return r;
  }

  async acknowledge(id: string, body: unknown): Promise<Acknowledgement> {
    this.required(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'give a JSON object { by, comment }');
    const b = body as Record<string, unknown>;
    for (const field of Object.keys(b)) if (field !== 'by' && field !== 'comment') throw invalid(field, 'unknown field; an acknowledgement has by and comment');
    if (typeof b.by !== 'string' || b.by.trim() === '' || b.by.length > 256) throw invalid('by', 'required: who acknowledges (a non-empty string of at most 256 characters)');
    const comment = b.comment ?? '';
    if (typeof comment !== 'string' || comment.length > 2048) throw invalid('comment', 'a string of at most 2048 characters');
    const ack: Acknowledgement = { alertId: id, by: b.by, comment, at: this.now() };
    await this.acks.put(id, ack, encodeAck);
    return ack;
  }

  async unacknowledge(id: string): Promise<void> {
    this.required(id);
    await this.acks.put(id, undefined, encodeAck);
  }

  async close(): Promise<void> {
    await this.alerts.close();
    await this.acks.close();
  }
}
