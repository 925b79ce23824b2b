/**
 * Compiles the package (tsc -p tsconfig.build.json) when a source file is newer than the
 * last build, so what runs the `fastdata` command or the compiled runtime (the test
 * suite's global setup, the benchmarks) never runs a stale dist/.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of any file under `dir`. */
export function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds `root`'s dist/ if it is missing or older than src/; says so on `log`. */
export function ensureBuilt(root: string, log: (message: string) => void = () => {}): void {
  let built = 0;
  try {
    built = statSync(join(root, 'dist', 'index.js')).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (built > newestMtime(join(root, 'src'))) return;
  log('dist/ is missing or older than src/: building it (tsc -p tsconfig.build.json)');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
