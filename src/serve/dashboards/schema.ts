/**
 * The shape of a dashboard file (`dashboards/<name>.yaml`), in TypeBox so that Ajv checks
 * it as it checks config files and routes, and reports every problem with its line.
 *
 * A file is checked in two passes: first the outline (title, panels, each panel's `kind`),
 * then each panel of a known kind against the schema of its kind. One union schema would
 * report every branch's complaint for one mistake; two passes report the one that matters,
 * and the problems of both passes are reported together. Variables (key selectors) are
 * checked in the first pass: their shape does not depend on any kind.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { stringEnum } from '../../config/validated-file.js';

export const PANEL_KINDS = ['timeseries', 'stat', 'table', 'alerts'] as const;
export type PanelKind = (typeof PANEL_KINDS)[number];

const Topic = Type.String({ minLength: 1, maxLength: 249 });
const FieldPath = Type.String({ minLength: 1, maxLength: 200 });
const Key = Type.String({ minLength: 1, maxLength: 1024 });
const Title = Type.String({ minLength: 1, maxLength: 200 });
/** As `toMillis` reads it: '30m', '2h', '7d'. */
const Window = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: "how much history to show, e.g. '30m', '2h'" });
/** A CSS colour as people write them: #rgb, #rrggbb(aa), or a name such as orange. */
const Color = Type.String({ pattern: '^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30})$' });

const NAME = '[A-Za-z_][A-Za-z0-9_]{0,63}';
/** `$sensor`: the keys selected in the dashboard's variable `sensor`. */
export const VARIABLE_REF = new RegExp(`^\\$(${NAME})$`);
const VariableRef = Type.String({ pattern: `^\\$${NAME}$`, description: 'a variable of this dashboard, as $name' });
/** A key, or `$name`: the (first) key selected in a variable. */
const KeyOrVariable = Key;
/** A list of keys, or `$name`: the keys selected in a variable. */
const Keys = Type.Union([Type.Array(Key, { minItems: 1, maxItems: 1000 }), VariableRef]);
/** A unit written after values ('°C', '%', 'ms', 's', 'bytes'), or `time` for epoch milliseconds shown as a date and time. */
const Unit = Type.String({ maxLength: 20 });
const Units = Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Unit, { maxProperties: 20, description: 'a unit per field: { meanHumidity: "%" }' });
const Thresholds = Type.Array(Type.Object({ value: Type.Number(), color: Color }, { additionalProperties: false }), { maxItems: 10 });
const Decimals = Type.Integer({ minimum: 0, maximum: 6 });

export const Variable = Type.Object(
  {
    name: Type.String({ pattern: `^${NAME}$`, description: 'letters, digits and _, used as $name in panels' }),
    topic: Topic,
    label: Type.Optional(Title),
    multi: Type.Optional(Type.Boolean()),
    default: Type.Optional(Type.Array(Key, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type VariableFile = Static<typeof Variable>;

const top = {
  title: Title,
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  /** The time range shown when the address gives none: the last 30m, 1h... */
  range: Type.Optional(Window),
};

/** The outline: what the first pass checks. Panels are only required to name a known kind. */
export const DashboardOutline = Type.Object(
  {
    ...top,
    variables: Type.Optional(Type.Array(Variable, { maxItems: 10 })),
    panels: Type.Array(Type.Object({ kind: stringEnum(PANEL_KINDS) }, { additionalProperties: true }), { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

const common = { title: Type.Optional(Title) };

export const TimeseriesPanel = Type.Object(
  {
    ...common,
    kind: Type.Literal('timeseries'),
    topic: Topic,
    fields: Type.Array(FieldPath, { minItems: 1, maxItems: 10 }),
    key: Type.Optional(KeyOrVariable),
    keys: Type.Optional(Keys),
    window: Type.Optional(Window),
    maxPoints: Type.Optional(Type.Integer({ minimum: 10, maximum: 10_000 })),
    unit: Type.Optional(Unit),
    units: Type.Optional(Units),
    decimals: Type.Optional(Decimals),
    thresholds: Type.Optional(Thresholds),
  },
  { additionalProperties: false },
);

export const StatPanel = Type.Object(
  {
    ...common,
    kind: Type.Literal('stat'),
    topic: Topic,
    field: FieldPath,
    key: Type.Optional(KeyOrVariable),
    unit: Type.Optional(Unit),
    decimals: Type.Optional(Decimals),
    thresholds: Type.Optional(Thresholds),
  },
  { additionalProperties: false },
);

export const TablePanel = Type.Object(
  {
    ...common,
    kind: Type.Literal('table'),
    topic: Topic,
    fields: Type.Array(FieldPath, { minItems: 1, maxItems: 20 }),
    key: Type.Optional(KeyOrVariable),
    keys: Type.Optional(Keys),
    maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    unit: Type.Optional(Unit),
    units: Type.Optional(Units),
    decimals: Type.Optional(Decimals),
  },
  { additionalProperties: false },
);

export const AlertsPanel = Type.Object(
  {
    ...common,
    kind: Type.Literal('alerts'),
    topic: Topic,
    fields: Type.Optional(Type.Array(FieldPath, { minItems: 1, maxItems: 20 })),
    maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** The variable an alert's link selects its key in: $sensor. */
    variable: Type.Optional(VariableRef),
    /** The dashboard the link opens (a file name without .yaml); this one by default. */
    dashboard: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' })),
  },
  { additionalProperties: false },
);

export const PANEL_SCHEMAS: Record<PanelKind, TSchema> = { timeseries: TimeseriesPanel, stat: StatPanel, table: TablePanel, alerts: AlertsPanel };

export type TimeseriesPanelFile = Static<typeof TimeseriesPanel>;
export type StatPanelFile = Static<typeof StatPanel>;
export type TablePanelFile = Static<typeof TablePanel>;
export type AlertsPanelFile = Static<typeof AlertsPanel>;
export type PanelFile = TimeseriesPanelFile | StatPanelFile | TablePanelFile | AlertsPanelFile;

/** The second pass: the outline with each panel checked against its kind's schema; a panel of no known kind (null), against nothing (the outline reported it). */
const fullSchemas = new Map<string, TSchema>();
export function dashboardSchemaFor(kinds: readonly (PanelKind | null)[]): TSchema {
  const id = kinds.map((kind) => kind ?? '?').join(',');
  let schema = fullSchemas.get(id);
  if (!schema) {
    // Cached because validated-file compiles once per schema object; bounded, as files are edited.
    if (fullSchemas.size >= 200) fullSchemas.clear();
    schema = Type.Object(
      {
        ...top,
        // Checked by the outline.
        variables: Type.Optional(Type.Unknown()),
        panels: Type.Tuple(kinds.map((kind) => (kind === null ? Type.Unknown() : PANEL_SCHEMAS[kind]))),
      },
      { additionalProperties: false },
    );
    fullSchemas.set(id, schema);
  }
  return schema;
}
