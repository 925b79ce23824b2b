/**
 * Field-level differences between two versions of an Avro schema, on the flattened leaf
 * fields (`avroFieldPaths`: nested records become dotted paths): what a downstream user
 * reads to see what a new version added, removed or changed. Compatibility is the
 * registry's business (src/schema/compatibility.ts); this only describes.
 */
import { avroFieldPaths, type AvroFieldPath } from '../schema/avro-json-schema.js';
import type { SchemaInput } from '../schema/types.js';
import type { FieldChange } from './types.js';

const shape = (f: AvroFieldPath) => ({ type: f.name ? `${f.type} ${f.name}` : f.type, nullable: f.nullable, logicalType: f.logicalType ?? null });

export function diffSchemas(before: SchemaInput, after: SchemaInput): FieldChange[] {
  const old = new Map(avroFieldPaths(before).map((f) => [f.path, f]));
  const now = new Map(avroFieldPaths(after).map((f) => [f.path, f]));
  const changes: FieldChange[] = [];
  for (const [path, f] of now) {
    const was = old.get(path);
    if (!was) {
      changes.push({ path, change: 'added', details: [], before: null, after: shape(f) });
      continue;
    }
    const a = shape(was);
    const b = shape(f);
    const details: string[] = [];
    if (a.type !== b.type) details.push(`type ${a.type} -> ${b.type}`);
    if (a.nullable !== b.nullable) details.push(`nullable ${a.nullable} -> ${b.nullable}`);
    if (a.logicalType !== b.logicalType) details.push(`logicalType ${a.logicalType ?? 'none'} -> ${b.logicalType ?? 'none'}`);
    if ((was.doc ?? '') !== (f.doc ?? '')) details.push('doc changed');
    if (details.length > 0) changes.push({ path, change: 'changed', details, before: a, after: b });
  }
  for (const [path, f] of old) if (!now.has(path)) changes.push({ path, change: 'removed', details: [], before: shape(f), after: null });
  return changes;
}
