/**
 * Crash points for tests that kill a process at an awkward moment, where no outside signal
 * can aim: between two produce requests of one checkpoint, say. A test starts the process
 * with `FASTDATA_TEST_FAILPOINTS=<point>=<n>[,<point>=<n>]`, and the n-th time the process
 * passes `<point>` it kills itself with SIGKILL: no handler runs, nothing is flushed, as
 * when the machine dies. Without the variable a crash point costs one boolean test.
 *
 * Points: `checkpoint.request` (after each produce request of a checkpoint's changelog
 * records, before the next), `checkpoint.outputs` (after a checkpoint's outputs, before its state).
 */
const armed = parse(process.env.FASTDATA_TEST_FAILPOINTS);

function parse(spec: string | undefined): Map<string, number> | undefined {
  if (!spec) return undefined;
  const points = new Map<string, number>();
  for (const part of spec.split(',')) {
    const [name, count] = part.split('=');
    const n = Number(count);
    if (name && Number.isInteger(n) && n > 0) points.set(name.trim(), n);
  }
  return points.size > 0 ? points : undefined;
}

/** Passes crash point `name`: SIGKILL if this is the time the environment asked for. */
export function crashPoint(name: string): void {
  if (armed === undefined) return;
  const left = armed.get(name);
  if (left === undefined) return;
  if (left > 1) {
    armed.set(name, left - 1);
    return;
  }
  process.kill(process.pid, 'SIGKILL');
}
