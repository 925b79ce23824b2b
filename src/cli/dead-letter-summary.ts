/**
 * Dead letters in the terminal of `dev` and `run`, summed up so they do not bury the
 * alerts (issue 17: late-record notices were 23 of 49 lines in 12 minutes), while every
 * record stays counted:
 *
 * - the first dead letter of each module and reason is printed at once, with its message;
 * - after that a module gets at most one line a minute (`intervalMs`), counting by reason
 *   what went to its dead-letter topic since its previous line, with one example;
 * - `flush` (at stop) prints whatever is still counted, due or not.
 *
 * Every line says where the records are (the module's dead-letter topic, the counts on the
 * status page), so a summary hides nothing it does not point to. Time comes from `now`
 * (a fake clock in tests); `tick` is called by the command's timer.
 */
import { internalTopics } from '../stream/define.js';
import { elapsedText } from './elapsed-text.js';

export interface DeadLetterSummaryOptions {
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Writes one line (the command prefixes the time of day). */
  print: (line: string) => void;
  /** At most one summary line per module this often (default 60 s). */
  intervalMs?: number;
}

export const SUMMARY_INTERVAL_MS = 60_000;

interface ModuleCounts {
  /** Reasons whose first record was printed (later ones are counted). */
  seen: Set<string>;
  /** Counted since the module's last line, by reason, in the order they came. */
  pending: Map<string, { n: number; example: string }>;
  /** When the module's last line was printed. */
  lastLineAt: number;
}

/** A stream module's name is a topic-safe word; others (`alerts`, `<module>:cassandra`, `source:<name>`) keep theirs elsewhere. */
const MODULE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Where a module's dead letters can be read in full. */
export function deadLetterPointer(module: string): string {
  const topic = MODULE_NAME.test(module) && module !== 'alerts' ? internalTopics(module).deadLetter : undefined;
  return topic ? `all kept in ${topic} (npx fastdata tail ${topic}), counted on the status page` : 'all kept in its dead-letter topic, counted on the status page';
}

const records = (n: number) => `${n} record${n === 1 ? '' : 's'}`;

export class DeadLetterSummary {
  private readonly modules = new Map<string, ModuleCounts>();
  private readonly now: () => number;
  private readonly print: (line: string) => void;
  private readonly intervalMs: number;

  constructor(options: DeadLetterSummaryOptions) {
    this.now = options.now ?? Date.now;
    this.print = options.print;
    this.intervalMs = options.intervalMs ?? SUMMARY_INTERVAL_MS;
  }

  add(module: string, reason: string, message: string): void {
    let m = this.modules.get(module);
    if (!m) {
      m = { seen: new Set(), pending: new Map(), lastLineAt: Number.NEGATIVE_INFINITY };
      this.modules.set(module, m);
    }
    if (!m.seen.has(reason)) {
      m.seen.add(reason);
      this.print(
        `${module}: a record to the dead-letter topic (${reason}): ${message}; ${deadLetterPointer(module)}. ` +
          `More are summed up here, at most one line a minute`,
      );
      // The module's next summary comes a minute after this line, whatever it counts.
      if (m.pending.size === 0) m.lastLineAt = this.now();
      return;
    }
    const entry = m.pending.get(reason);
    if (entry) entry.n++;
    else m.pending.set(reason, { n: 1, example: message });
  }

  /** Prints the summary of every module whose minute is up. */
  tick(): void {
    const now = this.now();
    for (const [module, m] of this.modules) if (m.pending.size > 0 && now - m.lastLineAt >= this.intervalMs) this.summary(module, m, now);
  }

  /** Prints everything still counted (the process stops). */
  flush(): void {
    const now = this.now();
    for (const [module, m] of this.modules) if (m.pending.size > 0) this.summary(module, m, now);
  }

  private summary(module: string, m: ModuleCounts, now: number): void {
    let total = 0;
    for (const { n } of m.pending.values()) total += n;
    const byReason = [...m.pending].map(([reason, { n }]) => `${reason} ${n}`).join(', ');
    const [firstReason, first] = [...m.pending][0]!;
    const since = now - m.lastLineAt >= 1_000 ? ` in the last ${elapsedText(now - m.lastLineAt)}` : '';
    this.print(`${module}: ${records(total)} more to the dead-letter topic${since} (${byReason}), e.g. ${firstReason}: ${first.example}; ${deadLetterPointer(module)}`);
    m.pending = new Map();
    m.lastLineAt = now;
  }
}
