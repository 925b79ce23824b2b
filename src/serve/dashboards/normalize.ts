/**
 * A checked dashboard file made into the definition the API serves: titles and defaults
 * filled in, durations in milliseconds, thresholds sorted.
 */
import { toMillis } from '../../time/duration.js';
import type { PanelDef } from './definition.js';
import type { PanelFile } from './schema.js';

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
