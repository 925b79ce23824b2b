/**
 * A dashboard as the API serves it and the page draws it: the checked file with its
 * defaults filled in and durations in milliseconds, so the page parses nothing. Plain
 * JSON (null, never undefined). Types only, importing nothing: web/ imports them too.
 */
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
