/**
 * The HTML of a dashboard page: a shell that loads the bundled page script
 * (web/dashboard.ts, built into dist/web/ by scripts/build-web.ts), which fetches the
 * definition and draws the panels. When the bundle is missing the shell says how to
 * build it instead of showing an empty page.
 */
const esc = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function dashboardPage(name: string, title: string, bundled: boolean): string {
  const body = bundled
    ? `<main id="dashboard" data-dashboard="${esc(name)}"><p class="loading">loading…</p></main>
<script type="module" src="/web/dashboard.js"></script>`
    : `<main><p class="problem">The dashboard page is not built (dist/web/dashboard.js is missing): run <code>npm run build</code>, then reload.</p></main>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)} · fastdata</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/web/dashboard.css">
<link rel="icon" href="data:,">
</head>
<body>
<noscript>This dashboard draws its charts with JavaScript; enable it for this page.</noscript>
${body}
</body>
</html>`;
}

/** The 404 page of an unknown dashboard: the ones there are, as links. */
export function notFoundPage(name: string, names: string[]): string {
  const links = names.map((n) => `<li><a href="/dashboards/${encodeURIComponent(n)}">${esc(n)}</a></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>No dashboard ${esc(name)} · fastdata</title><link rel="stylesheet" href="/web/dashboard.css"></head>
<body>
<p>There is no dashboard <code>${esc(name)}</code> (no dashboards/${esc(name)}.yaml).</p>
${names.length ? `<p>The dashboards are:</p><ul>${links}</ul>` : '<p>There are no dashboards yet: add a file to dashboards/.</p>'}
<p><a href="/">status page</a></p>
</body></html>`;
}
