/**
 * The terminal line of an alert change, for the author watching `dev` or `run`:
 *
 *   ALERT FIRING overheating sensor-07 (critical): sensor-07 runs hot: 31.1 °C
 *   ALERT FIRING (silenced by "maintenance", silence 6c1d…) overheating sensor-07 (critical): ...
 *   ALERT resolved overheating sensor-07 after 3m12s (was: sensor-07 runs hot: 31.1 °C)
 *
 * A silenced firing says so, because the receivers do not get it. A resolve's annotations
 * are rendered from the record that resolved it (docs/alerts.md), so its summary, written
 * for the firing ("runs hot: 22.4 °C"), would read wrong here: the line shows how long the
 * alert fired and the firing's summary, remembered from the firing line this process
 * printed. A resolve whose firing this process did not print (it fired before a restart)
 * shows its own summary marked as the values at resolve time.
 */
import type { AlertNotification } from '../alerts/engine/index.js';
import { elapsedText } from './elapsed-text.js';

/** The silence that keeps a firing from the receivers. */
export interface SilencedBy {
  id: string;
  comment: string;
}

/** Firing summaries kept for their resolves; the oldest are forgotten past this many alerts firing at once. */
export const REMEMBERED_FIRINGS = 10_000;

export class AlertLines {
  /** Alert instance id -> what its firing line said. */
  private readonly firing = new Map<string, { summary: string | undefined; silenced: boolean }>();

  constructor(private readonly limit = REMEMBERED_FIRINGS) {}

  line(n: AlertNotification, silencedBy?: SilencedBy): string {
    const summary = n.annotations.summary;
    if (n.status === 'firing') {
      this.remember(n.id, summary, silencedBy !== undefined);
      const silenced = silencedBy ? ` (silenced by ${silencedBy.comment ? `${JSON.stringify(silencedBy.comment)}, ` : ''}silence ${silencedBy.id}; receivers are not sent it)` : '';
      return `ALERT FIRING${silenced} ${n.rule} ${n.key} (${n.severity})${summary ? `: ${summary}` : ''}`;
    }
    const fired = this.firing.get(n.id);
    this.firing.delete(n.id);
    const after = n.endsAt !== undefined ? ` after ${elapsedText(n.endsAt - n.startsAt)}` : '';
    let detail = '';
    if (fired) {
      const parts = [fired.summary ? `was: ${fired.summary}` : undefined, fired.silenced ? 'its firing was silenced' : undefined].filter(Boolean);
      if (parts.length > 0) detail = ` (${parts.join('; ')})`;
    } else if (summary) {
      detail = ` (at resolve: ${summary})`;
    }
    return `ALERT resolved ${n.rule} ${n.key}${after}${detail}`;
  }

  private remember(id: string, summary: string | undefined, silenced: boolean): void {
    this.firing.delete(id);
    this.firing.set(id, { summary, silenced });
    if (this.firing.size > this.limit) this.firing.delete(this.firing.keys().next().value!);
  }
}
