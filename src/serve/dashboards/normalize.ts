/**
 * A checked dashboard file made into the definition the API serves: titles and defaults
 * filled in, durations in milliseconds, thresholds sorted, `$name` references split from
 * literal keys, and each shown field's format (a unit, or a time) worked out once here
 * from the panel's settings and the topic's schema.
 */
import { toMillis } from '../../time/duration.js';
import type { AvroFieldPath } from '../../schema/avro-json-schema.js';
import type { FieldFormat, FieldFormats, PanelDef, VariableDef } from './definition.js';
import { variableOf } from './field-check.js';
import type { PanelFile, VariableFile } from './schema.js';

export const DEFAULTS = { window: '30m', maxPoints: 1_000, decimals: 1, tableDecimals: 2, tableRows: 100, alertRows: 50 } as const;

/** The unit that says "this number is epoch milliseconds". */
const TIME_UNIT = 'time';
const TIME_TYPES: Record<string, number> = { 'timestamp-millis': 1, 'local-timestamp-millis': 1, 'timestamp-micros': 1000, 'local-timestamp-micros': 1000 };

/** The fields of a panel's topic (from its schema), when known. */
export type FieldsOf = (topic: string) => readonly AvroFieldPath[] | undefined;

function keysOf(panel: { key?: string; keys?: string[] | string }): { keys: string[] | null; variable: string | null } {
  const setting = panel.keys ?? panel.key;
  if (setting === undefined) return { keys: null, variable: null };
  const variable = variableOf(setting);
  if (variable !== undefined) return { keys: null, variable };
  return { keys: typeof setting === 'string' ? [setting] : setting, variable: null };
}

/**
 * Each field's format: its own `units:` entry, else a time when the schema says so (a
 * `timestamp-millis` field stays a time whatever the panel's `unit:`), else the panel's unit.
 * The unit `time` makes any number a time (epoch milliseconds).
 */
export function formatsOf(fields: readonly string[], topic: string, fieldsOf: FieldsOf, unit?: string, units?: Record<string, string>): FieldFormats {
  const schema = new Map((fieldsOf(topic) ?? []).map((f) => [f.path, f]));
  const formats: FieldFormats = {};
  for (const name of fields) {
    const own = units?.[name];
    const logical = TIME_TYPES[schema.get(name)?.logicalType ?? ''];
    const given = own ?? (logical !== undefined ? '' : (unit ?? ''));
    const format: FieldFormat = given === TIME_UNIT || (logical !== undefined && given === '') ? { unit: '', time: true, perMs: logical ?? 1 } : { unit: given, time: false, perMs: 1 };
    formats[name] = format;
  }
  return formats;
}

export function toVariableDef(v: VariableFile): VariableDef {
  return { name: v.name, label: v.label ?? v.name, topic: v.topic, multi: v.multi ?? false, default: v.default ?? [] };
}

export function toPanelDef(panel: PanelFile, fieldsOf: FieldsOf = () => undefined): PanelDef {
  switch (panel.kind) {
    case 'timeseries':
      return {
        kind: 'timeseries',
        title: panel.title ?? `${panel.fields.join(', ')} (${panel.topic})`,
        topic: panel.topic,
        fields: panel.fields,
        ...keysOf(panel),
        windowMs: toMillis(panel.window ?? DEFAULTS.window, { what: 'window' }),
        maxPoints: panel.maxPoints ?? DEFAULTS.maxPoints,
        formats: formatsOf(panel.fields, panel.topic, fieldsOf, panel.unit, panel.units),
        decimals: panel.decimals ?? DEFAULTS.decimals,
        thresholds: [...(panel.thresholds ?? [])].sort((a, b) => a.value - b.value),
      };
    case 'stat': {
      const variable = variableOf(panel.key) ?? null;
      return {
        kind: 'stat',
        title: panel.title ?? `${panel.field}${panel.key ? ` of ${panel.key}` : ''} (${panel.topic})`,
        topic: panel.topic,
        field: panel.field,
        key: variable === null ? (panel.key ?? null) : null,
        variable,
        unit: panel.unit === TIME_UNIT ? '' : (panel.unit ?? ''),
        decimals: panel.decimals ?? DEFAULTS.decimals,
        formats: formatsOf([panel.field], panel.topic, fieldsOf, panel.unit),
        thresholds: [...(panel.thresholds ?? [])].sort((a, b) => a.value - b.value),
      };
    }
    case 'table':
      return {
        kind: 'table',
        title: panel.title ?? panel.topic,
        topic: panel.topic,
        fields: panel.fields,
        ...keysOf(panel),
        maxRows: panel.maxRows ?? DEFAULTS.tableRows,
        formats: formatsOf(panel.fields, panel.topic, fieldsOf, panel.unit, panel.units),
        decimals: panel.decimals ?? DEFAULTS.tableDecimals,
      };
    case 'alerts':
      return {
        kind: 'alerts',
        title: panel.title ?? `Alerts (${panel.topic})`,
        topic: panel.topic,
        fields: panel.fields ?? null,
        maxRows: panel.maxRows ?? DEFAULTS.alertRows,
        variable: variableOf(panel.variable) ?? null,
        dashboard: panel.dashboard ?? null,
      };
  }
}
