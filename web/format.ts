/** Reading fields out of decoded records and writing values for people. */
import type { FieldFormat } from '../src/serve/dashboards/definition.js';

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

const pad = (n: number) => String(n).padStart(2, '0');

/** Epoch ms as local `YYYY-MM-DD HH:MM:SS` (the date left out when it is today): what a time field shows. */
export function formatDateTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) return String(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return new Date(now).toDateString() === d.toDateString() ? time : `${date} ${time}`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A number with its field's unit: scaled for ms, s and bytes (1.5 s, 2.1 MiB), a date and time for a time field. */
export function formatNumber(v: number, format: FieldFormat | undefined, decimals: number): string {
  if (format?.time) return formatDateTime(v / format.perMs);
  const unit = format?.unit ?? '';
  const fixed = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(decimals));
  if (unit === 'bytes') {
    let i = 0;
    let n = v;
    while (Math.abs(n) >= 1024 && i < BYTE_UNITS.length - 1) {
      n /= 1024;
      i++;
    }
    return `${i === 0 ? String(n) : n.toFixed(1)} ${BYTE_UNITS[i]}`;
  }
  if (unit === 'ms' && Math.abs(v) >= 1000) return formatNumber(v / 1000, { unit: 's', time: false, perMs: 1 }, decimals);
  if (unit === 's' && Math.abs(v) >= 120) return Math.abs(v) >= 7200 ? `${(v / 3600).toFixed(1)} h` : `${(v / 60).toFixed(1)} min`;
  if (unit === '') return fixed(v);
  return unit === '%' ? `${fixed(v)}%` : `${fixed(v)} ${unit}`;
}

/** Any field value with its format: numbers as formatNumber writes them, the rest as formatValue does. */
export function formatField(v: unknown, format: FieldFormat | undefined, decimals = 2): string {
  return typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, format, decimals) : formatValue(v, decimals);
}

/** An element with a class and optional text, the page's only DOM helper. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
