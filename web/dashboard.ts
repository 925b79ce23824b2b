/**
 * The dashboard page (/dashboards/<name>): fetches the definition, draws the time-range
 * picker and the variables' key selectors, draws each panel from the history of the range
 * (REST), then keeps it live over the WebSocket (/ws) while the range ends now. The range
 * and the selected keys are in the address (view-state.ts): a view can be shared, and a
 * reload shows it again. Changing them redraws only the panels they concern. A panel the
 * file describes wrongly is a box with its problems; the others work. Bundled with esbuild
 * into dist/web/dashboard.js by scripts/build-web.ts.
 *
 * `window.__fastdata` exposes counters (records from history and live, points drawn, the
 * connection state, the view) for the browser tests and for anyone curious in the console.
 */
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { ApiError, getDashboard, getSession, type LiveRecord } from './api.js';
import { rangePicker, variableSelector } from './controls.js';
import { el } from './format.js';
import { LiveConnection } from './live.js';
import { AlertsPanel } from './panels/alerts.js';
import { ErrorPanel } from './panels/error.js';
import type { Panel, PanelContext } from './panels/panel.js';
import { StatPanel } from './panels/stat.js';
import { TablePanel } from './panels/table.js';
import { TimeseriesPanel } from './panels/timeseries.js';
import { ConnectionStatus } from './status.js';
import type { DashboardDef, PanelDef } from '../src/serve/dashboards/definition.js';
import { takeTokenFromUrl } from './session.js';
import { readState, resolveRange, sameRange, stateSearch, type TimeRange, type ViewState } from './view-state.js';

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
    case 'error':
      return new ErrorPanel(def);
  }
}

/** Whether a panel shows the time range (alerts list the latest states; an error panel nothing). */
const followsRange = (def: PanelDef) => def.kind === 'timeseries' || def.kind === 'stat' || def.kind === 'table';
const usesVariable = (def: PanelDef, name: string) => 'variable' in def && def.kind !== 'alerts' && def.variable === name;

async function main(root: HTMLElement): Promise<void> {
  await takeTokenFromUrl();
  const name = root.dataset.dashboard ?? '';
  let def: DashboardDef;
  try {
    def = await getDashboard(name);
  } catch (error) {
    const message = error instanceof ApiError ? error.message : `cannot load the dashboard: ${(error as Error).message}`;
    root.replaceChildren(el('h1', '', name), el('pre', 'problem', message));
    return;
  }
  const session = await getSession();
  document.title = `${def.title} · fastdata`;

  // The view: the address's, else the file's defaults.
  const fallback: ViewState = { range: { kind: 'relative', lastMs: def.rangeMs }, variables: new Map(def.variables.map((v) => [v.name, v.default])) };
  let state = readState(location.search, fallback, Date.now());

  const status = new ConnectionStatus();
  const header = el('header', 'page');
  const titles = el('div');
  titles.append(el('h1', '', def.title));
  if (def.description) titles.append(el('p', 'description', def.description));
  const home = el('a', 'home', 'fastdata');
  home.href = '/';
  header.append(titles, status.element, home);

  const bar = el('nav', 'controls');
  const picker = rangePicker(state.range, (range) => setRange(range));
  const selectors = def.variables.map((v) => variableSelector(v, state.variables.get(v.name) ?? [], (keys) => setVariable(v.name, keys)));
  bar.append(...selectors.map((s) => s.element), picker.element);
  const grid = el('div', 'grid');
  root.replaceChildren(header, bar, grid);
  if (def.problems.length) {
    const note = el('p', 'file-problems', `${def.problems.length} problem${def.problems.length === 1 ? '' : 's'} in the dashboard file: the panels concerned show them, the others work.`);
    root.insertBefore(note, grid);
  }

  // A variable with no default starts on its topic's first key.
  const keyLists = await Promise.all(selectors.map((s) => s.ready));
  def.variables.forEach((v, i) => {
    if ((state.variables.get(v.name) ?? []).length === 0 && keyLists[i]!.length > 0) {
      state.variables.set(v.name, [keyLists[i]![0]!]);
      selectors[i]!.set([keyLists[i]![0]!]);
    }
  });

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const live = new LiveConnection(`${scheme}://${location.host}/ws`, { state: (s) => status.set(s), missed: (count) => status.addMissed(count) });
  const linkTo: PanelContext['linkTo'] = ({ dashboard, variable, key, from, to }) => {
    const target = dashboard ?? name;
    const chosen = variable ?? (target === name ? (def.variables[0]?.name ?? null) : null);
    const view: ViewState = { range: { kind: 'absolute', from, to }, variables: new Map(chosen === null ? [] : [[chosen, [key]]]) };
    return `/dashboards/${encodeURIComponent(target)}${stateSearch(view)}`;
  };
  const context = (): PanelContext => ({
    live,
    range: resolveRange(state.range, Date.now()),
    keysOf: (variable) => state.variables.get(variable) ?? [],
    session,
    linkTo,
  });

  const panels = def.panels.map(panelFor);
  grid.append(...panels.map((p) => p.element));
  const counters = { historyLoaded: false, redraws: 0, pending: 0 };

  /** Redraws the panels at `indices` for the current view (after a change of range or keys). */
  const redraw = async (indices: number[]) => {
    counters.pending++;
    counters.redraws++;
    const started = indices.map((i) => {
      const fresh = panelFor(def.panels[i]!);
      panels[i]!.dispose();
      panels[i]!.element.replaceWith(fresh.element);
      panels[i] = fresh;
      return fresh.start(context());
    });
    await Promise.all(started);
    counters.pending--;
  };
  const all = (test: (d: PanelDef) => boolean) => def.panels.flatMap((d, i) => (test(d) ? [i] : []));
  const writeAddress = () => {
    const search = stateSearch(state, location.search);
    if (search !== location.search) history.pushState(null, '', `${location.pathname}${search}`);
  };
  function setRange(range: TimeRange): void {
    if (sameRange(range, state.range)) return;
    state.range = range;
    picker.set(range);
    writeAddress();
    void redraw(all(followsRange));
  }
  function setVariable(variable: string, keys: string[]): void {
    state.variables.set(variable, keys);
    writeAddress();
    void redraw(all((d) => usesVariable(d, variable)));
  }
  // Back and forward move between views as they were.
  window.addEventListener('popstate', () => {
    state = readState(location.search, fallback, Date.now());
    picker.set(state.range);
    def.variables.forEach((v, i) => selectors[i]!.set(state.variables.get(v.name) ?? []));
    void redraw(all(() => true));
  });

  window.__fastdata = {
    dashboard: name,
    get historyLoaded() {
      return counters.historyLoaded && counters.pending === 0;
    },
    get redraws() {
      return counters.redraws;
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
    get openSubscriptions() {
      return live.open;
    },
    get view() {
      return { range: state.range, variables: Object.fromEntries(state.variables) };
    },
    session,
    counters: live.counters,
    dropConnection: () => live.drop(),
    /** Records handled as if /ws had sent them (the browser test's load). */
    inject: (topic: string, records: LiveRecord[]) => live.inject(topic, records),
  };
  // Subscriptions wait for the socket; panels subscribe once their history is in, so the
  // socket's copy of the same records is recognised and dropped.
  live.start();
  await Promise.all(panels.map((p) => p.start(context())));
  counters.historyLoaded = true;
}

const root = document.getElementById('dashboard');
if (root) void main(root);
