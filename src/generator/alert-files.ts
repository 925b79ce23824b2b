/**
 * The files of `fastdata new alert <name> --source <topic>`: a rule over one numeric field
 * of the source topic and a rule test that passes as generated, both built from the
 * topic's schema so that they load (fields are checked at load) before anyone edits them.
 */
import { exampleRecord, chooseNumber, scaffoldFields } from './schema-fields.js';
import { titleCase } from './names.js';
import type { PlannedFile } from './planned-file.js';
import { renderTemplate } from './render.js';

export interface AlertScaffold {
  name: string;
  source: string;
  /** The registered (output) schema of `source`. */
  schema: object;
  /** The field compared with the threshold; default: the first numeric field. */
  field?: string;
  /** The threshold the rule fires above. Default 100: a placeholder to edit. */
  above?: number;
  /** The field that makes one alert per entity; default: an id-like string field. */
  key?: string;
  /** Receivers the rule notifies: the names in the project's alerts/receivers.yaml. */
  receivers: readonly string[];
  /** The key in the rule test's records. */
  keyValue?: string;
}

export const DEFAULT_THRESHOLD = 100;

/**
 * Decimals the generated summary rounds the field to: a measurement read as a double
 * (a mean of readings: 31.125338983050852) reads well to two; a whole-number type has
 * none to show. The rule says `| round(n)` so its author sees where to change it.
 */
export function summaryDecimals(avroType: string): number {
  return avroType === 'float' || avroType === 'double' ? 2 : 0;
}

/** A record as one YAML flow mapping, `{ sensorId: "s-1", count: 0 }`: Avro field names need no quotes, values are JSON (which YAML reads). */
function flowMapping(record: Record<string, unknown>): string {
  return `{ ${Object.entries(record).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')} }`;
}

export async function alertFiles(scaffold: AlertScaffold): Promise<PlannedFile[]> {
  const fields = scaffoldFields(scaffold.schema, scaffold.source, scaffold.key);
  const field = chooseNumber(fields, scaffold.source, scaffold.field, '--field');
  const threshold = scaffold.above ?? DEFAULT_THRESHOLD;
  const keyValue = scaffold.keyValue ?? 'example-1';
  // Whole numbers on both sides, so the test's values fit an int or long field too.
  const above = Math.floor(threshold) + 1;
  const below = Math.ceil(threshold) - 1;
  return renderTemplate('alert', {
    name: scaffold.name,
    title: titleCase(scaffold.name),
    source: scaffold.source,
    key: fields.key,
    keyValue,
    field: field.path,
    decimals: String(summaryDecimals(field.type)),
    threshold: String(threshold),
    above: String(above),
    below: String(below),
    defaults: flowMapping(exampleRecord(scaffold.schema, fields.key, keyValue)),
    receivers: scaffold.receivers.join(', '),
  });
}
