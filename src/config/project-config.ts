/**
 * The project configuration: `fastdata.config.yaml` (or `.yml`, `.json`) at the project
 * root, every key optional, then `FASTDATA_*` environment variables, then CLI flags.
 * One schema (below) validates all three and documents the settings; every problem is
 * reported at once with where it came from.
 *
 * Environment variables name a setting by its path, in upper snake case, with `__`
 * between levels: FASTDATA_DATA_DIR=dataDir, FASTDATA_SERVER__PORT=server.port. Values are
 * JSON when they parse as JSON (numbers, booleans, arrays), text otherwise; a list may also
 * be given comma-separated (FASTDATA_LOG__BROKERS=k1:9092,k2:9092). FASTDATA_TEST_* and
 * FASTDATA_INFRA_* belong to the test setup and scripts/infra, FASTDATA_CLIENT_* to the
 * commands that call a running server (FASTDATA_CLIENT_TOKEN), not to the project.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { type Problem, parseAndValidate, readTextFile, stringEnum, throwProblems, validateValue } from './validated-file.js';

export const DurationSchema = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' })], {
  description: "milliseconds, or a string such as '250ms', '30s', '5m', '1h', '7d'",
});

const strict = { additionalProperties: false } as const;

/** The record-batch codecs fastdata can write to Kafka (log.compression). */
export const COMPRESSION_CODECS = ['none', 'gzip', 'lz4', 'zstd'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

export const ProjectConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: '.fastdata', minLength: 1, description: 'Where the embedded log and registry keep their files (relative to the project root).' }),
    streams: Type.String({ default: 'streams', minLength: 1, description: 'Folder of the stream modules.' }),
    sources: Type.String({ default: 'sources', minLength: 1, description: 'Folder of the source files (sources/*.yaml: files, MQTT, HTTP and Kafka inputs).' }),
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Interface the HTTP server listens on.' }),
        port: Type.Integer({ default: 7070, minimum: 0, maximum: 65535, description: 'HTTP port (0: any free port).' }),
        tokens: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'who holds it: shown in the access log, never the token' }),
              sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the SHA-256 of the token, in hex (`fastdata token new` prints it)' })),
              env: Type.Optional(Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', description: 'or: the environment variable that holds the token' })),
              scope: stringEnum(['read', 'write', 'admin'] as const, { description: 'read: outputs, dashboards, catalog, status; write: also ingest, silences, acks; admin: also registry writes and module code' }),
            },
            strict,
          ),
          { default: [], maxItems: 1000, description: 'Who may use the HTTP API and /ws. None: open to whoever reaches the port (loopback only, unless server.open).' },
        ),
        open: Type.Boolean({ default: false, description: 'Serve without tokens beyond loopback (behind a proxy that checks access). Default false: refused.' }),
        allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
          default: [],
          description: 'Host names the server answers to (the Host header), besides localhost, 127.0.0.1 and [::1]: against DNS rebinding.',
        }),
        allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), {
          default: [],
          description: 'Origins (scheme://host:port) whose pages may call state-changing routes and /ws, besides the server itself.',
        }),
        tls: Type.Optional(Type.Object({ cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) }, { ...strict, description: 'PEM files, relative to the project root: serve HTTPS.' })),
        accessLog: Type.String({ default: '', description: "The access log, one JSON line per request: '' (none), 'stderr', or a file relative to the project root (appended)." }),
        trustProxy: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          default: [],
          maxItems: 100,
          description: "Addresses or CIDR ranges of the reverse proxies in front (e.g. '127.0.0.1', '10.0.0.0/8'): a client is then the address in their X-Forwarded-For, for the rate limit and the access log. None: the address of the connection.",
        }),
        rateLimit: Type.Object(
          {
            requests: Type.Integer({ default: 6000, minimum: 0, maximum: 100_000_000, description: 'Requests per client (a token holder, else an address) per window; past it, 429 with Retry-After. 0: no limit.' }),
            exports: Type.Integer({ default: 60, minimum: 0, maximum: 100_000_000, description: 'Exports (GET /api/outputs/<topic>/export, whole ranges) per client per window, counted apart. 0: only the requests limit.' }),
            window: Type.Union([DurationSchema], { default: '1m', description: 'The window the limits count over.' }),
          },
          { ...strict, default: {}, description: 'How many requests one client may make: one client looping on the API cannot slow every viewer and module.' },
        ),
      },
      { ...strict, default: {} },
    ),
    log: Type.Object(
      {
        partitions: Type.Integer({ default: 4, minimum: 1, maximum: 1000, description: 'Partitions of the topics fastdata creates.' }),
        fsync: stringEnum(['always', 'interval', 'never'] as const, {
          default: 'interval',
          description: "Embedded log: fsync every append ('always'), every second ('interval') or never (the OS decides).",
        }),
        kind: stringEnum(['embedded', 'kafka'] as const, {
          default: 'embedded',
          description: "'embedded': files under dataDir, one process. 'kafka': Apache Kafka at log.brokers, any number of workers.",
        }),
        driver: stringEnum(['kafkajs', 'platformatic'] as const, {
          default: 'kafkajs',
          description: "The Kafka client behind log.kind kafka: 'kafkajs', the reference driver, or 'platformatic' (@platformatic/kafka, pure JavaScript, faster; see docs/kafka-drivers.md).",
        }),
        compression: Type.Object(
          {
            default: stringEnum(COMPRESSION_CODECS, { default: 'none', description: 'Codec of the record batches fastdata writes to Kafka: outputs, changelogs, repartition and dead-letter topics.' }),
            topics: Type.Record(Type.String({ minLength: 1, maxLength: 249 }), stringEnum(COMPRESSION_CODECS), {
              default: {},
              description: "Per topic, by its full name (an output 'sensor.stats', a changelog 'fastdata.sensor-stats.changelog'): overrides the default.",
            }),
          },
          { ...strict, default: {}, description: 'Compression of what fastdata writes to Kafka, per topic: less network and disk for CPU. The embedded log does not compress (its batches have no codec).' },
        ),
        brokers: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$' }), {
          default: ['127.0.0.1:9092'],
          minItems: 1,
          description: 'Kafka bootstrap brokers, host:port.',
        }),
        clientId: Type.String({ default: 'fastdata', minLength: 1, description: 'Kafka client id (broker logs and quotas).' }),
        replicationFactor: Type.Integer({ default: -1, minimum: -1, maximum: 32, description: 'Replicas of the topics fastdata creates on Kafka; -1: the broker default.' }),
        ssl: Type.Union(
          [
            Type.Boolean(),
            Type.Object(
              {
                caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA that signed the brokers.' })),
                certFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate (mutual TLS).' })),
                keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM client key (mutual TLS).' })),
                rejectUnauthorized: Type.Optional(Type.Boolean({ description: 'false only for a test broker with a self-signed certificate.' })),
              },
              strict,
            ),
          ],
          { default: false, description: 'TLS to the brokers: true, or files for a private CA or mutual TLS.' },
        ),
        sasl: Type.Optional(
          Type.Object(
            {
              mechanism: stringEnum(['plain', 'scram-sha-256', 'scram-sha-512'] as const, { description: 'SASL mechanism of the brokers.' }),
              username: Type.String({ minLength: 1 }),
              password: Type.String({ minLength: 1, description: 'Better given as FASTDATA_LOG__SASL__PASSWORD than in the file.' }),
            },
            strict,
          ),
        ),
      },
      { ...strict, default: {} },
    ),
    registry: Type.Object(
      {
        url: Type.Optional(
          Type.String({
            pattern: '^https?://',
            description: 'A Confluent-compatible schema registry (Confluent, Karapace, Redpanda, Apicurio at /apis/ccompat/v7). Unset: the embedded registry under dataDir.',
          }),
        ),
        auth: Type.Optional(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) }, { ...strict, description: 'HTTP basic auth of the registry.' })),
      },
      { ...strict, default: {} },
    ),
    processing: Type.Object(
      {
        guarantee: stringEnum(['at-least-once', 'exactly-once'] as const, {
          default: 'at-least-once',
          description: "'exactly-once' (log.kind kafka): outputs, state and input offsets in one Kafka transaction per task; consumers read with read_committed.",
        }),
      },
      { ...strict, default: {} },
    ),
    modules: Type.Record(
      Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,62}$' }),
      Type.Object(
        {
          commitInterval: Type.Optional(Type.Union([DurationSchema], { description: 'Least time between two checkpoints of the module (outputs, state, offsets).' })),
          maxCommitInterval: Type.Optional(
            Type.Union([DurationSchema], { description: 'Longest time between two checkpoints under load (default 2 s); equal to commitInterval for a fixed interval.' }),
          ),
          watermark: Type.Optional(
            Type.Object(
              {
                lateness: Type.Optional(Type.Union([DurationSchema], { description: 'How far behind the newest event time records may arrive without being late.' })),
                idleTimeout: Type.Optional(Type.Union([DurationSchema], { description: "After this long without records, an input's watermark follows the wall clock." })),
                maxFutureSkew: Type.Optional(
                  Type.Union([DurationSchema], {
                    description: "How far ahead of the processor's clock an event time may be; a record further ahead is dead-lettered (future-event-time) and moves no watermark. Default 5m.",
                  }),
                ),
              },
              strict,
            ),
          ),
        },
        strict,
      ),
      {
        default: {},
        description:
          "Per stream module, by its name (sensor-stats, or sensorStats as FASTDATA_MODULES__SENSOR_STATS__COMMIT_INTERVAL=1s gives it): settings that override the module's code. " +
          'A name that is no module of the project is an error at start.',
      },
    ),
    alerts: Type.Object(
      {
        topicPrefix: Type.String({
          default: 'fastdata.alerts',
          pattern: '^[A-Za-z0-9._-]{1,200}$',
          description: "The alert topic's name, and the prefix of the other alert topics and groups (.history, .state, .silences, .acks, .receiver.<name>): two projects on one Kafka cluster give each their own.",
        }),
      },
      { ...strict, default: {} },
    ),
    metrics: Type.Object(
      {
        port: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 65535, description: '`fastdata run`: serve Prometheus metrics at http://<host>:<port>/metrics (0: any free port). Absent: no metrics server (dev serves /metrics on server.port).' }),
        ),
        host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Interface the metrics server of `fastdata run` listens on (0.0.0.0 to be scraped from other machines).' }),
      },
      { ...strict, default: {} },
    ),
    cassandra: Type.Optional(
      Type.Object(
        {
          contactPoints: Type.Array(Type.String({ pattern: '^[^\\s:]+(:\\d{1,5})?$' }), {
            default: ['127.0.0.1:9042'],
            minItems: 1,
            description: 'Cassandra nodes to connect to first, host or host:port (port 9042 when left out).',
          }),
          localDataCenter: Type.String({ default: 'datacenter1', minLength: 1, description: "The data center the sinks write to and read from (a single node's is 'datacenter1')." }),
          keyspace: Type.String({ default: 'fastdata', pattern: '^[a-z][a-z0-9_]{0,47}$', description: 'Keyspace of the sink tables; created when missing.' }),
          replication: Type.Object(
            {
              class: stringEnum(['SimpleStrategy', 'NetworkTopologyStrategy'] as const, { default: 'SimpleStrategy' }),
              replicationFactor: Type.Integer({ default: 1, minimum: 1, maximum: 32, description: 'SimpleStrategy: replicas of every row.' }),
              dataCenters: Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 32 }), { default: {}, description: 'NetworkTopologyStrategy: replicas per data center.' }),
            },
            { ...strict, default: {}, description: 'Replication of the keyspace when fastdata creates it (an existing keyspace is left as it is).' },
          ),
          consistency: stringEnum(['ONE', 'LOCAL_ONE', 'QUORUM', 'LOCAL_QUORUM', 'ALL'] as const, { default: 'LOCAL_QUORUM', description: 'Consistency level of the writes and reads.' }),
          concurrency: Type.Integer({ default: 256, minimum: 1, maximum: 4096, description: 'Writes in flight per sink.' }),
          auth: Type.Optional(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1, description: 'Better given as FASTDATA_CASSANDRA__AUTH__PASSWORD.' }) }, strict)),
        },
        { ...strict, description: 'Cassandra for the sinks that modules declare (output.sinks.cassandra) and for the access layer to read them back. Absent: no sink runs.' },
      ),
    ),
    generator: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Run the demo sensor-fleet generator in `fastdata dev`.' }),
        options: Type.Record(Type.String(), Type.Unknown(), {
          default: {},
          description: 'Options of the sensor-fleet generator (sensors, rate, backfill, faults, seed); see the README.',
        }),
      },
      { ...strict, default: {} },
    ),
  },
  { ...strict, default: {} },
);

export type ProjectConfig = Static<typeof ProjectConfigSchema>;

export const CONFIG_FILES = ['fastdata.config.yaml', 'fastdata.config.yml', 'fastdata.config.json'];

export interface LoadedConfig {
  config: ProjectConfig;
  /** The project root: where the config file is, or the directory given. */
  root: string;
  /** The config file used, if any. */
  file: string | undefined;
  /** Absolute data dir. */
  dataDir: string;
}

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Settings that are lists, which the environment may give comma-separated. */
const LIST_SETTINGS = new Set(['log.brokers', 'cassandra.contactPoints']);

function parseEnvValue(raw: string, path: string[]): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return LIST_SETTINGS.has(path.join('.')) ? raw.split(',').map((item) => item.trim()).filter(Boolean) : raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (next !== null && typeof next === 'object' ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** `FASTDATA_*` variables as a partial config. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('FASTDATA_') || raw === undefined) continue;
    if (name.startsWith('FASTDATA_TEST_') || name.startsWith('FASTDATA_INFRA_') || name.startsWith('FASTDATA_CLIENT_')) continue;
    const path = name.slice('FASTDATA_'.length).split('__').map(camel);
    setPath(overrides, path, parseEnvValue(raw, path));
  }
  return overrides;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value) && current !== null && typeof current === 'object' && !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

export interface LoadConfigOptions {
  /** Project root to look in. Default: the current directory. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** Settings from CLI flags, highest precedence. */
  overrides?: Record<string, unknown>;
}

export async function loadProjectConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const root = resolve(options.dir ?? process.cwd());
  const file = CONFIG_FILES.map((name) => join(root, name)).find((path) => existsSync(path));
  const problems: Problem[] = [];
  let fromFile: Record<string, unknown> = {};
  if (file) {
    const loaded = parseAndValidate(file, await readTextFile(file), ProjectConfigSchema);
    problems.push(...loaded.problems);
    fromFile = (loaded.value ?? {}) as Record<string, unknown>;
  }
  const env = configFromEnv(options.env ?? process.env);
  const envProblems = validateValue('environment (FASTDATA_*)', structuredClone(env), Type.Partial(ProjectConfigSchema, { additionalProperties: false }));
  problems.push(
    ...envProblems.problems.map((p) => ({ ...p, field: `FASTDATA_${p.field.split('.').map((s) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__')} (${p.field})` })),
  );
  if (problems.length > 0) throwProblems('the project configuration', problems);

  const merged = merge(merge(fromFile, env), options.overrides ?? {});
  const final = validateValue('the merged configuration (file, environment, flags)', merged, ProjectConfigSchema);
  if (final.problems.length > 0) throwProblems('the project configuration', final.problems);
  const rules = crossFieldProblems(final.value);
  if (rules.length > 0) throwProblems('the project configuration', rules);
  const config = Object.freeze(final.value);
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : join(root, config.dataDir);
  return { config, root, file, dataDir };
}

/** Rules that join settings, checked once each setting is valid on its own. */
function crossFieldProblems(config: ProjectConfig): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string, message: string): Problem => ({ file: 'the merged configuration (file, environment, flags)', field, message });
  if (config.processing.guarantee === 'exactly-once' && config.log.kind !== 'kafka') {
    problems.push(at('processing.guarantee', "exactly-once needs Kafka transactions: set log.kind: kafka, or use at-least-once"));
  }
  if (config.log.kind === 'kafka' && config.registry.url === undefined) {
    problems.push(at('registry.url', 'with log.kind kafka, workers in several processes need one shared schema registry: set registry.url (e.g. http://127.0.0.1:8081/apis/ccompat/v7)'));
  }
  const replication = config.cassandra?.replication;
  if (replication?.class === 'NetworkTopologyStrategy' && Object.keys(replication.dataCenters).length === 0) {
    problems.push(at('cassandra.replication.dataCenters', "NetworkTopologyStrategy needs the replicas per data center, e.g. dataCenters: { dc1: 3 }"));
  }
  return problems;
}
