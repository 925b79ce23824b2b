/**
 * The HTML of the catalog page (/catalog): a shell that loads the bundled page script
 * (web/catalog.ts, built into dist/web/ by scripts/build-web.ts), which fetches
 * /api/catalog and draws the lineage graph and the lists. When the bundle is missing the
 * shell says how to build it.
 */
export function catalogPage(bundled: boolean): string {
  const body = bundled
    ? `<main id="catalog"><p class="loading">loading…</p></main>
<script type="module" src="/web/catalog.js"></script>`
    : `<main><p class="problem">The catalog page is not built (dist/web/catalog.js is missing): run <code>npm run build</code>, then reload.</p></main>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Catalog · fastdata</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/web/catalog.css">
<link rel="icon" href="data:,">
</head>
<body>
<noscript>The catalog draws its lineage graph with JavaScript; enable it for this page, or read /api/catalog.</noscript>
${body}
</body>
</html>`;
}
