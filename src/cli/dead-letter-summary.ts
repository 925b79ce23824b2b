/**
 * Dead letters in the terminal of `dev` and `run`, summed up so they do not bury the
 * alerts (issue 17: late-record notices were 23 of 49 lines in 12 minutes of the demo),
 * while every record stays counted:
 *
 * - the first dead letter of each module and reason is printed at once, with its message;
 * - after that, one line for all modules counts by module and reason what went to the
 *   dead-letter topics since the previous line. While the same kinds keep coming the lines
 *   space out (1, 2, 4, 8, then every 10 minutes): a steady trickle of late records is one
 *   fact, not news every minute. A new kind, or dead letters after a quiet spell, starts
 *   again at a minute;
 * - `flush` (at stop) prints whatever is still counted, due or not.
 *
 * Lines say where the records are (the dead-letter topics, the counts on the status page),
 * so a summary hides nothing it does not point to. Time comes from `now` (a fake clock in
 * tests); `tick` is called by the command's timer.
 */
import { internalTopics } from '../stream/define.js';
import { elapsedText } from './elapsed-text.js';

export interface DeadLetterSummaryOptions {
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Writes one line (the command prefixes the time of day). */
  print: (line: string) => void;
  /** The first spacing of summary lines (default 1 minute)... */
  intervalMs?: number;
  /** ...doubled after each line while dead letters keep coming, up to this (default 10 minutes). */
  maxIntervalMs?: number;
}

export const SUMMARY_INTERVAL_MS = 60_000;
export const MAX_SUMMARY_INTERVAL_MS = 600_000;

/** A stream module's name is a topic-safe word; others (`alerts`, `<module>:cassandra`, `source:<name>`) keep theirs elsewhere. */
const MODULE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The dead-letter topic of a stream module; undefined for other processors. */
function topicOf(module: string): string | undefined {
  return MODULE_NAME.test(module) && module !== 'alerts' ? internalTopics(module).deadLetter : undefined;
}

/** Where the dead letters of `modules` can be read in full. */
export function deadLetterPointer(modules: readonly string[]): string {
  const topics = modules.map(topicOf);
  const named = [...new Set(topics.filter((t): t is string => t !== undefined))];
  const where = [...named, ...(topics.some((t) => t === undefined) ? [modules.length === 1 ? 'its dead-letter topic' : 'their dead-letter topics'] : [])];
  const tail = named.length > 0 ? ` (npx fastdata tail ${named[0]})` : '';
  return `all kept in ${where.join(', ')}${tail}, counted on the status page`;
}

const records = (n: number) => `${n} record${n === 1 ? '' : 's'}`;

export class DeadLetterSummary {
  /** `<module> <reason>` pairs whose first record was printed (later ones are counted). */
  private readonly seen = new Set<string>();
  /** Counted since the last line, by module then reason, in the order they came. */
  private pending = new Map<string, Map<string, number>>();
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly print: (line: string) => void;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private intervalMs: number;

  constructor(options: DeadLetterSummaryOptions) {
    this.now = options.now ?? Date.now;
    this.print = options.print;
    this.baseMs = options.intervalMs ?? SUMMARY_INTERVAL_MS;
    this.maxMs = Math.max(this.baseMs, options.maxIntervalMs ?? MAX_SUMMARY_INTERVAL_MS);
    this.intervalMs = this.baseMs;
  }

  add(module: string, reason: string, message: string): void {
    const now = this.now();
    const kind = `${module}\u0000${reason}`;
    if (!this.seen.has(kind)) {
      this.seen.add(kind);
      this.print(`${module}: a record to the dead-letter topic (${reason}): ${message}; ${deadLetterPointer([module])}. More are summed up here`);
      // News: the next summary comes a minute after this line (or sooner, if counts already wait).
      this.intervalMs = this.baseMs;
      if (this.pending.size === 0) this.lastLineAt = now;
      return;
    }
    // After a quiet spell (nothing counted for longer than the spacing), dead letters are news again.
    if (this.pending.size === 0 && now - this.lastLineAt > this.intervalMs) this.intervalMs = this.baseMs;
    let reasons = this.pending.get(module);
    if (!reasons) this.pending.set(module, (reasons = new Map()));
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }

  /** Prints the summary when its time is up. */
  tick(): void {
    const now = this.now();
    if (this.pending.size === 0 || now - this.lastLineAt < this.intervalMs) return;
    this.summary(now);
    this.intervalMs = Math.min(this.intervalMs * 2, this.maxMs);
  }

  /** Prints everything still counted (the process stops). */
  flush(): void {
    if (this.pending.size > 0) this.summary(this.now());
  }

  private summary(now: number): void {
    let total = 0;
    const parts: string[] = [];
    for (const [module, reasons] of this.pending) {
      let n = 0;
      for (const count of reasons.values()) n += count;
      total += n;
      const byReason = [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
      parts.push(reasons.size === 1 ? `${module} ${byReason}` : `${module} ${n} (${byReason})`);
    }
    const since = now - this.lastLineAt >= 1_000 ? ` in the last ${elapsedText(now - this.lastLineAt)}` : '';
    this.print(`dead letters: ${records(total)} more${since}: ${parts.join(', ')}; ${deadLetterPointer([...this.pending.keys()])}`);
    this.pending = new Map();
    this.lastLineAt = now;
  }
}
