/**
 * The dashboard page (/dashboards/<name>): fetches the definition, draws each panel from
 * recent history (REST), then keeps it live over the WebSocket (/ws). Bundled with
 * esbuild into dist/web/dashboard.js by scripts/build-web.ts.
 *
 * `window.__fastdata` exposes counters (records from history and live, points drawn,
 * the connection state) for the browser test and for anyone curious in the console.
 */
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { ApiError, getDashboard } from './api.js';
import { el } from './format.js';
import { LiveConnection } from './live.js';
import { AlertsPanel } from './panels/alerts.js';
import type { Panel } from './panels/panel.js';
import { StatPanel } from './panels/stat.js';
import { TablePanel } from './panels/table.js';
import { TimeseriesPanel } from './panels/timeseries.js';
import { ConnectionStatus } from './status.js';
import type { PanelDef } from '../src/serve/dashboards/definition.js';
import { takeTokenFromUrl } from './session.js';

declare global {
  interface Window {
    __fastdata?: unknown;
  }
}

function panelFor(def: PanelDef): Panel {
  switch (def.kind) {
    case 'timeseries':
      return new TimeseriesPanel(def);
    case 'stat':
      return new StatPanel(def);
    case 'table':
      return new TablePanel(def);
    case 'alerts':
      return new AlertsPanel(def);
  }
}

async function main(root: HTMLElement): Promise<void> {
  await takeTokenFromUrl();
  const name = root.dataset.dashboard ?? '';
  let def;
  try {
    def = await getDashboard(name);
  } catch (error) {
    const message = error instanceof ApiError ? error.message : `cannot load the dashboard: ${(error as Error).message}`;
    root.replaceChildren(el('h1', '', name), el('pre', 'problem', message));
    return;
  }
  document.title = `${def.title} · fastdata`;
  const status = new ConnectionStatus();
  const header = el('header', 'page');
  const titles = el('div');
  titles.append(el('h1', '', def.title));
  if (def.description) titles.append(el('p', 'description', def.description));
  const home = el('a', 'home', 'fastdata');
  home.href = '/';
  header.append(titles, status.element, home);
  const grid = el('div', 'grid');
  const panels = def.panels.map(panelFor);
  grid.append(...panels.map((p) => p.element));
  root.replaceChildren(header, grid);

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const live = new LiveConnection(`${scheme}://${location.host}/ws`, { state: (state) => status.set(state), missed: (count) => status.addMissed(count) });
  const counters = { historyLoaded: false };
  window.__fastdata = {
    dashboard: name,
    get historyLoaded() {
      return counters.historyLoaded;
    },
    get points() {
      return panels.reduce((n, p) => n + p.points(), 0);
    },
    get connection() {
      return status.state;
    },
    get liveRecords() {
      return live.counters.live;
    },
    counters: live.counters,
    dropConnection: () => live.drop(),
  };
  // Subscriptions wait for the socket; panels subscribe once their history is in, so the
  // socket's copy of the same records is recognised and dropped.
  live.start();
  await Promise.all(panels.map((p) => p.start(live)));
  counters.historyLoaded = true;
}

const root = document.getElementById('dashboard');
if (root) void main(root);
