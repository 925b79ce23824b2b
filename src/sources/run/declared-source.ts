/**
 * What every declared source (`sources/*.yaml`) shares, whatever it reads: it opens its
 * topic (schema settled, topics created: source-topic.ts) in `start`, then reads in a loop
 * of its own (`run`, one per kind) until `stop` aborts it, writing through its
 * SourceWriter. Its state and counters are what the status page, /metrics and the catalog
 * show. A failure of the loop is reported and ends the source; it never reaches the
 * process (the other sources, the modules, the server go on).
 */
import { errorMessage } from '../../errors.js';
import type { SourceDeclaration } from '../declared/load-sources.js';
import type { Source } from '../source.js';
import type { SourceWriter, SourceWriterStats } from '../source-writer.js';
import { type SourceEnvironment, openSourceTopic } from './source-topic.js';

export type SourceState = 'idle' | 'starting' | 'running' | 'waiting' | 'done' | 'failed' | 'stopped';

export interface DeclaredSourceStats extends SourceWriterStats {
  kind: SourceDeclaration['kind'];
  state: SourceState;
  /** What it is waiting for, or why it failed. */
  lastError: string | undefined;
  /** Records written, for the status page's `produced` column. */
  produced: number;
  details: string;
  deadLetterTopic: string | undefined;
}

export abstract class DeclaredSource implements Source {
  readonly name: string;
  readonly topic: string;
  readonly declaration: SourceDeclaration;
  protected readonly env: SourceEnvironment;
  protected writer: SourceWriter | undefined;
  protected state: SourceState = 'idle';
  protected lastError: string | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(declaration: SourceDeclaration, env: SourceEnvironment) {
    this.declaration = declaration;
    this.name = declaration.name;
    this.topic = declaration.topic;
    this.env = env;
  }

  /** Opens the topic and starts reading; rejects when the source cannot start (its schema, its topic). */
  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    try {
      this.writer = await this.open(this.abort.signal);
    } catch (error) {
      this.state = 'failed';
      this.lastError = errorMessage(error);
      throw error;
    }
    if (this.abort.signal.aborted) return;
    this.state = 'running';
    this.loop = this.run(this.writer, this.abort.signal).then(
      () => {
        if (this.state === 'running') this.state = 'done';
      },
      (error: unknown) => {
        if (this.abort.signal.aborted) return;
        this.state = 'failed';
        this.lastError = errorMessage(error);
        this.env.notice(`source ${this.name}: FAILED, it reads nothing more until its file is saved again or the process restarts: ${this.lastError}`);
      },
    );
  }

  /** Stops reading after the batch in flight, which is written whole; idempotent. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.state !== 'failed') this.state = 'stopped';
  }

  stats(): DeclaredSourceStats {
    const written = this.writer?.stats() ?? { written: 0, deadLetters: 0, deadLettersByReason: {}, lastProblem: undefined, lastEventTime: undefined };
    return {
      ...written,
      kind: this.declaration.kind,
      state: this.state,
      lastError: this.lastError,
      produced: written.written,
      details: this.details(written),
      deadLetterTopic: this.writer?.deadLetterTopic,
    };
  }

  /**
   * The writer of the source: its schema and topics settled. A kind that infers its schema
   * overrides it, and may return undefined to settle it from the first records in `run`.
   */
  protected open(_signal: AbortSignal): Promise<SourceWriter | undefined> {
    return openSourceTopic(this.declaration, this.env);
  }

  /** Reads and writes until the input ends or `signal` aborts. */
  protected abstract run(writer: SourceWriter | undefined, signal: AbortSignal): Promise<void>;

  /** One line for the status page. */
  protected details(stats: SourceWriterStats): string {
    const parts = [`${this.declaration.kind} source`, this.state];
    if (stats.deadLetters > 0) parts.push(`${stats.deadLetters} dead letters`);
    if (this.lastError) parts.push(this.lastError);
    return parts.join(', ');
  }
}
