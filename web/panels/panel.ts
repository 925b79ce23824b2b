/** What every panel is to the page: an element, a start that loads history then goes live, and an end. */
import type { Session } from '../api.js';
import type { LiveConnection } from '../live.js';
import { el } from '../format.js';

/** What the page gives a panel when it starts: the connection, the time range and the variables' keys. */
export interface PanelContext {
  live: LiveConnection;
  /** The range in epoch ms; `to` null: until now, and the panel stays live. */
  range: { from: number; to: number | null };
  /** The keys selected in a variable now. */
  keysOf(variable: string): string[];
  session: Session;
  /** The address of a dashboard showing `key` around [from, to] (alert links). */
  linkTo(options: { dashboard: string | null; variable: string | null; key: string; from: number; to: number | null }): string;
}

export interface Panel {
  readonly element: HTMLElement;
  /** Loads history over REST, then subscribes; failures show in the panel, not as a broken page. */
  start(context: PanelContext): Promise<void>;
  /** Ends its subscriptions and timers (the panel is redrawn for another range or other keys). */
  dispose(): void;
  /** Points (or rows) the panel holds now: what `data-points` says and tests read. */
  points(): number;
}

/** The frame of a panel: a title and a body; `problem` replaces the body with a message. */
export function panelFrame(kind: string, title: string): { element: HTMLElement; body: HTMLElement; note: HTMLElement; problem(message: string): void } {
  const element = el('section', `panel panel-${kind}`);
  element.dataset.kind = kind;
  element.dataset.points = '0';
  const head = el('header');
  head.append(el('h2', '', title));
  const note = el('span', 'note');
  head.append(note);
  const body = el('div', 'body');
  element.append(head, body);
  return {
    element,
    body,
    note,
    problem(message) {
      element.dataset.problem = 'true';
      body.replaceChildren(el('p', 'problem', message));
    },
  };
}

/** Coalesces redraws to one per animation frame: a burst of records costs one render, the page never stalls. */
export function frameScheduler(render: () => void): (() => void) & { cancel(): void } {
  let pending = 0;
  const schedule = () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      render();
    });
  };
  return Object.assign(schedule, {
    cancel() {
      if (pending) cancelAnimationFrame(pending);
      pending = 0;
    },
  });
}
