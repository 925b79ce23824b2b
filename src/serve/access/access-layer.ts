/**
 * The access layer: every output topic of the project's modules, with its schema and
 * lineage, a live view of each (latest per key, recent history, live records) and range
 * reads from the log. The REST routes and the WebSocket endpoint are built on it; it runs
 * inside `fastdata dev` and alone in `fastdata serve` (its views read the topics as
 * consumers of their own, never in a module's group).
 */
import { FastdataError } from '../../errors.js';
import type { Log } from '../../log/types.js';
import { parseAvroSchema } from '../../schema/avro.js';
import type { AvroSerde } from '../../schema/serde.js';
import { valueSubject, type SchemaRegistry } from '../../schema/types.js';
import type { StreamModule } from '../../stream/define.js';
import type { RangePage, RangeQuery, ResultStore } from '../../sinks/result-store.js';
import { readRange } from './range.js';
import { TopicView } from './topic-view.js';
import type { ViewRecord } from './view-record.js';

export interface OutputInfo {
  topic: string;
  /** The module that writes it, its documentation and its inputs: the lineage of the output. */
  module: string;
  doc: string;
  inputs: string[];
  partitions: number;
  subject: string;
}

export interface OutputSchema {
  subject: string;
  id: number;
  version: number;
  /** The Avro schema as JSON. */
  avro: Record<string, unknown>;
}

export interface AccessLayerOptions {
  log: Log;
  registry: SchemaRegistry;
  serde: AvroSerde;
  /** The project's modules, asked each time (modules load after the server starts). */
  modules: () => readonly StreamModule[];
  /** Other topics written by fastdata and served like outputs (the alert topic). */
  otherOutputs?: () => readonly { topic: string; module: string; doc: string; inputs: string[] }[];
  /** Asked first for a key's latest record and for ranges (a Cassandra sink's table); the log answers what it does not. */
  results?: ResultStore;
  viewOptions?: { maxKeys?: number; historySize?: number };
  onWarning?: (message: string) => void;
}

export class AccessLayer {
  private readonly options: AccessLayerOptions;
  private readonly views = new Map<string, TopicView>();
  private readonly pending = new Map<string, Promise<TopicView>>();
  private closed = false;

  constructor(options: AccessLayerOptions) {
    this.options = options;
  }

  get log(): Log {
    return this.options.log;
  }

  get serde(): AvroSerde {
    return this.options.serde;
  }

  /** The topics written by fastdata other than modules (the alert topic), whether they exist yet or not. */
  otherOutputTopics(): readonly { topic: string; module: string }[] {
    return this.options.otherOutputs?.() ?? [];
  }

  /** The outputs of the project's modules (an output topic that does not exist yet is left out). */
  async outputs(): Promise<OutputInfo[]> {
    const out: OutputInfo[] = [];
    for (const m of this.options.modules()) {
      const described = await this.options.log.describeTopic(m.output.topic);
      if (!described) continue;
      out.push({ topic: m.output.topic, module: m.name, doc: m.doc, inputs: m.inputs.map((i) => i.topic), partitions: described.partitions, subject: valueSubject(m.output.topic) });
    }
    for (const o of this.options.otherOutputs?.() ?? []) {
      const described = await this.options.log.describeTopic(o.topic);
      if (described && !out.some((x) => x.topic === o.topic)) out.push({ ...o, partitions: described.partitions, subject: valueSubject(o.topic) });
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic));
  }

  /** The output named `topic`, or FD_TOPIC_NOT_FOUND naming the outputs there are. */
  async output(topic: string): Promise<OutputInfo> {
    const outputs = await this.outputs();
    const found = outputs.find((o) => o.topic === topic);
    if (!found) {
      throw new FastdataError('FD_TOPIC_NOT_FOUND', `${JSON.stringify(topic)} is not an output topic; the outputs are ${outputs.map((o) => o.topic).join(', ') || '(none yet)'}`, {
        context: { topic, field: 'topic' },
      });
    }
    return found;
  }

  async schema(topic: string): Promise<OutputSchema> {
    const latest = await this.options.registry.getLatest(valueSubject(topic));
    return { subject: latest.subject, id: latest.id, version: latest.version, avro: JSON.parse(parseAvroSchema(latest.schema).canonical) as Record<string, unknown> };
  }

  /** The live view of an output topic, started (and caught up) on first use. */
  async view(topic: string): Promise<TopicView> {
    const ready = this.views.get(topic);
    if (ready) return ready;
    await this.output(topic);
    let starting = this.pending.get(topic);
    if (!starting) {
      const view = new TopicView(this.options.log, this.options.serde, topic, { ...this.options.viewOptions, ...(this.options.onWarning ? { onWarning: this.options.onWarning } : {}) });
      starting = view.start().then(() => {
        if (this.closed) throw new FastdataError('FD_ARGUMENT_INVALID', 'the access layer is closed');
        this.views.set(topic, view);
        this.pending.delete(topic);
        return view;
      });
      starting.catch(() => this.pending.delete(topic));
      this.pending.set(topic, starting);
    }
    return starting;
  }

  async range(topic: string, query: RangeQuery): Promise<RangePage> {
    await this.output(topic);
    return (await this.options.results?.range(topic, query)) ?? readRange(this.options.log, this.options.serde, topic, query);
  }

  /** The latest record of `key`: from the result store when it has it, else from the live view of the log. */
  async latestOf(topic: string, key: string): Promise<ViewRecord | undefined> {
    await this.output(topic);
    return (await this.options.results?.latestOf(topic, key)) ?? (await this.view(topic)).latestOf(key);
  }

  stats() {
    return [...this.views.values()].map((v) => v.stats());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.views.values()].map((v) => v.close()));
    this.views.clear();
  }
}
