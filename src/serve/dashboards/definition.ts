/**
 * A dashboard as the API serves it and the page draws it: the checked file with its
 * defaults filled in and durations in milliseconds, so the page parses nothing. Plain
 * JSON (null, never undefined), and types only: web/ imports them as types.
 */
import { toMillis } from '../../time/duration.js';
import type { PanelFile } from './schema.js';

export interface TimeseriesPanelDef {
  kind: 'timeseries';
  title: string;
  topic: string;
  fields: string[];
  /** Only these keys (one series per key and field); null: every key, up to MAX_SERIES_KEYS. */
  keys: string[] | null;
  /** How far back the chart reaches, and how much history the page loads. */
  windowMs: number;
  /** Points kept per series; older ones fall off (memory stays flat). */
  maxPoints: number;
}

export interface StatPanelDef {
  kind: 'stat';
  title: string;
  topic: string;
  field: string;
  /** One key's latest value; null: the latest record of the topic, whatever its key. */
  key: string | null;
  unit: string;
  decimals: number;
  /** Ascending by value: the colour of the highest threshold at or below the value applies. */
  thresholds: { value: number; color: string }[];
}

export interface TablePanelDef {
  kind: 'table';
  title: string;
  topic: string;
  fields: string[];
  keys: string[] | null;
  maxRows: number;
}

export interface AlertsPanelDef {
  kind: 'alerts';
  title: string;
  topic: string;
  /** Columns to show; null: every field of the records that come. */
  fields: string[] | null;
  maxRows: number;
}

export type PanelDef = TimeseriesPanelDef | StatPanelDef | TablePanelDef | AlertsPanelDef;

export interface DashboardDef {
  name: string;
  title: string;
  description: string;
  panels: PanelDef[];
}

/** A timeseries without keys draws at most this many keys' series: a chart of hundreds of lines helps nobody. */
export const MAX_SERIES_KEYS = 20;

export const DEFAULTS = { window: '30m', maxPoints: 1_000, decimals: 1, tableRows: 100, alertRows: 50 } as const;

function keysOf(panel: { key?: string; keys?: string[] }): string[] | null {
  if (panel.keys) return panel.keys;
  return panel.key === undefined ? null : [panel.key];
}

export function toPanelDef(panel: PanelFile): PanelDef {
  switch (panel.kind) {
    case 'timeseries':
      return {
        kind: 'timeseries',
        title: panel.title ?? `${panel.fields.join(', ')} (${panel.topic})`,
        topic: panel.topic,
        fields: panel.fields,
        keys: keysOf(panel),
        windowMs: toMillis(panel.window ?? DEFAULTS.window, { what: 'window' }),
        maxPoints: panel.maxPoints ?? DEFAULTS.maxPoints,
      };
    case 'stat':
      return {
        kind: 'stat',
        title: panel.title ?? `${panel.field}${panel.key ? ` of ${panel.key}` : ''} (${panel.topic})`,
        topic: panel.topic,
        field: panel.field,
        key: panel.key ?? null,
        unit: panel.unit ?? '',
        decimals: panel.decimals ?? DEFAULTS.decimals,
        thresholds: [...(panel.thresholds ?? [])].sort((a, b) => a.value - b.value),
      };
    case 'table':
      return { kind: 'table', title: panel.title ?? panel.topic, topic: panel.topic, fields: panel.fields, keys: keysOf(panel), maxRows: panel.maxRows ?? DEFAULTS.tableRows };
    case 'alerts':
      return { kind: 'alerts', title: panel.title ?? `Alerts (${panel.topic})`, topic: panel.topic, fields: panel.fields ?? null, maxRows: panel.maxRows ?? DEFAULTS.alertRows };
  }
}
