/**
 * The status page of `fastdata dev`: links to the dashboards and outputs, then modules
 * (with their live metrics: rates, lag, watermark delay, late and dead-lettered counts,
 * from /api/metrics/modules, every second; in red, a watermark ahead of the clock by more
 * than the module's maxFutureSkew, records refused for an event time from the future, and a
 * checkpointed watermark left out at restore for that), sources and topics (every two seconds). Plain
 * HTML and a few lines of script; the dashboards (with charts) are their own pages. The inline
 * style and script carry the answer's CSP nonce (guard/security-headers.ts).
 */
export function statusPage(nonce: { script: string; style: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fastdata</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style nonce="${nonce.style}">
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.05rem; margin: 1.75rem 0 .5rem; }
  table { border-collapse: collapse; min-width: 40rem; }
  th, td { text-align: left; padding: .3rem .8rem .3rem 0; border-bottom: 1px solid #e3e6ec; font-variant-numeric: tabular-nums; }
  th { font-weight: 600; color: #5a6275; }
  .failed { color: #b42318; } .running { color: #067647; } .waiting { color: #b54708; }
  code { background: #f2f4f7; padding: 0 .25rem; border-radius: 3px; }
  #error { color: #b42318; }
  .note { color: #5a6275; margin: .4rem 0 0; }
</style>
</head>
<body>
<h1>fastdata</h1>
<div id="summary">loading…</div>
<div id="error"></div>
<div id="load-failures"></div>
<h2>Dashboards</h2>
<ul id="dashboards"></ul>
<h2>Outputs</h2>
<ul id="outputs"></ul>
<h2>Stream modules</h2>
<table id="module-metrics"><thead><tr><th>module</th><th>state</th><th>inputs → output</th><th title="input records per second, over the last seconds">in/s</th><th title="output records per second">out/s</th><th>records</th><th>outputs</th><th title="input records not yet processed">lag</th><th title="now minus the watermark: how far event time is behind (ahead: the watermark is past the clock)">watermark delay</th><th>late</th><th title="records sent to the module's dead-letter topic; 'from the future': event time further ahead of the clock than watermark.maxFutureSkew">dead letters</th></tr></thead><tbody id="modules"></tbody></table>
<p class="note">The same figures for Prometheus, with latency histograms: <a href="/metrics">/metrics</a>.</p>
<h2>Sources</h2>
<table><thead><tr><th>source</th><th>kind</th><th>state</th><th>topic</th><th>produced</th><th title="records it could not write, in fastdata.source.&lt;name&gt;.dlq">dead letters</th><th>details</th></tr></thead><tbody id="sources"></tbody></table>
<p class="note">Declared in <code>sources/*.yaml</code> (docs/sources.md); a file that does not load is listed with its problem.</p>
<h2>Alert receivers</h2>
<table><thead><tr><th>receiver</th><th>kind</th><th>state</th><th title="notifications held while it is down, sent again in order when it answers">parked</th><th>oldest parked</th><th>re-sent</th><th title="dropped undelivered: older than the receiver's max_age">expired</th><th>last error</th></tr></thead><tbody id="receivers"></tbody></table>
<h2>Topics</h2>
<table><thead><tr><th>topic</th><th>partitions</th><th>records (end offsets)</th><th>cleanup</th></tr></thead><tbody id="topics"></tbody></table>
<p>Tail a topic in a terminal: <code id="tail-hint">npx fastdata tail &lt;topic&gt;</code>. The schema registry (Confluent API) is at <a href="/registry/subjects">/registry</a>.</p>
<script nonce="${nonce.script}">
const esc = (v) => String(v ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const time = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '–');
const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
const minOf = (o) => { const v = Object.values(o ?? {}).filter(Number.isFinite); return v.length ? Math.min(...v) : NaN; };
// The modules as /api/status describes them (inputs, output, state, error), refreshed with the rest.
let modules = [];
async function refresh() {
  try {
    const s = await (await fetch('/api/status')).json();
    document.getElementById('error').textContent = '';
    document.getElementById('summary').textContent = s.summary ?? '';
    modules = s.modules ?? [];
    // A module file that does not load (or a hot reload that failed: the previous version keeps running).
    document.getElementById('load-failures').innerHTML = (s.loadFailures ?? []).map((f) =>
      '<p class="failed load-failure"><strong>' + esc(f.file) + '</strong> did not load: <code>' + esc(f.error) + '</code></p>').join('');
    document.getElementById('sources').innerHTML = (s.sources ?? []).map((g) =>
      '<tr class="' + (g.state === 'failed' || g.state === 'invalid' ? 'failed' : '') + '"><td>' + esc(g.name) + '</td><td>' + esc(g.kind ?? '') + '</td><td>' + esc(g.state ?? '') + '</td><td>' + esc(g.topic) + '</td><td>' + (g.produced ?? 0) + '</td><td>' + (g.deadLetters ?? 0) + '</td><td>' + esc(g.details ?? '') + '</td></tr>').join('');
    refreshReceivers().catch(() => {});
    document.getElementById('topics').innerHTML = (s.topics ?? []).map((t) =>
      '<tr><td>' + esc(t.name) + '</td><td>' + t.partitions + '</td><td>' + t.records + '</td><td>' + esc(t.cleanupPolicy) + '</td></tr>').join('');
  } catch (e) {
    document.getElementById('error').textContent = 'cannot reach the fastdata process: ' + e.message;
  }
}
// The alert receivers (GET /api/alerts/undelivered): a receiver taken for down in red, with what it holds.
async function refreshReceivers() {
  const r = await fetch('/api/alerts/undelivered');
  const receivers = r.ok ? (await r.json()).receivers ?? [] : [];
  document.getElementById('receivers').innerHTML = receivers.map((x) =>
    '<tr class="' + (x.state === 'parked' ? 'failed' : '') + '"><td>' + esc(x.receiver) + '</td><td>' + esc(x.kind) + '</td><td>' + esc(x.state === 'parked' ? 'down since ' + time(x.since) : 'delivering') + '</td><td>' + (x.parked ?? 0) +
    '</td><td>' + (x.oldestAgeMs ? delay(x.oldestAgeMs / 1000) : '–') + '</td><td>' + (x.resent ?? 0) + '</td><td>' + (x.expired ?? 0) + '</td><td>' + esc(x.lastError ?? '') + '</td></tr>').join('') || '<tr><td colspan="8">none: this process delivers no alerts</td></tr>';
}
const rate = (v) => (v === null || v === undefined ? '–' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en'));
const delay = (s) => (s === null || s === undefined ? '–' : s < 120 ? s.toFixed(1) + ' s' : s < 7200 ? (s / 60).toFixed(1) + ' min' : s < 172800 ? (s / 3600).toFixed(1) + ' h' : Math.round(s / 86400).toLocaleString('en') + ' d');
// The watermark delay; a watermark ahead of the clock instead (in red beyond the module's maxFutureSkew: records from
// the future moved it, and the module takes later records for late), and a checkpointed watermark left out at restore.
function watermarkCell(m, f) {
  const ahead = f.watermarkAheadSeconds ?? 0;
  const skew = (m.maxFutureSkew ?? Infinity) / 1000;
  const reset = f.lastWatermarkReset ?? m.lastWatermarkReset;
  const text = ahead > 0 ? '<span class="watermark-ahead' + (ahead > skew ? ' failed' : '') + '">ahead ' + delay(ahead) + '</span>' : delay(f.watermarkDelaySeconds);
  const note = reset ? '<div class="watermark-reset failed" title="the checkpoint said ' + esc(time(reset.watermark)) + ', further ahead of the clock than watermark.maxFutureSkew: event time restarted from the records that followed">partition ' +
    esc(reset.partition) + ': watermark ' + esc(time(reset.watermark)) + ' not restored (' + esc(time(reset.at)) + ')</div>' : '';
  return '<td class="watermark-delay" title="watermark ' + esc(time(minOf(m.watermarks))) + '">' + text + note + '</td>';
}
// Rates and delays are computed by the server (GET /api/metrics/modules), so every viewer sees the same;
// a process without metrics (404) shows the counts of /api/status instead.
async function refreshMetrics() {
  let figures = {};
  try {
    const r = await fetch('/api/metrics/modules');
    if (r.ok) figures = Object.fromEntries(((await r.json()).modules ?? []).map((m) => [m.module, m]));
  } catch {}
  document.getElementById('modules').innerHTML = modules.map((m) => {
    const f = figures[m.module] ?? { records: m.records, outputs: m.outputs, late: m.late, deadLettered: m.deadLettered, future: m.future, lag: sum(m.lag), lastWatermarkReset: m.lastWatermarkReset };
    return '<tr data-module="' + esc(m.module) + '"><td>' + esc(m.module) + '</td><td class="' + esc(m.state) + '">' + esc(m.state) + (m.error ? ': ' + esc(m.error) : '') + '</td><td>' +
      esc((m.inputs ?? []).join(', ')) + ' → ' + esc(m.output) + '</td><td class="in-rate">' + rate(f.inputRate) + '</td><td class="out-rate">' + rate(f.outputRate) + '</td><td>' +
      (f.records ?? 0) + '</td><td>' + (f.outputs ?? 0) + '</td><td class="lag">' + (f.lag ?? 0) + '</td>' + watermarkCell(m, f) +
      '<td class="late">' + (f.late ?? 0) + '</td><td class="dead-lettered">' + (f.deadLettered ?? 0) +
      (f.future > 0 ? '<span class="future failed" title="event time further ahead of the clock than watermark.maxFutureSkew: dead-lettered as future-event-time, they moved no watermark">, ' + f.future + ' from the future</span>' : '') + '</td></tr>';
  }).join('');
}
// Dashboards (with their problems) and outputs (latest values as JSON), served where the access layer runs.
async function links() {
  const get = async (url) => { const r = await fetch(url); return r.ok ? r.json() : {}; };
  const d = (await get('/api/dashboards')).dashboards ?? [];
  document.getElementById('dashboards').innerHTML = d.map((x) => '<li><a href="' + esc(x.url) + '">' + esc(x.title ?? x.name) + '</a>' +
    (x.errors.length ? ' <span class="failed">' + esc(x.errors.join('; ')) + '</span>' : '') + '</li>').join('') || '<li>none: add a YAML file to dashboards/</li>';
  const o = (await get('/api/outputs')).outputs ?? [];
  // The hint names an output this project has (a new project has no sensor.stats).
  if (o.length) document.getElementById('tail-hint').textContent = 'npx fastdata tail ' + (o.find((x) => !x.topic.startsWith('fastdata.')) ?? o[0]).topic;
  document.getElementById('outputs').innerHTML = o.map((x) => '<li><a href="/api/outputs/' + encodeURIComponent(x.topic) + '/latest">' + esc(x.topic) + '</a> (' + esc(x.module) + ')</li>').join('') || '<li>none yet</li>';
}
const tick = () => { links().catch(() => {}); return refresh(); };
// Opened with #token=<token> (a server with tokens): traded for the session cookie first, and dropped from the address bar (web/session.ts does the same).
const token = /(?:^#|&)token=([^&]+)/.exec(location.hash);
if (token) history.replaceState(null, '', location.pathname + location.search);
const session = token ? fetch('/api/session', { method: 'POST', headers: { authorization: 'Bearer ' + decodeURIComponent(token[1]) } }).catch(() => {}) : Promise.resolve();
session.finally(() => {
  // The first metrics table once the modules are known.
  tick().finally(refreshMetrics);
  setInterval(tick, 2000);
  setInterval(refreshMetrics, 1000);
});
</script>
</body>
</html>`;
}
