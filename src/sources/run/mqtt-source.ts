/**
 * An `mqtt` source: messages of the broker's topic filters, one JSON object each, into a
 * topic (sources/mqtt/ holds the transport). QoS 1 on a persistent session: a message is
 * acknowledged to the broker only once its record (or its dead letter) is durable in the
 * log, so a crash or a broker restart loses nothing acknowledged; the broker redelivers
 * what was not, which may write a record twice (at-least-once: key records by an id the
 * device sets, and downstream state keyed by it sees each once).
 *
 * A broker that is down does not stop the source: it reconnects with backoff and says so
 * (the status page shows `waiting` and why).
 */
import { errorMessage } from '../../errors.js';
import { MqttReader } from '../mqtt/mqtt-reader.js';
import type { SourceRecord } from '../source-record.js';
import type { SourceWriter, SourceWriterStats } from '../source-writer.js';
import { DeclaredSource } from './declared-source.js';
import { inferAvroSchema } from './infer-schema.js';
import { openSourceTopic } from './source-topic.js';

export class MqttSource extends DeclaredSource {
  private reader: MqttReader | undefined;
  /** With `schema: infer`: resolves the writer once the first messages have come, to infer from. */
  private pendingWriter: Promise<SourceWriter> | undefined;

  private get options() {
    return this.declaration.mqtt!;
  }

  /** With `schema: infer`, nothing yet: the first batch of messages settles the schema (inferFrom). */
  protected override async open(): Promise<SourceWriter | undefined> {
    return this.declaration.schema.from === 'infer' ? undefined : openSourceTopic(this.declaration, this.env);
  }

  protected async run(opened: SourceWriter | undefined, signal: AbortSignal): Promise<void> {
    let writer = opened;
    const password = this.options.passwordEnv ? process.env[this.options.passwordEnv] : undefined;
    if (this.options.passwordEnv && password === undefined) throw new Error(`mqtt.passwordEnv: the environment variable ${this.options.passwordEnv} is not set`);
    const reader = new MqttReader({
      url: this.options.url,
      topics: this.options.topics,
      clientId: this.options.clientId ?? `fastdata-${this.name}`,
      ...(this.options.username ? { username: this.options.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(this.options.keyLevel !== undefined ? { keyLevel: this.options.keyLevel } : {}),
      format: 'json',
      onBatch: async (records: SourceRecord[]) => {
        writer ??= await this.inferFrom(records);
        await writer.write(records);
      },
      onEvent: (event) => {
        if (event.type === 'connected') {
          if (this.state === 'waiting') this.state = 'running';
          this.lastError = undefined;
        } else if (event.type === 'reconnecting' || event.type === 'disconnected') {
          if (this.state === 'running') this.state = 'waiting';
          this.lastError = event.message;
        }
        if (event.type !== 'connected' || this.reader?.stats().reconnects) this.env.notice(`source ${this.name}: ${event.message}`);
      },
    });
    this.reader = reader;
    await reader.start();
    try {
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      await reader.stop();
    }
  }

  override stats() {
    const stats = super.stats();
    return { ...stats, details: this.details(stats) };
  }

  protected override details(stats: SourceWriterStats): string {
    const reader = this.reader?.stats();
    const dead = stats.deadLetters > 0 ? `, ${stats.deadLetters} dead letters` : '';
    const link = reader ? (reader.connected ? 'connected' : 'not connected') : 'not started';
    return `mqtt ${this.options.url} ${this.options.topics.join(' ')} (${link}${reader?.reconnects ? `, ${reader.reconnects} reconnects` : ''}), ${this.state}${dead}${this.lastError ? `: ${this.lastError}` : ''}`;
  }

  private async inferFrom(records: SourceRecord[]): Promise<SourceWriter> {
    this.pendingWriter ??= (async () => {
      const samples = records.filter((r) => r.value !== undefined).map((r) => r.value as Record<string, unknown>);
      const inferred = inferAvroSchema(this.topic, samples);
      this.env.notice(
        `source ${this.name}: schema inferred from the first ${samples.length} messages and registered for ${this.topic}; ` +
          `save it as schemas/${this.topic}.avsc and set \`schema: schemas/${this.topic}.avsc\` in ${this.declaration.definedIn}:\n${JSON.stringify(inferred, null, 2)}`,
      );
      const writer = await openSourceTopic(this.declaration, this.env, inferred);
      this.writer = writer;
      return writer;
    })().catch((error: unknown) => {
      this.pendingWriter = undefined;
      throw new Error(`cannot infer a schema from the first messages: ${errorMessage(error)}`);
    });
    return this.pendingWriter;
  }
}
