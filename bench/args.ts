/** Command-line numbers of the benchmarks: a bad one stops the bench with a message naming the flag. */
export function intArg(name: string, value: string | undefined, lo: number, hi: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < lo || n > hi) {
    console.error(`--${name} must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}
