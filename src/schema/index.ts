/**
 * The public face of the schema layer: Avro parsing, compatibility, the Confluent wire
 * format, the serde and the embedded registry. Other layers import from here (or from
 * the one file they need); the journal, lock and state files are internals.
 */
export { canonicalText, describeType, describeValue, parseAvroSchema, type AvroType, type ParsedSchema } from './avro.js';
export { checkCompatibility, explainIncompatibility, type Incompatibility, type SchemaVersion } from './compatibility.js';
export { EmbeddedSchemaRegistry, type EmbeddedRegistryOptions } from './embedded-registry.js';
export { RemoteSchemaRegistry, type RemoteRegistryOptions } from './remote-registry.js';
export type { TornTail } from './registry-journal.js';
export { AvroSerde, invalidFields, type AvroEncoder, type AvroSerdeOptions, type EncoderOptions, type InvalidField } from './serde.js';
export * from './types.js';
export { HEADER_SIZE, MAGIC_BYTE, MAX_SCHEMA_ID, body, frame, readSchemaId, writeHeader } from './wire.js';
