/**
 * Polls `check` until it stops throwing (or returns a truthy value), then returns its
 * result. Tests wait on conditions, never on fixed sleeps; the timeout only bounds how
 * long a broken behaviour takes to fail.
 */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('condition never checked');
  for (;;) {
    try {
      const result = await check();
      if (result !== false && result !== undefined && result !== null) return result;
      lastError = new Error(`condition returned ${String(result)}`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`not true after ${timeoutMs} ms: ${message}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
