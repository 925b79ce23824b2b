/**
 * The file of `fastdata new dashboard <name>`: a time series and a stat of one numeric
 * field and a table of the latest record per key, with fields taken from the topic's
 * schema (dashboards are checked against it at load).
 */
import { chooseNumber, scaffoldFields } from './schema-fields.js';
import { titleCase } from './names.js';
import type { PlannedFile } from './planned-file.js';
import { renderTemplate } from './render.js';

export interface DashboardScaffold {
  name: string;
  topic: string;
  /** The registered (output) schema of `topic`. */
  schema: object;
  /** The field charted; default: the first numeric field. */
  field?: string;
}

/** A table panel takes at most this many fields (src/serve/dashboards/schema.ts). */
const MAX_TABLE_FIELDS = 20;

export async function dashboardFiles(scaffold: DashboardScaffold): Promise<PlannedFile[]> {
  const fields = scaffoldFields(scaffold.schema, scaffold.topic);
  const field = chooseNumber(fields, scaffold.topic, scaffold.field, '--field');
  const table = fields.scalars.slice(0, MAX_TABLE_FIELDS).map((f) => f.path);
  return renderTemplate('dashboard', {
    name: scaffold.name,
    title: titleCase(scaffold.name),
    topic: scaffold.topic,
    key: fields.key,
    field: field.path,
    tableFields: (table.length > 0 ? table : [field.path]).join(', '),
  });
}
