/**
 * Each running output's own paths, with its record type: its registered Avro schema as
 * JSON Schema (schema/avro-json-schema.ts). They sit beside the general
 * `/api/outputs/{topic}/...` paths (paths-outputs.ts), which they make concrete.
 *
 * One odd output never takes the document down: an output whose subject was deleted, or
 * whose latest schema cannot be described, keeps its paths, with its value described as
 * any JSON value and a note saying why (the document answered 500 until a restart before).
 */
import { errorMessage } from '../../errors.js';
import { avroToJsonSchema, type JsonSchema } from '../../schema/avro-json-schema.js';
import type { AccessLayer, OutputInfo } from '../access/access-layer.js';
import { type Json, recordSchema } from './common.js';
import { outputOperations } from './paths-outputs.js';

/** An output's value as JSON Schema, with its definitions and schema version; a note instead when its schema cannot be described. */
async function valueSchemaOf(access: AccessLayer, output: OutputInfo): Promise<{ value: JsonSchema | object; defs: Record<string, JsonSchema>; version: string }> {
  try {
    const { avro, version } = await access.schema(output.topic);
    // A primitive schema ("string") comes back as a JSON string, which avroToJsonSchema would read as schema text.
    const input = typeof avro === 'string' ? JSON.stringify(avro) : avro;
    const json = avroToJsonSchema(input, { refPrefix: '#/components/schemas/' });
    const { $defs, ...value } = json as JsonSchema & { $defs?: Record<string, JsonSchema> };
    return { value, defs: $defs ?? {}, version: `schema version ${version}` };
  } catch (error) {
    const note = `the schema of ${output.topic} (subject ${output.subject}) cannot be read or described: ${errorMessage(error)}; its records are shown as any JSON value`;
    return { value: { description: note }, defs: {}, version: note };
  }
}

/** A general operation made concrete for one output: no `topic` parameter, the record typed. */
function concrete(template: string, tag: string, record: Json, extra: Json): Json {
  const op = structuredClone(outputOperations[template]!) as unknown as Json & { parameters?: Json[]; responses: Record<string, Json> };
  const parameters = (op.parameters ?? []).filter((p) => p.name !== 'topic');
  const ok = op.responses['200'] as { content?: Record<string, { schema?: Json }> };
  const schema = ok.content?.['application/json']?.schema;
  if (schema) {
    const props = schema.properties as Record<string, Json> | undefined;
    if (props?.records) props.records = { type: 'array', items: record };
    else if (template.endsWith('{key}')) ok.content!['application/json']!.schema = record;
  }
  return { ...op, tags: [tag], parameters, ...extra };
}

/** The paths of every output and the components their record types need. */
export async function outputPaths(access: AccessLayer): Promise<{ paths: Record<string, Json>; schemas: Record<string, JsonSchema | object> }> {
  const schemas: Record<string, JsonSchema | object> = {};
  const paths: Record<string, Json> = {};
  for (const output of await access.outputs()) {
    const name = output.topic.replace(/[^A-Za-z0-9_.-]/g, '_');
    const { value, defs, version } = await valueSchemaOf(access, output);
    Object.assign(schemas, defs);
    schemas[name] = value;
    const record = recordSchema({ $ref: `#/components/schemas/${name}` });
    const base = `/api/outputs/${output.topic}`;
    const tag = output.topic;
    paths[`${base}/latest`] = {
      get: concrete('GET /api/outputs/{topic}/latest', tag, record, {
        summary: `Latest record of every key of ${output.topic}`,
        description: `Written by module ${output.module} from ${output.inputs.join(', ')} (${version}).\n\n${output.doc}`,
      }),
    };
    paths[`${base}/latest/{key}`] = { get: concrete('GET /api/outputs/{topic}/latest/{key}', tag, record, {}) };
    paths[`${base}/records`] = { get: concrete('GET /api/outputs/{topic}/records', tag, record, {}) };
    paths[`${base}/export`] = { get: concrete('GET /api/outputs/{topic}/export', tag, record, {}) };
  }
  return { paths, schemas };
}
