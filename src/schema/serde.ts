/**
 * Avro records in the Confluent wire format, over any `SchemaRegistry`.
 *
 * The stream runtime encodes and decodes hundreds of thousands of records per second, so
 * the hot path is synchronous: an encoder is resolved once (`encoderFor`, which registers
 * the schema) and then encodes without awaiting; `decodeSync` decodes any record whose
 * writer schema id is cached and throws FD_SCHEMA_NOT_FOUND (with `context.id`) when it is
 * not, so the caller can `await prepare([id])` (or `decode`) once and go back to the fast
 * path. Validation runs only when encoding fails, to name every bad field.
 *
 * Encoded records are views into a shared slab (as Node's own `Buffer.allocUnsafe` pool
 * does for small buffers): avsc writes the body straight after the 5-byte header, with no
 * copy. Do not transfer or reuse their underlying `ArrayBuffer`.
 */
import type { Type } from 'avsc';
import { FastdataError, errorMessage, isFastdataError } from '../errors.js';
import { describeType, describeValue, parseAvroSchema, resolverOptions, type ParsedSchema } from './avro.js';
import { describeIncompatibility, explainIncompatibility } from './compatibility.js';
import type { SchemaInput, SchemaRegistry } from './types.js';
import { HEADER_SIZE, frame, readSchemaId, writeHeader } from './wire.js';

/** A schema registered under a subject, ready to encode values synchronously. */
export interface AvroEncoder<T = unknown> {
  readonly subject: string;
  /** Global id written in each record's header. */
  readonly id: number;
  readonly version: number;
  /** The avsc type it encodes with (`schema.type`). */
  readonly type: Type;
  readonly schema: ParsedSchema;
  /** The value in the Confluent wire format; FD_AVRO_ENCODE_FAILED names every bad field. */
  encode(value: T): Buffer;
}

export interface AvroSerdeOptions {
  /** Bytes per slab that encoded records share; records larger than half of it get their own buffer. Default 64 KiB. */
  slabSize?: number;
}

export interface EncoderOptions {
  /** Register the schema when the subject does not have it (default true); false only looks it up. */
  autoRegister?: boolean;
}

/** A bad field found by avsc's `isValid`. */
export interface InvalidField {
  path: string;
  expected: string;
  found: string;
}

type Resolver = ReturnType<Type['createResolver']>;

const DEFAULT_SLAB_SIZE = 64 * 1024;

/** Every bad field of `value` under `type`, by path (`readings.2.temperature`). */
export function invalidFields(type: Type, value: unknown): InvalidField[] {
  const found: InvalidField[] = [];
  type.isValid(value, {
    errorHook: (path: string[], bad: unknown, badType: Type) => {
      found.push({ path: path.join('.') || '(the value)', expected: describeType(badType), found: describeValue(bad) });
    },
  });
  return found;
}

export class AvroSerde {
  private readonly registry: SchemaRegistry;
  private readonly slabSize: number;
  private slab: Buffer;
  private slabOffset = 0;
  /** Writer schemas by global id: the decode cache. */
  private readonly writers = new Map<number, ParsedSchema>();
  /** Loads of ids in flight, so concurrent decodes of a new id fetch it once. */
  private readonly loading = new Map<number, Promise<ParsedSchema>>();
  /** Encoders by subject and canonical schema. */
  private readonly encoders = new Map<string, Promise<AvroEncoder>>();
  /** Resolvers (or the error of an impossible one) by reader type, then writer id. */
  private readonly resolvers = new WeakMap<Type, Map<number, Resolver | FastdataError>>();

  constructor(registry: SchemaRegistry, options: AvroSerdeOptions = {}) {
    const slabSize = options.slabSize ?? DEFAULT_SLAB_SIZE;
    if (!Number.isInteger(slabSize) || slabSize < 64) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `slabSize ${slabSize} is not an integer of at least 64 bytes`, { context: { field: 'slabSize' } });
    }
    this.registry = registry;
    this.slabSize = slabSize;
    // No I/O here, and no slab until the first encode.
    this.slab = Buffer.alloc(0);
  }

  /**
   * An encoder for `schema` under `subject`: registers the schema (or finds it, for a
   * schema already there) and caches the result, so calling it again is cheap.
   */
  async encoderFor<T = unknown>(subject: string, schema: SchemaInput, options: EncoderOptions = {}): Promise<AvroEncoder<T>> {
    const parsed = parseAvroSchema(schema, { subject });
    const key = `${options.autoRegister === false ? 'lookup' : 'register'}\u0000${subject}\u0000${parsed.canonical}`;
    let pending = this.encoders.get(key);
    if (pending === undefined) {
      pending = this.createEncoder(subject, parsed, options.autoRegister !== false);
      this.encoders.set(key, pending);
      // A failure (incompatible, registry down) is not cached: the next call tries again.
      pending.catch(() => this.encoders.delete(key));
    }
    return (await pending) as AvroEncoder<T>;
  }

  private async createEncoder(subject: string, parsed: ParsedSchema, autoRegister: boolean): Promise<AvroEncoder> {
    let registered;
    if (autoRegister) {
      registered = await this.registry.register(subject, parsed.canonical);
    } else {
      registered = await this.registry.lookup(subject, parsed.canonical);
      if (registered === undefined) {
        throw new FastdataError('FD_SCHEMA_NOT_FOUND', `subject "${subject}" has no version with this schema, and registration is off; register it first (fastdata schema register)`, {
          context: { subject },
        });
      }
    }
    const { id, version } = registered;
    if (!this.writers.has(id)) this.writers.set(id, parsed);
    const type = parsed.type;
    const serde = this;
    return {
      subject,
      id,
      version,
      type,
      schema: parsed,
      encode(value: unknown): Buffer {
        try {
          return serde.encodeFramed(type, id, value);
        } catch (error) {
          throw encodeFailure(subject, id, type, value, error);
        }
      },
    };
  }

  /** Header and body in the slab, encoded by avsc in place; a new slab when this one is full. */
  private encodeFramed(type: Type, id: number, value: unknown): Buffer {
    for (;;) {
      const slab = this.slab;
      const start = this.slabOffset;
      let needed = HEADER_SIZE;
      if (slab.length - start >= HEADER_SIZE) {
        writeHeader(slab, id, start);
        const end = type.encode(value, slab, start + HEADER_SIZE);
        if (end >= 0) {
          this.slabOffset = end;
          return slab.subarray(start, end);
        }
        // avsc returns minus the bytes it lacked.
        needed = slab.length - end - start;
      }
      if (needed > this.slabSize / 2) {
        // Too big to share a slab: a buffer of its own, encoded a second time.
        const own = Buffer.allocUnsafe(needed);
        writeHeader(own, id, 0);
        const end = type.encode(value, own, HEADER_SIZE);
        if (end === needed) return own;
        throw new FastdataError('FD_INTERNAL', `avsc encoded ${end} bytes into a buffer sized for ${needed}`, { context: { id } });
      }
      this.slab = Buffer.allocUnsafe(this.slabSize);
      this.slabOffset = 0;
    }
  }



  /** Whether records written with schema `id` decode synchronously. */
  isCached(id: number): boolean {
    return this.writers.has(id);
  }

  /**
   * Decodes a framed record whose writer schema is cached, as `reader` when given (old data
   * in a new schema's shape), else as written. FD_SCHEMA_NOT_FOUND with `context.id` when
   * the id is not cached yet: `await prepare([id])` and call again. FD_AVRO_DECODE_FAILED
   * for a truncated or corrupt body or trailing bytes; FD_WIRE_FORMAT_INVALID for a bad header.
   */
  decodeSync(buf: Buffer, reader?: ParsedSchema): unknown {
    const id = readSchemaId(buf);
    const writer = this.writers.get(id);
    if (writer === undefined) {
      throw new FastdataError('FD_SCHEMA_NOT_FOUND', `schema id ${id} is not cached; await prepare([${id}]) or decode() first`, {
        context: { id, cached: false },
      });
    }
    let type = writer.type;
    let resolver: Resolver | undefined;
    if (reader !== undefined && reader.type !== writer.type && reader.canonical !== writer.canonical) {
      resolver = this.resolverFor(reader, id, writer);
      type = reader.type;
    } else if (reader !== undefined) {
      type = reader.type;
    }
    let result: { value: unknown; offset: number };
    try {
      result = type.decode(buf, HEADER_SIZE, resolver);
    } catch (error) {
      throw decodeError(id, `corrupt Avro body (${errorMessage(error)})`, buf.length, error);
    }
    if (result.offset < 0) {
      throw decodeError(id, `truncated: the ${buf.length - HEADER_SIZE}-byte body ends before the record does`, buf.length);
    }
    if (result.offset !== buf.length) {
      throw decodeError(id, `${buf.length - result.offset} trailing bytes after the record (it ends at byte ${result.offset} of ${buf.length})`, buf.length);
    }
    return result.value;
  }

  private resolverFor(reader: ParsedSchema, id: number, writer: ParsedSchema): Resolver {
    let byId = this.resolvers.get(reader.type);
    if (byId === undefined) {
      byId = new Map();
      this.resolvers.set(reader.type, byId);
    }
    let resolver = byId.get(id);
    if (resolver === undefined) {
      try {
        resolver = reader.type.createResolver(writer.type, resolverOptions());
      } catch (error) {
        const reasons = explainIncompatibility(reader.type, writer.type).map((issue) => describeIncompatibility(issue, 'BACKWARD', `schema id ${id}`));
        resolver = new FastdataError(
          'FD_SCHEMA_INCOMPATIBLE',
          `records written with schema id ${id} cannot be read as ${reader.name ?? 'the reader schema'}: ${reasons.join('; ') || errorMessage(error)}`,
          { context: { id, reader: reader.name, messages: reasons }, cause: error },
        );
      }
      byId.set(id, resolver);
    }
    if (resolver instanceof FastdataError) throw resolver;
    return resolver;
  }

  /** Fetches and caches the writer schemas of `ids`, so their records decode synchronously. */
  async prepare(ids: Iterable<number>): Promise<void> {
    await Promise.all([...new Set(ids)].map((id) => this.writerSchema(id)));
  }

  /** The writer schema of `id`, from the cache or the registry (FD_SCHEMA_NOT_FOUND if it has none). */
  writerSchema(id: number): Promise<ParsedSchema> {
    const cached = this.writers.get(id);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loading.get(id);
    if (pending === undefined) {
      pending = this.registry
        .getSchemaById(id)
        .then((text) => {
          const parsed = parseAvroSchema(text, { id });
          if (!this.writers.has(id)) this.writers.set(id, parsed);
          return this.writers.get(id) ?? parsed;
        })
        .finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  /** Decodes any framed record, fetching its writer schema when it is not cached. */
  async decode(buf: Buffer, reader?: ParsedSchema): Promise<unknown> {
    const id = readSchemaId(buf);
    if (!this.writers.has(id)) {
      try {
        await this.writerSchema(id);
      } catch (error) {
        if (isFastdataError(error, 'FD_SCHEMA_NOT_FOUND')) {
          throw decodeError(id, `unknown schema id ${id}: the registry has no schema with this id (written against another registry?)`, buf.length, error);
        }
        throw error;
      }
    }
    return this.decodeSync(buf, reader);
  }
}

function decodeError(id: number, what: string, length: number, cause?: unknown): FastdataError {
  return new FastdataError('FD_AVRO_DECODE_FAILED', `cannot decode record (schema id ${id}, ${length} bytes): ${what}`, {
    context: { id, length },
    cause,
  });
}

/** FD_AVRO_ENCODE_FAILED naming every bad field of `value`. */
function encodeFailure(subject: string, id: number, type: Type, value: unknown, error: unknown): FastdataError {
  if (isFastdataError(error)) return error;
  const fields = invalidFields(type, value);
  const detail =
    fields.length > 0
      ? fields.map((field) => `${field.path}: expected ${field.expected}, found ${field.found}`).join('; ')
      : errorMessage(error);
  return new FastdataError('FD_AVRO_ENCODE_FAILED', `cannot encode a record for subject "${subject}" (schema id ${id}, ${describeType(type)}): ${detail}`, {
    context: { subject, id, fields },
    cause: error,
  });
}

/**
 * An encoder of `schema` that no registry knows (schema id 0): it encodes, and fails, exactly
 * as a registered one does. For the test driver, which checks outputs against the output
 * schema with no registry at all.
 */
export function unregisteredEncoder(subject: string, schema: ParsedSchema): (value: unknown) => Buffer {
  const type = schema.type;
  return (value) => {
    try {
      return frame(0, type.toBuffer(value));
    } catch (error) {
      throw encodeFailure(subject, 0, type, value, error);
    }
  };
}
