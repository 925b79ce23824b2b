/** A panel the dashboard file describes wrongly: its problems (file:line:col) in its own box; the other panels work. */
import { el } from '../format.js';
import type { ErrorPanelDef } from '../../src/serve/dashboards/definition.js';
import { panelFrame, type Panel } from './panel.js';

export class ErrorPanel implements Panel {
  readonly element: HTMLElement;

  constructor(def: ErrorPanelDef) {
    const frame = panelFrame('error', def.title);
    this.element = frame.element;
    this.element.dataset.problem = 'true';
    const list = el('ul', 'problems');
    for (const problem of def.problems) list.append(el('li', 'problem', problem));
    frame.body.append(el('p', 'problem', 'This panel is not shown: fix the dashboard file, then reload.'), list);
  }

  async start(): Promise<void> {}

  dispose(): void {}

  points(): number {
    return 0;
  }
}
