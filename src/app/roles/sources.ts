/**
 * The sources role: producers of input data inside the process.
 *
 * - The project's declared sources, one per `sources/*.yaml` (files, MQTT, HTTP, Kafka):
 *   each loaded and started on its own, so one bad file or one source that cannot start is
 *   reported and the others go on. `reload(file)` (the reload role calls it when a source
 *   file is saved or deleted) replaces that one source: the old one stops after the batch
 *   in flight, saving its position, and the new one goes on from there.
 * - In `fastdata dev` on the demo project, the sensor fleet (`generator` in the config).
 *
 * Counts carry over a source's reloads: /metrics and the status page count since the
 * process started.
 */
import { join, relative } from 'node:path';
import { formatProblem, type Problem } from '../../config/validated-file.js';
import { FastdataError, isFastdataError } from '../../errors.js';
import type { SourceStatusSource } from '../../metrics/sources.js';
import { type SourceDeclaration, loadSourceFile, loadSources } from '../../sources/declared/load-sources.js';
import { createDeclaredSource } from '../../sources/run/create-source.js';
import type { DeclaredSource, DeclaredSourceStats } from '../../sources/run/declared-source.js';
import type { SourceEnvironment } from '../../sources/run/source-topic.js';
import { type SensorFleetOptions, createSensorFleet } from '../../sources/sensor-fleet.js';
import type { Source } from '../../sources/source.js';
import type { ProcessContext, Role } from '../process.js';

export interface SourcesRoleOptions {
  /** Run the demo generator when the config enables it (`fastdata dev`). Default false. */
  generator?: boolean;
}

interface Carried {
  written: number;
  deadLettersByReason: Record<string, number>;
}

export class SourcesRole implements Role {
  readonly name = 'sources';
  private readonly context: ProcessContext;
  private readonly options: SourcesRoleOptions;
  private readonly builtIn: Source[] = [];
  /** Declared sources by their file (relative to the root). */
  private readonly declared = new Map<string, DeclaredSource>();
  /** Files that do not load, with their first problem. */
  private readonly invalid = new Map<string, Problem>();
  /** Counts of sources stopped by a reload, by source name. */
  private readonly carried = new Map<string, Carried>();
  /** Reloads run one at a time, in the order files were saved. */
  private reloads: Promise<void> = Promise.resolve();

  constructor(context: ProcessContext, options: SourcesRoleOptions = {}) {
    this.context = context;
    this.options = options;
  }

  /** The folder of source files. */
  get dir(): string {
    return join(this.context.root, this.context.config.sources);
  }

  async start(): Promise<void> {
    if (this.options.generator) await this.startBuiltIn();
    const { sources, problems } = await loadSources(this.context.root, this.dir);
    for (const problem of problems) this.reportInvalid(problem);
    for (const declaration of sources) await this.startDeclared(declaration);
  }

  /** A source file was saved, added or deleted: its source is replaced, started or stopped. */
  reload(path: string): Promise<void> {
    this.reloads = this.reloads.then(() => this.reloadNow(path));
    return this.reloads;
  }

  /** The declared sources running now (for the catalog). */
  declarations(): SourceDeclaration[] {
    return [...this.declared.values()].map((s) => s.declaration);
  }

  status() {
    const builtIn = this.builtIn.map((s) => ({ name: s.name, kind: 'generator', topic: s.topic, state: 'running', ...s.stats() }));
    const declared = [...this.declared.values()].map((s) => {
      const stats = this.withCarried(s.name, s.stats());
      return { name: s.name, file: s.declaration.definedIn, topic: s.topic, ...stats, details: stats.details };
    });
    const invalid = [...this.invalid.entries()].map(([file, problem]) => ({ name: file, file, kind: 'invalid', topic: '', state: 'invalid', produced: 0, details: formatProblem(problem) }));
    return { sources: [...builtIn, ...declared, ...invalid] };
  }

  /** For /metrics: every declared source's counts since the process started. */
  metrics(): SourceStatusSource[] {
    return [...this.declared.values()].map((s) => {
      const stats = this.withCarried(s.name, s.stats());
      return { source: s.name, kind: stats.kind, topic: s.topic, state: stats.state, written: stats.written, deadLettersByReason: stats.deadLettersByReason };
    });
  }

  async stop(): Promise<void> {
    await this.reloads;
    for (const source of [...this.declared.values()].reverse()) await source.stop().catch(() => undefined);
    this.declared.clear();
    for (const source of [...this.builtIn].reverse()) await source.stop().catch(() => undefined);
  }

  private environment(): SourceEnvironment {
    const { log, registry, serde, root, dataDir, config } = this.context;
    return { log, registry, serde, root, dataDir, partitions: config.log.partitions, notice: (message) => this.context.emit({ type: 'notice', message }) };
  }

  private async startDeclared(declaration: SourceDeclaration): Promise<void> {
    const source = createDeclaredSource(declaration, this.environment(), this.context.ingest);
    this.declared.set(declaration.definedIn, source);
    try {
      await source.start();
      this.context.emit({ type: 'source-started', source: source.name, topic: source.topic, details: source.stats().details });
    } catch (error) {
      // Kept in the list, failed, so the status page says why.
      this.context.emit({ type: 'source-failed', source: source.name, error });
    }
  }

  private async reloadNow(path: string): Promise<void> {
    const file = relative(this.context.root, path);
    const running = this.declared.get(file);
    if (running) {
      await running.stop().catch(() => undefined);
      this.carry(running);
      this.declared.delete(file);
      this.context.emit({ type: 'notice', message: `source ${running.name}: stopped (${file} changed)` });
    }
    this.invalid.delete(file);
    const loaded = await loadSourceFile(this.context.root, path);
    if (loaded.problems.length === 0 && loaded.source) {
      await this.startDeclared(loaded.source);
      return;
    }
    const deleted = loaded.problems.some((p) => p.field === '(file)' && /ENOENT/.test(p.message));
    if (!deleted) for (const problem of loaded.problems) this.reportInvalid(problem);
  }

  private reportInvalid(problem: Problem): void {
    if (!this.invalid.has(problem.file)) this.invalid.set(problem.file, problem);
    this.context.emit({ type: 'source-failed', source: problem.file, error: new FastdataError('FD_CONFIG_INVALID', formatProblem(problem), { context: { file: problem.file, field: problem.field } }) });
  }

  private carry(source: DeclaredSource): void {
    const stats = this.withCarried(source.name, source.stats());
    this.carried.set(source.name, { written: stats.written, deadLettersByReason: { ...stats.deadLettersByReason } as Record<string, number> });
  }

  private withCarried(name: string, stats: DeclaredSourceStats): DeclaredSourceStats {
    const carried = this.carried.get(name);
    if (!carried) return stats;
    const byReason: Record<string, number> = { ...carried.deadLettersByReason };
    for (const [reason, n] of Object.entries(stats.deadLettersByReason)) byReason[reason] = (byReason[reason] ?? 0) + (n ?? 0);
    const written = stats.written + carried.written;
    const deadLetters = Object.values(byReason).reduce((a, b) => a + b, 0);
    return { ...stats, written, produced: written, deadLetters, deadLettersByReason: byReason };
  }

  /** The sensor fleet, configured by `generator.options`; the log, serde and clock are the process's, which the config cannot replace. */
  private async startBuiltIn(): Promise<void> {
    const { config, log, serde, clock } = this.context;
    if (!config.generator.enabled) return;
    const options = { partitions: config.log.partitions, ...config.generator.options, log, serde, clock } as SensorFleetOptions;
    let fleet: Source;
    try {
      fleet = createSensorFleet(options);
    } catch (error) {
      if (isFastdataError(error, 'FD_CONFIG_INVALID')) {
        throw new FastdataError('FD_CONFIG_INVALID', `generator.options in the project configuration: ${error.message}`, { context: { field: 'generator.options' }, cause: error });
      }
      throw error;
    }
    try {
      await fleet.start();
      this.builtIn.push(fleet);
      this.context.emit({ type: 'source-started', source: fleet.name, topic: fleet.topic, details: fleet.stats().details });
    } catch (error) {
      this.context.emit({ type: 'source-failed', source: fleet.name, error });
    }
  }
}
