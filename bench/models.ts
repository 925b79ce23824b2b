/**
 * Models benchmark (issue 18): updates per second of each online model on one core, beside
 * a plain loop over the same arithmetic in the same process, and their ratio.
 *
 *   node --import tsx bench/models.ts [--updates N] [--reps N] [--only <name,...>]
 *
 * Each family registers its cases in bench/models/<family>.ts (a `cases` array); this file
 * runs them all: a warm-up, then `reps` timed runs of the model and of its baseline, the
 * median of each printed with the ratio. A baseline is the same arithmetic written inline
 * (no state object, no checks): what the model's bookkeeping costs is the gap.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface ModelBenchCase {
  /** e.g. 'kmeans k=8 d=4'. */
  name: string;
  /** Runs `updates` updates of the model; returns a value that depends on them (kept from dead-code elimination). */
  model(updates: number): unknown;
  /** The same arithmetic as a plain loop. */
  baseline(updates: number): unknown;
}

const { values } = parseArgs({ options: { updates: { type: 'string', default: '1000000' }, reps: { type: 'string', default: '5' }, only: { type: 'string' } } });
const updates = Number(values.updates);
const reps = Number(values.reps);
const only = values.only?.split(',');

function rate(run: (n: number) => unknown): number {
  const started = process.hrtime.bigint();
  sink = run(updates);
  return updates / (Number(process.hrtime.bigint() - started) / 1e9);
}
let sink: unknown;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);

const dir = fileURLToPath(new URL('./models/', import.meta.url));
const cases: ModelBenchCase[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
  cases.push(...((await import(`./models/${file}`)) as { cases: ModelBenchCase[] }).cases);
}

console.log(`node ${process.version}, ${updates.toLocaleString('en')} updates per run, median of ${reps}`);
console.log(`${'model'.padEnd(40)} ${'updates/s'.padStart(10)} ${'plain loop/s'.padStart(12)} ${'ratio'.padStart(6)}`);
for (const c of cases.filter((c) => !only || only.some((o) => c.name.startsWith(o)))) {
  c.model(Math.min(updates, 100_000));
  c.baseline(Math.min(updates, 100_000));
  const model: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < reps; i++) {
    model.push(rate((n) => c.model(n)));
    base.push(rate((n) => c.baseline(n)));
  }
  console.log(`${c.name.padEnd(40)} ${fmt(median(model)).padStart(10)} ${fmt(median(base)).padStart(12)} ${(median(model) / median(base)).toFixed(2).padStart(6)}`);
}
void sink;
