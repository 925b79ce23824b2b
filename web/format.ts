/** Reading fields out of decoded records and writing values for people. */

/** The value at a dotted field path (`location.lat`) of a decoded record; undefined when absent. */
export function fieldValue(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const name of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

/** A finite number from a field, or undefined (null, missing, NaN are gaps, not zeros). */
export function numberAt(value: unknown, path: string): number | undefined {
  const v = fieldValue(value, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function formatValue(v: unknown, decimals = 2): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(decimals);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour12: false });
}

/** An element with a class and optional text, the page's only DOM helper. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
