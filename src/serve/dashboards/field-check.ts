/**
 * The checks a schema cannot make: that a panel's topic is an output topic, and that its
 * fields are in the topic's registered Avro schema (numbers, for panels that plot or show
 * one). A typo is an error when the dashboard loads, not an empty chart.
 */
import type { Problem } from '../../config/validated-file.js';
import { avroFieldPaths, type AvroFieldPath } from '../../schema/avro-json-schema.js';
import type { PanelFile } from './schema.js';
import type { Locate } from '../../config/yaml-position.js';

const NUMERIC = new Set(['int', 'long', 'float', 'double']);

/** The fields of every output topic that exists, by topic; a topic whose schema is not registered yet maps to the reason. */
export type TopicFields = Map<string, AvroFieldPath[] | string>;

export function fieldsOfSchema(avro: Record<string, unknown>): AvroFieldPath[] {
  return avroFieldPaths(avro);
}

function list(values: string[]): string {
  return values.length ? values.join(', ') : '(none)';
}

export function checkPanel(file: string, index: number, panel: PanelFile, topics: TopicFields, locate: Locate): Problem[] {
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string) =>
    problems.push({ file, ...locate(['panels', index, ...path]), field: ['panels', index, ...path].join('.'), message });

  if ('key' in panel && 'keys' in panel && panel.key !== undefined && panel.keys !== undefined) at(['keys'], 'give key (one) or keys (a list), not both');

  const known = topics.get(panel.topic);
  if (known === undefined) {
    // The alert topic is written by the alert engine, which may not have started (or exist) yet.
    if (panel.kind !== 'alerts') at(['topic'], `${JSON.stringify(panel.topic)} is not an output topic; the outputs are ${list([...topics.keys()].sort())}`);
    return problems;
  }
  if (typeof known === 'string') {
    at(['topic'], `the schema of ${panel.topic} cannot be read: ${known}`);
    return problems;
  }

  const byPath = new Map(known.map((f) => [f.path, f]));
  const numeric = known.filter((f) => NUMERIC.has(f.type)).map((f) => f.path);
  const check = (path: (string | number)[], name: string, needsNumber: boolean) => {
    const field = byPath.get(name);
    if (!field) {
      at(path, `${JSON.stringify(name)} is not a field of ${panel.topic}; its fields are ${list(needsNumber ? numeric : known.map((f) => f.path))}`);
    } else if (needsNumber && !NUMERIC.has(field.type)) {
      at(path, `${JSON.stringify(name)} is ${field.type === 'string' ? 'a string' : `of type ${field.type}`}; a ${panel.kind} panel shows numbers: one of ${list(numeric)}`);
    }
  };
  switch (panel.kind) {
    case 'timeseries':
      panel.fields.forEach((name, i) => check(['fields', i], name, true));
      break;
    case 'stat':
      check(['field'], panel.field, true);
      break;
    case 'table':
    case 'alerts':
      panel.fields?.forEach((name, i) => check(['fields', i], name, false));
      break;
  }
  return problems;
}
