/** The connection badge of the page, and the note that records were skipped for a slow connection. */
import { el } from './format.js';
import type { ConnectionState } from './live.js';

export class ConnectionStatus {
  readonly element = el('div', 'connection');
  private readonly badge = el('span', 'badge', 'connecting…');
  private readonly missedNote = el('span', 'missed');
  private missed = 0;
  state: ConnectionState['kind'] = 'connecting';

  constructor() {
    this.missedNote.hidden = true;
    this.element.append(this.badge, this.missedNote);
  }

  set(state: ConnectionState): void {
    this.state = state.kind;
    this.badge.dataset.state = state.kind;
    this.badge.textContent =
      state.kind === 'live' ? 'live' : state.kind === 'connecting' ? 'connecting…' : `disconnected: retrying in ${Math.ceil(state.inMs / 1000)} s (attempt ${state.attempt})`;
  }

  addMissed(count: number): void {
    this.missed += count;
    this.missedNote.hidden = false;
    this.missedNote.textContent = `missed ${this.missed} (slow connection)`;
    this.missedNote.title = 'The server skipped or merged updates this page could not take in time; the latest values are shown.';
  }
}
