/**
 * A dashboard as the API serves it and the page draws it: the checked file with its
 * defaults filled in, durations in milliseconds and each field's format worked out from
 * the topic's schema, so the page parses nothing. Plain JSON (null, never undefined).
 * Types only, importing nothing: web/ imports them too.
 */

/** How the page writes a field's values: a unit after the number, or (time) as a date and time. */
export interface FieldFormat {
  /** '' for none; '%', '°C', 'ms', 's', 'bytes' and others are written after the value (ms, s and bytes scaled: 1.5 s, 2.1 MiB). */
  unit: string;
  /** Epoch time (a `timestamp-millis`/`-micros` field, or `unit: time`): shown as a date and time. */
  time: boolean;
  /** The divisor to milliseconds of a time field (1000 for `timestamp-micros`), else 1. */
  perMs: number;
}

/** The format of each field a panel shows, by field path. */
export type FieldFormats = Record<string, FieldFormat>;

/** A line (and the band above it up to the next) at a value, in a colour. Ascending by value. */
export interface Threshold {
  value: number;
  color: string;
}

/**
 * Where a panel's keys come from: the keys listed in the file, the current selection of a
 * dashboard variable (`keys: $sensor`), or every key (null keys, no variable).
 */
interface KeyedPanel {
  /** Only these keys; null: every key (up to MAX_SERIES_KEYS for a chart), unless `variable` is set. */
  keys: string[] | null;
  /** A variable of the dashboard whose selected keys the panel shows (its name, without `$`); null: none. */
  variable: string | null;
}

export interface TimeseriesPanelDef extends KeyedPanel {
  kind: 'timeseries';
  title: string;
  topic: string;
  fields: string[];
  /** The panel's own `window:` (how far back it reaches when the file gives no dashboard `range:`). */
  windowMs: number;
  /** Points kept per series; older ones fall off (memory stays flat). */
  maxPoints: number;
  formats: FieldFormats;
  decimals: number;
  /** Drawn as dashed lines, and bands from each value up to the next. */
  thresholds: Threshold[];
}

export interface StatPanelDef {
  kind: 'stat';
  title: string;
  topic: string;
  field: string;
  /** The one key it shows; null: a variable's (its first selected key), else the topic's first key, kept while the page is open. */
  key: string | null;
  variable: string | null;
  unit: string;
  decimals: number;
  formats: FieldFormats;
  /** Ascending by value: the colour of the highest threshold at or below the value applies. */
  thresholds: Threshold[];
}

export interface TablePanelDef extends KeyedPanel {
  kind: 'table';
  title: string;
  topic: string;
  fields: string[];
  maxRows: number;
  formats: FieldFormats;
  decimals: number;
}

export interface AlertsPanelDef {
  kind: 'alerts';
  title: string;
  topic: string;
  /** Extra columns from the alert's record; null: the rule, key, state and summary only. */
  fields: string[] | null;
  maxRows: number;
  /** The variable an alert's link selects the alert's key in (its name); null: the dashboard's first variable, if any. */
  variable: string | null;
  /** The dashboard the link opens (its name); null: this one. */
  dashboard: string | null;
}

/** A panel the file describes wrongly: drawn as a box with its problems; the other panels work. */
export interface ErrorPanelDef {
  kind: 'error';
  title: string;
  /** As the API lists them: `dashboards/x.yaml:12:5 panels.3.field: ...`. */
  problems: string[];
}

export type PanelDef = TimeseriesPanelDef | StatPanelDef | TablePanelDef | AlertsPanelDef | ErrorPanelDef;

/** A key selector above the panels, filled from the keys of `topic`. */
export interface VariableDef {
  name: string;
  label: string;
  topic: string;
  /** Several keys may be selected at once. */
  multi: boolean;
  /** Selected when the address gives none; empty: the topic's first key. */
  default: string[];
}

export interface DashboardDef {
  name: string;
  title: string;
  description: string;
  variables: VariableDef[];
  /** The time range shown when the address gives none: the last `rangeMs`. */
  rangeMs: number;
  panels: PanelDef[];
  /** Every problem of the panels (and variables) that were left out, as the API lists them; empty for a valid file. */
  problems: string[];
}

/** A timeseries without keys draws at most this many keys' series: a chart of hundreds of lines helps nobody. */
export const MAX_SERIES_KEYS = 20;
/** A variable offers at most this many of its topic's keys (a filter box narrows them). */
export const MAX_VARIABLE_KEYS = 1_000;
