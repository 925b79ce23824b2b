/**
 * The Avro -> CQL type mapping of the Cassandra sink (documented in docs/cassandra.md),
 * and the value conversions both ways: an output record as fastdata decodes it (plain
 * JSON-like values, logical types as their underlying numbers and bytes, see
 * src/schema/avro.ts) to the values cassandra-driver binds, and a row back to exactly the
 * record the log holds, so the access layer answers the same from either.
 *
 *   boolean -> boolean          int -> int           long -> bigint
 *   float -> float              double -> double     string, enum -> text
 *   bytes, fixed -> blob        decimal (bytes/fixed) -> decimal
 *   uuid (string) -> uuid       date -> date         time-millis/-micros -> time
 *   timestamp-millis -> timestamp      timestamp-micros -> timestamp (milliseconds kept)
 *   array<T> -> list<T>         map<T> -> map<text, T>    record -> frozen user-defined type
 *   [null, T] -> T, nullable    other unions -> refused (a column has one type)
 *
 * Collections and types inside collections or UDTs are frozen, as CQL requires for nesting.
 */
import cassandra from 'cassandra-driver';
import { FastdataError } from '../../errors.js';

const { Long, LocalDate, LocalTime, BigDecimal, Integer, Uuid } = cassandra.types;

export type CqlNative = 'boolean' | 'int' | 'bigint' | 'float' | 'double' | 'text' | 'blob' | 'timestamp' | 'date' | 'time' | 'uuid' | 'decimal';

export type CqlType =
  | { kind: 'native'; name: CqlNative }
  | { kind: 'list'; element: Codec }
  | { kind: 'map'; value: Codec }
  | { kind: 'udt'; name: string; fields: FieldCodec[] };

/** One Avro type mapped to CQL, with its conversions. */
export interface Codec {
  readonly cql: CqlType;
  readonly nullable: boolean;
  /** A decoded Avro value to what the driver binds; throws on a value Cassandra cannot hold. */
  write(value: unknown): unknown;
  /** A value the driver read back to the Avro value. */
  read(value: unknown): unknown;
  /** For messages: "long (timestamp-millis)". */
  readonly avro: string;
}

export interface FieldCodec {
  readonly name: string;
  readonly codec: Codec;
}

/** A user-defined type to create before the table, in dependency order. */
export interface UdtDef {
  name: string;
  fields: FieldCodec[];
}

type AvroJson = string | AvroJson[] | { [key: string]: unknown };

const fail = (path: string, message: string) =>
  new FastdataError('FD_SCHEMA_INVALID', `Cassandra sink: field ${path}: ${message}`, { context: { field: path } });

/** The CQL text of a type, as Cassandra writes it in system_schema (so the two compare). */
export function cqlTypeText(type: CqlType, nested = false): string {
  switch (type.kind) {
    case 'native':
      return type.name;
    case 'list':
      return nested ? `frozen<list<${cqlTypeText(type.element.cql, true)}>>` : `list<${cqlTypeText(type.element.cql, true)}>`;
    case 'map':
      return nested ? `frozen<map<text, ${cqlTypeText(type.value.cql, true)}>>` : `map<text, ${cqlTypeText(type.value.cql, true)}>`;
    case 'udt':
      return `frozen<${type.name}>`;
  }
}

/** camelCase or PascalCase to snake_case, for UDT names (unquoted CQL names are lower case). */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

const toNumber = (value: unknown): number => (Long.isLong(value) ? (value as InstanceType<typeof Long>).toNumber() : Number(value));

function native(name: CqlNative, avro: string, write: (v: unknown) => unknown = (v) => v, read: (v: unknown) => unknown = (v) => v): Codec {
  return { cql: { kind: 'native', name }, nullable: false, write, read, avro };
}

function expectNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${what}: expected a finite number, got ${JSON.stringify(value)}`);
  return value;
}

/** Two's-complement big-endian bytes of `unscaled`, sign-extended to `size` when the Avro type is fixed. */
function unscaledBytes(decimal: InstanceType<typeof BigDecimal>, scale: number, size: number | undefined, path: string): Buffer {
  const withScale = BigDecimal.toBuffer(decimal);
  if (withScale.readInt32BE(0) !== scale) throw new Error(`${path}: decimal read back with scale ${withScale.readInt32BE(0)}, the schema says ${scale}`);
  const bytes = withScale.subarray(4);
  if (size === undefined || bytes.length === size) return Buffer.from(bytes);
  if (bytes.length > size) throw new Error(`${path}: decimal needs ${bytes.length} bytes, the fixed type has ${size}`);
  const out = Buffer.alloc(size, (bytes[0] ?? 0) & 0x80 ? 0xff : 0x00);
  bytes.copy(out, size - bytes.length);
  return out;
}

function decimalCodec(scale: number, size: number | undefined, avro: string, path: string): Codec {
  if (!Number.isInteger(scale) || scale < 0) throw fail(path, `decimal scale ${JSON.stringify(scale)} must be a whole number >= 0`);
  return native(
    'decimal',
    avro,
    (v) => {
      if (!Buffer.isBuffer(v)) throw new Error(`${path}: a decimal is the Buffer of its unscaled value, got ${typeof v}`);
      // The typings say number; the driver takes its own Integer for an unscaled value of any size.
      return new BigDecimal(Integer.fromBuffer(v) as unknown as number, scale);
    },
    (v) => unscaledBytes(v as InstanceType<typeof BigDecimal>, scale, size, path),
  );
}

function mapPrimitive(type: string, logical: string | undefined, schema: Record<string, unknown>, path: string): Codec | undefined {
  const avro = logical ? `${type} (${logical})` : type;
  switch (`${type}/${logical ?? ''}`) {
    case 'boolean/':
      return native('boolean', avro);
    case 'int/date':
      // A one-argument LocalDate is days since the epoch (the typings list only the three-argument form).
      return native('date', avro, (v) => new (LocalDate as unknown as new (days: number) => unknown)(expectNumber(v, path)), (v) => {
        const d = v as { date?: Date; _value?: unknown };
        return d.date ? Math.round(d.date.getTime() / 86_400_000) : Number(d._value);
      });
    case 'int/time-millis':
      return native('time', avro, (v) => LocalTime.fromMilliseconds(expectNumber(v, path)), (v) => toNumber((v as InstanceType<typeof LocalTime>).getTotalNanoseconds()) / 1e6);
    case 'long/time-micros':
      return native('time', avro, (v) => new LocalTime(Long.fromNumber(expectNumber(v, path) * 1000)), (v) => toNumber((v as InstanceType<typeof LocalTime>).getTotalNanoseconds()) / 1e3);
    case 'long/timestamp-millis':
      return native('timestamp', avro, (v) => new Date(expectNumber(v, path)), (v) => (v as Date).getTime());
    case 'long/timestamp-micros':
      // CQL timestamps hold milliseconds: the microseconds below are dropped (docs/cassandra.md).
      return native('timestamp', avro, (v) => new Date(Math.floor(expectNumber(v, path) / 1000)), (v) => (v as Date).getTime() * 1000);
    case 'bytes/decimal':
      return decimalCodec(Number(schema.scale ?? 0), undefined, avro, path);
    case 'string/uuid':
      return native('uuid', avro, (v) => Uuid.fromString(String(v)), (v) => String(v));
  }
  switch (type) {
    case 'int':
      return native('int', avro);
    case 'long':
      return native('bigint', avro, (v) => Long.fromNumber(expectNumber(v, path)), toNumber);
    case 'float':
      return native('float', avro);
    case 'double':
      return native('double', avro);
    case 'string':
      return native('text', avro);
    case 'bytes':
      return native('blob', avro);
  }
  return undefined;
}

interface Context {
  /** Named types by full and short name. */
  named: Map<string, Record<string, unknown>>;
  /** UDTs created so far, by name (a record used twice is one UDT). */
  udts: Map<string, UdtDef>;
  /** Prefix of UDT names: the table. */
  prefix: string;
  /** Records being mapped: a record that contains itself has no CQL type. */
  visiting: Set<string>;
}

function register(ctx: Context, schema: Record<string, unknown>): void {
  const name = String(schema.name);
  ctx.named.set(name, schema);
  ctx.named.set(name.split('.').pop()!, schema);
}

function mapType(json: AvroJson, path: string, ctx: Context): Codec {
  if (typeof json === 'string') {
    const primitive = mapPrimitive(json, undefined, {}, path);
    if (primitive) return primitive;
    if (json === 'null') throw fail(path, 'a field of type null has no column; remove it or make it a union [null, T]');
    const named = ctx.named.get(json) ?? ctx.named.get(json.split('.').pop()!);
    if (!named) throw fail(path, `unknown type ${json}`);
    return mapNamed(named, path, ctx);
  }
  if (Array.isArray(json)) {
    const branches = json.filter((b) => b !== 'null');
    if (branches.length === 1 && json.length === 2) return { ...mapType(branches[0]!, path, ctx), nullable: true };
    const described = json.map((b) => (typeof b === 'string' ? b : String((b as Record<string, unknown>).type))).join(', ');
    throw fail(path, `a union of ${described} has no Cassandra column type (a column has one type); use [null, T], or one field per branch`);
  }
  const type = json.type as AvroJson;
  const logical = typeof json.logicalType === 'string' ? json.logicalType : undefined;
  if (typeof type === 'string') {
    if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
      register(ctx, json);
      return mapNamed(json, path, ctx);
    }
    if (type === 'array') {
      const element = mapType(json.items as AvroJson, `${path}[]`, ctx);
      if (element.nullable) throw fail(path, 'an array of a nullable type cannot be a CQL list (lists hold no nulls); make the items non-null');
      return {
        cql: { kind: 'list', element },
        nullable: false,
        avro: `array<${element.avro}>`,
        write: (v) => (v as unknown[]).map((item) => element.write(item)),
        // Cassandra stores an empty collection as null.
        read: (v) => (v === null || v === undefined ? [] : (v as unknown[]).map((item) => element.read(item))),
      };
    }
    if (type === 'map') {
      const value = mapType(json.values as AvroJson, `${path}{}`, ctx);
      if (value.nullable) throw fail(path, 'a map of a nullable type cannot be a CQL map (maps hold no null values); make the values non-null');
      return {
        cql: { kind: 'map', value },
        nullable: false,
        avro: `map<${value.avro}>`,
        write: (v) => Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, item]) => [k, value.write(item)])),
        read: (v) => Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, item]) => [k, value.read(item)])),
      };
    }
    const primitive = mapPrimitive(type, logical, json, path);
    if (primitive) return primitive;
  }
  return mapType(type, path, ctx);
}

function mapNamed(schema: Record<string, unknown>, path: string, ctx: Context): Codec {
  const kind = schema.type;
  const name = String(schema.name);
  if (kind === 'enum') return native('text', `enum ${name}`);
  if (kind === 'fixed') {
    if (schema.logicalType === 'decimal') return decimalCodec(Number(schema.scale ?? 0), Number(schema.size), `fixed ${name} (decimal)`, path);
    return native('blob', `fixed ${name}`);
  }
  // A record inside the output record: a user-defined type, frozen (a value as a whole).
  const udtName = `${ctx.prefix}_${snake(name.split('.').pop()!)}`;
  if (udtName.length > 48) throw fail(path, `the user-defined type ${udtName} for record ${name} is longer than Cassandra's 48 characters; use a shorter table or record name`);
  let udt = ctx.udts.get(udtName);
  if (!udt) {
    if (ctx.visiting.has(udtName)) throw fail(path, `record ${name} contains itself; a recursive record has no Cassandra type`);
    ctx.visiting.add(udtName);
    const fields = recordFields(schema, path, ctx);
    ctx.visiting.delete(udtName);
    udt = { name: udtName, fields };
    ctx.udts.set(udtName, udt);
  }
  const fields = udt.fields;
  return {
    cql: { kind: 'udt', name: udtName, fields },
    nullable: false,
    avro: `record ${name}`,
    write: (v) => Object.fromEntries(fields.map((f) => [f.name, writeField(f, (v as Record<string, unknown>)[f.name], `${path}.${f.name}`)])),
    read: (v) => Object.fromEntries(fields.map((f) => [f.name, readField(f, (v as Record<string, unknown> | null)?.[f.name])])),
  };
}

function recordFields(schema: Record<string, unknown>, path: string, ctx: Context): FieldCodec[] {
  const fields = (schema.fields ?? []) as Array<Record<string, unknown>>;
  return fields.map((field) => {
    const name = String(field.name);
    return { name, codec: mapType(field.type as AvroJson, path ? `${path}.${name}` : name, ctx) };
  });
}

export function writeField(field: FieldCodec, value: unknown, path: string): unknown {
  if (value === null || value === undefined) {
    if (field.codec.nullable) return null;
    throw new Error(`${path}: null in a non-null ${field.codec.avro} field`);
  }
  try {
    return field.codec.write(value);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.startsWith(path) ? message : `${path}: ${message}`);
  }
}

export function readField(field: FieldCodec, value: unknown): unknown {
  if (value === null || value === undefined) {
    // Cassandra returns null for an empty list or map; a nullable field was null.
    return field.codec.nullable ? null : field.codec.read(null);
  }
  return field.codec.read(value);
}

export interface MappedRecord {
  fields: FieldCodec[];
  udts: UdtDef[];
}

/**
 * The columns of a table for a record schema (canonical JSON, see src/schema/canonical.ts),
 * and the user-defined types its nested records need (dependencies first). Refuses, with
 * the field's path, anything Cassandra cannot hold.
 */
export function mapRecordSchema(schema: unknown, table: string): MappedRecord {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema) || (schema as Record<string, unknown>).type !== 'record') {
    throw new FastdataError('FD_SCHEMA_INVALID', 'Cassandra sink: the output schema must be a record (its fields become the columns)', { context: { field: 'output.schema' } });
  }
  const ctx: Context = { named: new Map(), udts: new Map(), prefix: table, visiting: new Set() };
  register(ctx, schema as Record<string, unknown>);
  const fields = recordFields(schema as Record<string, unknown>, '', ctx);
  return { fields, udts: [...ctx.udts.values()] };
}
