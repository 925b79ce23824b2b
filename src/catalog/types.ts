/**
 * The catalog as the API serves it and the page draws it: plain JSON (null, never
 * undefined), importing nothing, so web/ imports these types too.
 */

/** What a node of the lineage graph is. A topic is a `source` when no module or rule writes it. */
export type LineageKind = 'input' | 'source' | 'internal' | 'output' | 'module' | 'rule' | 'dashboard' | 'sink';

export interface LineageNode {
  /** `<kind>:<name>`, e.g. `input:fleet-recording`, `topic:sensor.stats`, `module:sensor-stats`, `sink:cassandra:sensor_stats`. */
  id: string;
  kind: LineageKind;
  /** What people call it: the topic, module, rule, dashboard or table name. */
  label: string;
}

/** Data flows from `from` to `to`: a topic into a module or rule, a writer into its topic, a topic into a dashboard or sink. */
export interface LineageEdge {
  from: string;
  to: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface CatalogModule {
  name: string;
  /** The doc text as written (markdown) and rendered to safe HTML (src/catalog/markdown.ts). */
  doc: string;
  docHtml: string;
  inputs: string[];
  /** Topics it joins with as tables (latest row per key). */
  tables: string[];
  output: string;
  /** The output schema: the `.avsc` path relative to the project, or null when given inline. */
  schemaFile: string | null;
  /** The module's file relative to the project root, and where its source is served; null when unknown. */
  file: string | null;
  codeUrl: string | null;
  sinks: CatalogSink[];
}

export interface CatalogSink {
  kind: 'cassandra';
  /** The table in the configured keyspace. */
  table: string;
  topic: string;
  module: string;
}

export interface CatalogRule {
  name: string;
  description: string | null;
  source: string;
  /** The topic its notifications go to (the alert topic). */
  output: string;
  severity: string;
  receivers: string[];
  file: string;
  line: number;
}

export interface CatalogDashboard {
  name: string;
  title: string | null;
  file: string;
  url: string;
  /** The topics its panels read, in panel order, each once. */
  topics: string[];
}

/** A declared source (`sources/*.yaml`): what it reads, and the topic it writes. */
export interface CatalogInput {
  name: string;
  kind: 'file' | 'mqtt' | 'http' | 'kafka';
  topic: string;
  /** What it reads, in words: `data/fleet.csv (csv, replay 1x)`, `mqtt://host:1883 fleet/+/reading`, `POST /api/ingest/x`. */
  reads: string;
  /** A topic it reads (a kafka JSON source's `from`), drawn in the lineage. */
  fromTopic: string | null;
  /** The `.avsc` it declares, relative to the project; null when it uses the registered or an inferred one. */
  schemaFile: string | null;
  key: string | null;
  time: string | null;
  /** Relative to the project root: `sources/fleet-recording.yaml`. */
  file: string;
  /** Where its bad records go; null for a kind that has none (http answers 400, an avro kafka topic is not read). */
  deadLetterTopic: string | null;
}

export interface CatalogTopic {
  name: string;
  role: 'source' | 'output' | 'internal' | 'other';
  partitions: number | null;
  /** The module, `alerts` or `source <name>` (a declared source) that writes it; null for a topic written outside fastdata. */
  writer: string | null;
  /**
   * Everything that reads it: modules (by name; other pipelines too), `rule <name>`, `source <name>` (a source that
   * copies a topic), `dashboard <name>` and `sink <kind> <table>`.
   */
  readers: string[];
  subject: string;
  /** Registered versions of `<topic>-value` (empty when none is registered). */
  schemaVersions: number[];
}

export interface CatalogSchemaSummary {
  subject: string;
  versions: number[];
  latest: { version: number; id: number } | null;
}

export interface Catalog {
  /** The declared sources (sources/*.yaml). */
  inputs: CatalogInput[];
  topics: CatalogTopic[];
  modules: CatalogModule[];
  rules: CatalogRule[];
  dashboards: CatalogDashboard[];
  sinks: CatalogSink[];
  schemas: CatalogSchemaSummary[];
  lineage: LineageGraph;
  /** Whatever could not be read (a module that failed to load, a bad rule file), one line each. */
  problems: string[];
}

/** How a field changed between two consecutive versions of a schema. */
export interface FieldChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** For `changed`: what differs, e.g. `type long -> double`, `nullable false -> true`. */
  details: string[];
  before: { type: string; nullable: boolean; logicalType: string | null } | null;
  after: { type: string; nullable: boolean; logicalType: string | null } | null;
}

export interface SchemaVersionEntry {
  version: number;
  id: number;
  /** The Avro schema as JSON. */
  schema: unknown;
  /** Changes from the previous version (empty for the first). */
  changes: FieldChange[];
}

export interface SchemaHistory {
  subject: string;
  versions: SchemaVersionEntry[];
}

export interface CodeVersion {
  /** The last commit that touched the module's file; null outside a git checkout or for an untracked file. */
  commit: string | null;
  /** The checkout's HEAD. */
  head: string | null;
  /** The file has changes not committed: the running code is newer than `commit`. */
  modified: boolean;
}

export interface Provenance {
  topic: string;
  writer:
    | { kind: 'module'; module: CatalogModule }
    | { kind: 'rules'; rules: CatalogRule[] };
  inputs: { topic: string; role: CatalogTopic['role']; writer: string | null; schema: { subject: string; version: number; id: number } | null }[];
  schema: { subject: string; versions: { version: number; id: number }[]; latest: number | null; file: string | null };
  code: CodeVersion | null;
  /** The trained model files (ONNX) the module's file loaded in this process, with the SHA-256 of what runs; empty when none (or not loaded here). */
  models: { file: string; sha256: string; bytes: number; loadedAt: number }[];
  /** The downstream of the output: the nodes it feeds, directly. */
  feeds: LineageNode[];
}

export interface FieldProfile {
  /** Dotted path of a field of the decoded record (`location.lat`); `''` for a value that is not a record. */
  path: string;
  /** Share of the decoded records where the field is null or missing, 0..1. */
  nullRate: number;
  /** Smallest and largest value seen (numbers, or strings in code-unit order); null when none. */
  min: number | string | null;
  max: number | string | null;
  /** Distinct values seen in the sample: exact up to `distinctCap`, then `distinctCapped` and the cap. */
  distinct: number;
  distinctCapped: boolean;
}

export interface TopicProfile {
  topic: string;
  partitions: number;
  /** Records in the log (end minus start offsets; a compacted topic has fewer, as gaps). */
  records: number;
  /** Timestamp of the newest record, ms since the epoch; null for an empty topic. */
  lastRecordTime: number | null;
  /** Records appended over the last minute before `computedAt`, per second. */
  ratePerSecond: number;
  sample: {
    /** Records read: the newest ones, at most `limit` across partitions. */
    records: number;
    limit: number;
    /** Tombstones (null values): not decoded, not counted as failures. */
    tombstones: number;
    /** Records that failed to decode (bad framing, unknown schema id, corrupt Avro). */
    decodeFailures: number;
    /** decodeFailures / (records - tombstones); 0 when nothing to decode. */
    decodeFailureShare: number;
    /** A few of the failures' reasons, to say what is wrong. */
    failureExamples: string[];
    fromTime: number | null;
    toTime: number | null;
    distinctCap: number;
  };
  fields: FieldProfile[];
  computedAt: number;
}
