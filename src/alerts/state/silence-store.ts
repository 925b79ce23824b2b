/**
 * Silences over the compacted silences topic: created and expired through REST, read by every receiver.
 *
 * A stored silence whose regular expression RE2 refuses (written before patterns were RE2's,
 * e.g. with a backreference) still loads, is listed and can be expired; it silences nothing,
 * and a warning names it and its matcher, once per silence (at start, or when it arrives).
 */
import { randomUUID } from 'node:crypto';
import { FastdataError } from '../../errors.js';
import type { Log } from '../../log/types.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';
import { CompactedView } from './compacted-view.js';
import { matcherProblem, parseSilenceInput, silenceState, silences, type Silence, type SilenceState } from './silence.js';

const encode = (s: Silence) => Buffer.from(JSON.stringify(s));

export class SilenceStore {
  private readonly view: CompactedView<Silence>;
  /** Silences already warned about as unusable (their pattern does not compile with RE2). */
  private readonly warned = new WeakSet<Silence>();

  constructor(
    log: Log,
    private readonly now: () => number = Date.now,
    private readonly onWarning?: (message: string) => void,
    topics: AlertTopics = ALERT_TOPICS,
  ) {
    this.view = new CompactedView<Silence>({ log, topic: topics.silences, format: { json: true }, ...(onWarning ? { onWarning } : {}) });
  }

  async start(): Promise<void> {
    await this.view.start();
    const now = this.now();
    for (const s of this.view.values()) if (silenceState(s, now) !== 'expired') this.usable(s);
  }

  /** False (and a warning, once) for a silence with a pattern RE2 refuses: it silences nothing. */
  private usable(s: Silence): boolean {
    const matchers = Array.isArray(s.matchers) ? s.matchers : [];
    const i = matchers.findIndex((m) => matcherProblem(m) !== undefined);
    if (i < 0) return true;
    if (!this.warned.has(s)) {
      this.warned.add(s);
      this.onWarning?.(
        `silence ${s.id} silences nothing: matchers[${i}].value ${JSON.stringify(matchers[i]!.value)} is not a regular expression RE2 accepts (${matcherProblem(matchers[i]!)}); ` +
          'expire it (DELETE /api/alerts/silences/<id>) and create it again in RE2 syntax',
      );
    }
    return false;
  }

  list(state?: SilenceState): (Silence & { state: SilenceState })[] {
    const now = this.now();
    return [...this.view.values()]
      .map((s) => ({ ...s, state: silenceState(s, now) }))
      .filter((s) => state === undefined || s.state === state)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): (Silence & { state: SilenceState }) | undefined {
    const s = this.view.get(id);
    return s && { ...s, state: silenceState(s, this.now()) };
  }

  /** The first active silence that matches the labels, if any. */
  silencing(labels: Record<string, string>): Silence | undefined {
    const now = this.now();
    for (const s of this.view.values()) if (silenceState(s, now) === 'active' && this.usable(s) && silences(s, labels, now)) return s;
    return undefined;
  }

  async create(body: unknown): Promise<Silence> {
    const now = this.now();
    const input = parseSilenceInput(body, now);
    const silence: Silence = { id: randomUUID(), ...input, createdAt: now, updatedAt: now };
    await this.view.put(silence.id, silence, encode);
    return silence;
  }

  /** Ends it now (kept, as expired, for the record); an expired one stays as it is. */
  async expire(id: string): Promise<Silence> {
    const s = this.view.get(id);
    if (!s) throw new FastdataError('FD_SILENCE_NOT_FOUND', `no silence ${JSON.stringify(id)}; GET /api/alerts/silences lists them`, { context: { field: 'id' } });
    const now = this.now();
    if (silenceState(s, now) === 'expired') return s;
    const expired = { ...s, endsAt: Math.max(now, s.startsAt), updatedAt: now };
    await this.view.put(id, expired, encode);
    return expired;
  }

  close(): Promise<void> {
    return this.view.close();
  }
}
