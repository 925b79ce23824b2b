/**
 * Hot reload benchmark: how long `fastdata dev` takes from saving a module to the terminal
 * line that says it reloaded, with the type check before the reload and without it, on the
 * demo project (this repo's streams/ and schemas/ and its tsconfig.json).
 *
 *   node --import tsx bench/reload.ts [--saves N]
 *
 * Two copies of the demo project in temp dirs, each with node_modules as `npm install`
 * leaves a generated project (fastdata = this repo, rxjs, @types); only the first has
 * `typescript`, so only its reloads are type-checked (the second says it is not). Each
 * runs the built CLI, `fastdata dev` with the demo generator writing readings, and the
 * bench saves `streams/sensor-stats.ts` N times with its doc changed (state kept, so the
 * runner stops, checkpoints and restores as for any edit), waiting for each reload line.
 * The first reload of the checked copy also loads TypeScript and parses the libraries: it
 * is shown on its own. Then a save with a misspelt field (refused in the checked copy) and
 * the fix. Also the check alone (reload/type-check.ts in this process) on an edit.
 *
 * Times are from the write to the line on the process's stderr, so they include the
 * watcher's 100 ms debounce. Nothing asserts a time: it prints figures and the ratio.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModuleTypeChecker } from '../src/app/reload/type-check.js';
import { ensureBuilt } from '../scripts/ensure-build.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin/fastdata.js');
const MODULE = 'streams/sensor-stats.ts';
const DOC = 'One-minute statistics per sensor';

const { values } = parseArgs({ options: { saves: { type: 'string', default: '10' } } });
const saves = Number(values.saves);

async function project(typescript: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `fastdata-bench-reload-${typescript ? 'checked' : 'unchecked'}-`));
  for (const part of ['streams', 'schemas']) await cp(join(REPO, part), join(dir, part), { recursive: true });
  await cp(join(REPO, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'bench-reload', private: true, type: 'module' }));
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO, join(dir, 'node_modules/fastdata'), 'dir');
  await symlink(join(REPO, 'node_modules/rxjs'), join(dir, 'node_modules/rxjs'), 'dir');
  await symlink(join(REPO, 'node_modules/@types'), join(dir, 'node_modules/@types'), 'dir');
  if (typescript) await symlink(join(REPO, 'node_modules/typescript'), join(dir, 'node_modules/typescript'), 'dir');
  return dir;
}

/** `fastdata dev` on `dir`; `until(pattern, after)` resolves when stderr past offset `after` matches. */
function dev(dir: string) {
  const child = spawn(process.execPath, [BIN, 'dev', '--dir', dir, '--data-dir', join(dir, '.fastdata'), '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waiters: { pattern: RegExp; after: number; resolve: () => void }[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(stderr.slice(w.after))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  return {
    get length() {
      return stderr.length;
    },
    until(pattern: RegExp, after: number, timeoutMs = 120_000): Promise<void> {
      if (pattern.test(stderr.slice(after))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms; stderr:\n${stderr.slice(after)}`)), timeoutMs);
        waiters.push({ pattern, after, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    stop: () => new Promise<void>((resolve) => (child.on('close', () => resolve()), child.kill('SIGINT'))),
  };
}

/** Saves `text` and times until `pattern` appears after the save (ms). */
async function timedSave(file: string, text: string, process: ReturnType<typeof dev>, pattern: RegExp): Promise<number> {
  const mark = process.length;
  const start = performance.now();
  await writeFile(file, text);
  await process.until(pattern, mark);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

async function measure(typescript: boolean) {
  const dir = await project(typescript);
  const process = dev(dir);
  try {
    // The banner comes once every role, the watcher included, has started.
    await process.until(/sensor-stats: running/, 0);
    await process.until(/Ctrl-C stops/, 0);
    const file = join(dir, MODULE);
    const source = await readFile(file, 'utf8');
    const reloaded = /sensor-stats: reloaded streams\/sensor-stats\.ts/;
    const first = await timedSave(file, source.replace(DOC, `${DOC} (save 0)`), process, reloaded);
    const times: number[] = [];
    for (let i = 1; i <= saves; i++) times.push(await timedSave(file, source.replace(DOC, `${DOC} (save ${i})`), process, reloaded));
    const typo = await timedSave(file, source.replace('r.humidity', 'r.humidty'), process, typescript ? /NOT RELOADED/ : reloaded);
    const fix = await timedSave(file, source, process, reloaded);
    return { first, times, typo, fix };
  } finally {
    await process.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The check alone, in this process: first (TypeScript loaded, libraries parsed), then after each edit. */
async function checkAlone() {
  const dir = await project(true);
  try {
    const file = join(dir, MODULE);
    const source = await readFile(file, 'utf8');
    const checker = new ModuleTypeChecker(dir, join(dir, 'streams'));
    let start = performance.now();
    checker.check(file);
    const first = performance.now() - start;
    const times: number[] = [];
    for (let i = 1; i <= saves; i++) {
      await writeFile(file, source.replace(DOC, `${DOC} (edit ${i})`));
      start = performance.now();
      const outcome = checker.check(file);
      times.push(performance.now() - start);
      if (!outcome.checked || outcome.problems.length > 0) throw new Error(`the demo module does not type-check: ${JSON.stringify(outcome)}`);
    }
    return { first, times };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

ensureBuilt(REPO);
const alone = await checkAlone();
console.log(`type check alone (sensor-stats.ts + types.ts): first ${ms(alone.first)}, then median ${ms(median(alone.times))} (min ${ms(Math.min(...alone.times))}, max ${ms(Math.max(...alone.times))}) over ${saves} edits`);
const checked = await measure(true);
const unchecked = await measure(false);
console.log(`\nsave -> "reloaded" line, ${saves} saves each (100 ms debounce included):`);
console.log(`  without the check: median ${ms(median(unchecked.times))} (min ${ms(Math.min(...unchecked.times))}, max ${ms(Math.max(...unchecked.times))}); first ${ms(unchecked.first)}`);
console.log(`  with the check:    median ${ms(median(checked.times))} (min ${ms(Math.min(...checked.times))}, max ${ms(Math.max(...checked.times))}); first ${ms(checked.first)} (TypeScript loaded)`);
console.log(`  ratio (medians):   ${(median(checked.times) / median(unchecked.times)).toFixed(2)}`);
console.log(`misspelt field: refused in ${ms(checked.typo)} with the check (reloaded in ${ms(unchecked.typo)} without); the fix reloaded in ${ms(checked.fix)}`);
