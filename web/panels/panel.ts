/** What every panel is to the page: an element, and a start that loads history then goes live. */
import type { LiveConnection } from '../live.js';
import { el } from '../format.js';

export interface Panel {
  readonly element: HTMLElement;
  /** Loads history over REST, then subscribes; failures show in the panel, not as a broken page. */
  start(live: LiveConnection): Promise<void>;
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
      body.replaceChildren(el('p', 'problem', message));
    },
  };
}

/** Coalesces redraws to one per animation frame: a burst of records costs one render, the page never stalls. */
export function frameScheduler(render: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
}
