/**
 * The catalog page (/catalog): everything the project has — topics, modules (doc and
 * code), alert rules, dashboards, sinks, schemas — with the lineage graph drawn as SVG.
 * Details are fetched when asked for: a topic's profile, an output's provenance ("how
 * was this made"), a subject's versions with their field changes. Bundled with esbuild
 * into dist/web/catalog.js by scripts/build-web.ts.
 *
 * `window.__fastdata` says when the page is drawn and how many nodes and edges the graph
 * has, for the browser test.
 */
import './catalog.css';
import { ApiError, getJson } from './api.js';
import { drawLineage } from './catalog-graph.js';
import { el, formatValue } from './format.js';
import type { Catalog, CatalogInput, CatalogTopic, Provenance, SchemaHistory, TopicProfile } from '../src/catalog/types.js';
import { takeTokenFromUrl } from './session.js';

declare global {
  interface Window {
    __fastdata?: unknown;
  }
}

const enc = encodeURIComponent;
const when = (ms: number | null) => (ms === null ? '–' : new Date(ms).toLocaleString(undefined, { hour12: false }));
const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)} %`;

function section(title: string, id: string): HTMLElement {
  const s = el('section', 'part');
  s.id = id;
  s.append(el('h2', '', title));
  return s;
}

function table(headers: string[], rows: (string | Node)[][]): HTMLTableElement {
  const t = el('table');
  const head = el('tr');
  for (const h of headers) head.append(el('th', '', h));
  t.append(head);
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) {
      const td = el('td');
      td.append(cell);
      tr.append(td);
    }
    t.append(tr);
  }
  return t;
}

function link(text: string, href: string): HTMLAnchorElement {
  const a = el('a', '', text);
  a.href = href;
  return a;
}

/** A button that loads details once into the box after it, and hides/shows them after. */
function detailsButton(label: string, load: () => Promise<Node>): HTMLElement {
  const wrap = el('div', 'details');
  const button = el('button', '', label);
  const box = el('div', 'box');
  box.hidden = true;
  let loaded = false;
  button.addEventListener('click', async () => {
    box.hidden = !box.hidden;
    if (loaded || box.hidden) return;
    loaded = true;
    box.replaceChildren(el('p', 'loading', 'loading…'));
    try {
      box.replaceChildren(await load());
    } catch (error) {
      loaded = false;
      box.replaceChildren(el('pre', 'problem', error instanceof Error ? error.message : String(error)));
    }
  });
  wrap.append(button, box);
  return wrap;
}

async function profileView(topic: string): Promise<Node> {
  const p = await getJson<TopicProfile>(`/api/catalog/topics/${enc(topic)}/profile`);
  const box = el('div');
  box.append(
    el(
      'p',
      '',
      `${p.records} records in ${p.partitions} partition(s), ${p.ratePerSecond.toFixed(2)}/s over the last minute, last record ${when(p.lastRecordTime)}. ` +
        `Sample of the newest ${p.sample.records}: ${p.sample.decodeFailures} failed to decode (${percent(p.sample.decodeFailureShare)}), ${p.sample.tombstones} tombstones.`,
    ),
  );
  for (const example of p.sample.failureExamples) box.append(el('pre', 'problem', example));
  box.append(
    table(
      ['field', 'null rate', 'min', 'max', 'distinct'],
      p.fields.map((f) => [f.path || '(value)', percent(f.nullRate), formatValue(f.min), formatValue(f.max), f.distinctCapped ? `≥ ${f.distinct}` : String(f.distinct)]),
    ),
  );
  return box;
}

async function provenanceView(topic: string): Promise<Node> {
  const p = await getJson<Provenance>(`/api/catalog/outputs/${enc(topic)}/provenance`);
  const list = el('ul', 'provenance');
  const item = (text: string) => list.appendChild(el('li', '', text));
  item(p.writer.kind === 'module' ? `written by module ${p.writer.module.name}${p.writer.module.file ? ` (${p.writer.module.file})` : ''}` : `written by the alert rules ${p.writer.rules.map((r) => r.name).join(', ')}`);
  for (const i of p.inputs) item(`input ${i.topic} (${i.role}${i.writer ? ` of ${i.writer}` : ''}), schema ${i.schema ? `${i.schema.subject} v${i.schema.version} (id ${i.schema.id})` : 'not registered'}`);
  item(`schema ${p.schema.subject}: versions ${p.schema.versions.map((v) => `v${v.version}`).join(', ') || 'none yet'}${p.schema.file ? ` from ${p.schema.file}` : ''}`);
  item(p.code ? `code: commit ${p.code.commit?.slice(0, 12) ?? '(not committed)'}${p.code.modified ? ', with uncommitted changes' : ''} (HEAD ${p.code.head?.slice(0, 12) ?? '?'})` : 'code version: not a git checkout');
  item(`feeds ${p.feeds.map((n) => `${n.kind} ${n.label}`).join(', ') || 'nothing yet'}`);
  return list;
}

async function schemaView(subject: string): Promise<Node> {
  const h = await getJson<SchemaHistory>(`/api/catalog/schemas/${enc(subject)}`);
  const box = el('div');
  for (const v of [...h.versions].reverse()) {
    box.append(el('h4', '', `version ${v.version} (id ${v.id})`));
    if (v.version === h.versions[0]?.version) box.append(el('p', '', 'first version'));
    else if (v.changes.length === 0) box.append(el('p', '', 'no field changes'));
    else box.append(table(['field', 'change', 'details'], v.changes.map((c) => [c.path, c.change, c.change === 'added' ? `${c.after!.type}${c.after!.nullable ? ', nullable' : ''}` : c.change === 'removed' ? `was ${c.before!.type}` : c.details.join('; ')])));
    const raw = el('details');
    raw.append(el('summary', '', 'schema'), el('pre', '', JSON.stringify(v.schema, null, 2)));
    box.append(raw);
  }
  return box;
}

function inputsPart(inputs: CatalogInput[]): HTMLElement {
  const s = section('Sources', 'inputs');
  s.append(
    table(
      ['source', 'kind', 'reads', 'writes', 'schema', 'key', 'event time', 'dead letters', 'file'],
      inputs.map((i) => {
        const name = el('span', 'name', i.name);
        name.id = `entry-input:${i.name}`;
        return [name, i.kind, i.reads, i.topic, i.schemaFile ?? 'registered', i.key ?? '–', i.time ?? 'arrival', i.deadLetterTopic ?? '–', i.file];
      }),
    ),
  );
  return s;
}

function topicsPart(topics: CatalogTopic[]): HTMLElement {
  const s = section('Topics', 'topics');
  s.append(
    table(
      ['topic', 'role', 'partitions', 'written by', 'read by', 'schema versions', 'profile'],
      topics.map((t) => {
        const name = el('span', 'name', t.name);
        name.id = `entry-topic:${t.name}`;
        return [name, t.role, t.partitions === null ? 'not created yet' : String(t.partitions), t.writer ?? '–', t.readers.join(', ') || '–', t.schemaVersions.join(', ') || '–', t.partitions === null ? '–' : detailsButton('profile', () => profileView(t.name))];
      }),
    ),
  );
  return s;
}

function draw(root: HTMLElement, catalog: Catalog): void {
  const header = el('header', 'page');
  header.append(el('h1', '', 'Catalog'), link('status page', '/'));
  const parts: HTMLElement[] = [header];
  if (catalog.problems.length > 0) {
    const p = section('Problems', 'problems');
    for (const line of catalog.problems) p.append(el('pre', 'problem', line));
    parts.push(p);
  }
  const lineage = section('Lineage', 'lineage');
  const legend = el('p', 'legend');
  for (const kind of ['input', 'source', 'internal', 'module', 'output', 'rule', 'dashboard', 'sink']) legend.append(el('span', `key kind-${kind}`, kind));
  const scroller = el('div', 'graph');
  scroller.append(
    drawLineage(catalog.lineage, (id) => {
      const target = document.getElementById(`entry-${id}`);
      target?.scrollIntoView({ behavior: 'smooth', block: 'center' });
      target?.classList.add('selected');
      setTimeout(() => target?.classList.remove('selected'), 1_500);
    }),
  );
  lineage.append(legend, scroller);
  parts.push(lineage, inputsPart(catalog.inputs), topicsPart(catalog.topics));

  const modules = section('Modules', 'modules');
  for (const m of catalog.modules) {
    const card = el('article', 'module');
    card.id = `entry-module:${m.name}`;
    card.append(el('h3', '', m.name), el('p', 'flow', `${m.inputs.join(', ')}${m.tables.map((t) => ` ⋈ table ${t}`).join('')} → ${m.output}${m.sinks.map((s) => ` → ${s.kind} ${s.table}`).join('')}`));
    const doc = el('div', 'doc');
    // docHtml is rendered server-side from escaped text (src/catalog/markdown.ts): no markup of the author's survives.
    doc.innerHTML = m.docHtml;
    card.append(doc);
    const meta = el('p', 'meta');
    if (m.file && m.codeUrl) meta.append('code: ', link(m.file, m.codeUrl));
    if (m.schemaFile) meta.append(`  schema: ${m.schemaFile}`);
    card.append(meta, detailsButton('how was this made', () => provenanceView(m.output)));
    modules.append(card);
  }
  parts.push(modules);

  const rules = section('Alert rules', 'rules');
  rules.append(
    table(
      ['rule', 'reads', 'severity', 'receivers', 'file', 'description'],
      catalog.rules.map((r) => {
        const name = el('span', 'name', r.name);
        name.id = `entry-rule:${r.name}`;
        return [name, r.source, r.severity, r.receivers.join(', '), `${r.file}:${r.line}`, r.description ?? ''];
      }),
    ),
  );
  if (catalog.rules.length > 0) rules.append(detailsButton(`how was ${catalog.rules[0]!.output} made`, () => provenanceView(catalog.rules[0]!.output)));
  const dashboards = section('Dashboards', 'dashboards');
  dashboards.append(
    table(
      ['dashboard', 'title', 'reads', 'file'],
      catalog.dashboards.map((d) => {
        const a = link(d.name, d.url);
        a.id = `entry-dashboard:${d.name}`;
        return [a, d.title ?? '', d.topics.join(', '), d.file];
      }),
    ),
  );
  const sinks = section('Sinks', 'sinks');
  sinks.append(
    table(
      ['sink', 'table', 'topic', 'module'],
      catalog.sinks.map((k) => {
        const name = el('span', 'name', k.kind);
        name.id = `entry-sink:${k.kind}:${k.table}`;
        return [name, k.table, k.topic, k.module];
      }),
    ),
  );
  const schemas = section('Schemas', 'schemas');
  schemas.append(table(['subject', 'versions', 'latest', 'history'], catalog.schemas.map((s) => [s.subject, s.versions.join(', '), s.latest ? `v${s.latest.version} (id ${s.latest.id})` : '–', detailsButton('versions and changes', () => schemaView(s.subject))])));
  parts.push(rules, dashboards, sinks, schemas);
  root.replaceChildren(...parts);
}

async function main(root: HTMLElement): Promise<void> {
  await takeTokenFromUrl();
  let catalog: Catalog;
  try {
    catalog = await getJson<Catalog>('/api/catalog');
  } catch (error) {
    root.replaceChildren(el('h1', '', 'Catalog'), el('pre', 'problem', error instanceof ApiError ? error.message : `cannot load the catalog: ${(error as Error).message}`));
    window.__fastdata = { catalogLoaded: false, error: String(error) };
    return;
  }
  draw(root, catalog);
  window.__fastdata = { catalogLoaded: true, nodes: catalog.lineage.nodes.length, edges: catalog.lineage.edges.length };
}

const root = document.getElementById('catalog');
if (root) void main(root);
