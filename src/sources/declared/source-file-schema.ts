/**
 * The shape of a source file (`sources/*.yaml`), one source per file, in TypeBox so that
 * Ajv checks it as it checks alert rules and dashboards, with the line of every problem.
 * What a schema cannot say (the .avsc exists and parses, the key and time fields are in
 * it, the speed parses, options that belong to another kind) is checked after, by
 * load-sources.ts.
 *
 * @example sources/fleet-recording.yaml
 * kind: file
 * topic: sensor.readings
 * schema: schemas/sensor-reading.avsc
 * key: sensorId
 * time: timestamp
 * file: { path: data/fleet.csv, replay: { speed: 60x, retime: true, loop: true } }
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../config/validated-file.js';

export const SOURCE_KINDS = ['file', 'mqtt', 'http', 'kafka'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const FILE_FORMATS = ['csv', 'jsonl', 'avro', 'parquet'] as const;

const strict = { additionalProperties: false } as const;
const FieldName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'a top-level field of the schema' });

const FileOptions = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 1000, description: 'the file, relative to the project root' }),
    format: Type.Optional(stringEnum(FILE_FORMATS, { description: 'default: from the extension (.csv, .jsonl/.ndjson/.json, .avro, .parquet)' })),
    follow: Type.Optional(Type.Boolean({ description: 'keep reading what is appended (csv, jsonl); default false: read once' })),
    replay: Type.Optional(
      Type.Object(
        {
          speed: Type.String({ pattern: '^(max|\\d+(\\.\\d+)?x)$', description: "'1x', '60x', ... or 'max'" }),
          retime: Type.Optional(Type.Boolean({ description: 'shift event times so that the first record is now (recorded data as if live); default false' })),
          loop: Type.Optional(Type.Boolean({ description: 'start again at the end, still retimed; default false' })),
        },
        strict,
      ),
    ),
    csv: Type.Optional(Type.Object({ delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })), quote: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })) }, strict)),
  },
  strict,
);

const MqttOptions = Type.Object(
  {
    url: Type.String({ pattern: '^mqtts?://', description: 'mqtt://host:port or mqtts://host:port' }),
    topics: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { minItems: 1, maxItems: 100, description: 'topic filters, with + and #' }),
    keyLevel: Type.Optional(Type.Integer({ minimum: 0, maximum: 50, description: 'the level of the MQTT topic that is the key (0-based), when the payload has no key field' })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'default fastdata-<source name>; the broker keeps this session while the source is away' })),
    username: Type.Optional(Type.String({ minLength: 1 })),
    passwordEnv: Type.Optional(Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', description: 'the environment variable that holds the password' })),
  },
  strict,
);

const KafkaOptions = Type.Object(
  {
    format: stringEnum(['avro', 'json'] as const, { description: 'avro: written by producers with the registry (catalog only); json: fastdata reads it and writes Avro to `topic`' }),
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 249, description: 'json: the topic the outside producers write' })),
  },
  strict,
);

export const SourceFile = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    kind: stringEnum(SOURCE_KINDS),
    topic: Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$', description: 'the topic it writes' }),
    schema: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: "an .avsc file relative to the project root, or 'infer' (from the first records, shown to save); default: the topic's registered schema" }),
    ),
    key: Type.Optional(FieldName),
    time: Type.Optional(FieldName),
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'partitions of the topic when the source creates it; default log.partitions' })),
    file: Type.Optional(FileOptions),
    mqtt: Type.Optional(MqttOptions),
    kafka: Type.Optional(KafkaOptions),
  },
  strict,
);

export type SourceFileValue = Static<typeof SourceFile>;
export type FileSourceOptions = Static<typeof FileOptions>;
export type MqttSourceOptions = Static<typeof MqttOptions>;
export type KafkaSourceOptions = Static<typeof KafkaOptions>;
