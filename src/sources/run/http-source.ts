/**
 * An `http` source: records POSTed to `/api/ingest/<topic>` (serve/ingest/). The source
 * settles the topic's schema and creates the topic at start, as every source does, and
 * gives ingest its key and time fields, so a client posts plain records without
 * `?key=&time=`. Bad records are answered 400 to the client that sent them, which still
 * holds them: nothing to dead-letter here.
 */
import type { RecordIngest } from '../record-ingest.js';
import type { SourceWriter, SourceWriterStats } from '../source-writer.js';
import { DeclaredSource, type DeclaredSourceStats } from './declared-source.js';
import type { SourceEnvironment } from './source-topic.js';
import type { SourceDeclaration } from '../declared/load-sources.js';

export class HttpSource extends DeclaredSource {
  private readonly ingest: RecordIngest;
  /** What ingest had written into the topic when this source started: its count starts there. */
  private base = 0;

  constructor(declaration: SourceDeclaration, env: SourceEnvironment, ingest: RecordIngest) {
    super(declaration, env);
    this.ingest = ingest;
  }

  protected async run(_writer: SourceWriter, signal: AbortSignal): Promise<void> {
    this.base = this.ingest.acceptedInto(this.topic);
    const undeclare = this.ingest.declare(this.topic, { key: this.declaration.key, time: this.declaration.time });
    try {
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      undeclare();
    }
  }

  override stats(): DeclaredSourceStats {
    const stats = super.stats();
    const accepted = this.ingest.acceptedInto(this.topic) - this.base;
    return { ...stats, written: accepted, produced: accepted, deadLetterTopic: undefined };
  }

  protected override details(_stats: SourceWriterStats): string {
    return `http source, ${this.state}: POST /api/ingest/${this.topic}`;
  }
}
