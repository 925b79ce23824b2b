/**
 * Bundles the dashboard page (web/dashboard.ts, with uPlot and its CSS) into dist/web/
 * with esbuild: one ES module and one stylesheet the server serves under /web/. Part of
 * `npm run build`, so `npm start`, `npm test` and `prepare` always produce it.
 *
 *   node --import tsx scripts/build-web.ts
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { newestMtime } from './ensure-build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Writes dist/web/dashboard.js, dist/web/catalog.js and their stylesheets (with source maps). */
export async function buildWeb(root: string = ROOT): Promise<void> {
  await build({
    entryPoints: { dashboard: join(root, 'web', 'dashboard.ts'), catalog: join(root, 'web', 'catalog.ts') },
    outdir: join(root, 'dist', 'web'),
    bundle: true,
    format: 'esm',
    // Browsers of the last few years; the page uses nothing newer.
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    // uPlot's header is not a legal comment (/*! or @license), so minifying would drop its MIT notice.
    banner: { js: '/*! uPlot (c) Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */' },
    logLevel: 'warning',
  });
}

/** Builds dist/web/ when it is missing or older than web/ (tests that open the page call this). */
export async function ensureWebBuilt(root: string = ROOT): Promise<void> {
  let built = 0;
  try {
    built = Math.min(statSync(join(root, 'dist', 'web', 'dashboard.js')).mtimeMs, statSync(join(root, 'dist', 'web', 'catalog.js')).mtimeMs);
  } catch {
    // Not built yet.
  }
  if (built > newestMtime(join(root, 'web'))) return;
  await buildWeb(root);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildWeb();
}
