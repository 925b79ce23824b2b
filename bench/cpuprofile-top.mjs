/**
 * The functions with the most self time in a V8 CPU profile, to find what a bench spends
 * its time on:
 *
 *   node --cpu-prof --cpu-prof-dir=.scratch/prof --import tsx bench/engine.ts --no-log
 *   node bench/cpuprofile-top.mjs .scratch/prof/<the largest .cpuprofile> [rows]
 *
 * (tsx writes a second, small profile for its loader thread; take the largest.) Inlined
 * functions count as their caller's time; "(garbage collector)" is GC.
 */
import { readFileSync } from 'node:fs';

const [file, rows = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cpuprofile-top.mjs <file.cpuprofile> [rows]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const microsById = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  microsById.set(id, (microsById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const byFunction = new Map();
let total = 0;
for (const [id, micros] of microsById) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const where = url ? ` ${url.replace(/^.*\/(src|dist|bench|streams|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'}${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  total += micros;
}
for (const [key, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
  console.log(`${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}`);
}
console.log(`${(total / 1000).toFixed(0).padStart(7)} ms total`);
