/**
 * The streams role: the project's stream modules, each in its runner. A production worker
 * starts them all before it reports itself up (an incompatible output schema stops the
 * start); `dev` lets each start in the background, so a module waiting for its input topic
 * does not hold the others up. Hot reload (reload.ts) replaces runners here.
 *
 * With `untilEnd`, each module stops once it has processed its inputs up to the end offsets
 * they had when it started (backfills, benchmarks, CI), and `finished` resolves when every
 * module has.
 */
import { FastdataError, errorMessage } from '../../errors.js';
import type { StreamModule } from '../../stream/define.js';
import type { LoadFailure } from '../../stream/module-loader.js';
import { StreamRunner } from '../../stream/runner.js';
import type { ProcessContext, Role } from '../process.js';
import { configured } from '../project.js';

export interface StreamsRoleOptions {
  /** Only these modules (by name); default: every module of the project. */
  modules?: readonly string[];
  /** Wait for every module to be consuming before the process is up (workers). Default false. */
  awaitStart?: boolean;
  untilEnd?: boolean;
}

export class StreamsRole implements Role {
  readonly name = 'streams';
  readonly runners: StreamRunner[] = [];
  readonly loadFailures: LoadFailure[];
  /** The file each running module was loaded from (hot reload replaces a runner by file). */
  private readonly fileOf = new Map<StreamRunner, string>();
  private readonly context: ProcessContext;
  private readonly options: StreamsRoleOptions;
  private finish!: () => void;
  /** With `untilEnd`: resolves once every module has processed its inputs to their end at start. */
  readonly finished = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(context: ProcessContext, options: StreamsRoleOptions = {}) {
    this.context = context;
    this.options = options;
    this.loadFailures = [...context.project.failures];
  }

  async start(): Promise<void> {
    const { project } = this.context;
    const known = project.streams.map((s) => s.module.name);
    const unknown = (this.options.modules ?? []).filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new FastdataError('FD_ARGUMENT_INVALID', `--module ${unknown.join(', ')}: no such module in ${this.context.config.streams}/; the modules are ${known.join(', ') || '(none)'}`, {
        context: { field: 'module' },
      });
    }
    const selected = project.streams.filter((s) => !this.options.modules || this.options.modules.includes(s.module.name));
    for (const { module, file } of selected) this.setRunner(file, this.createRunner(module));
    if (this.options.untilEnd) void this.whenAllFinished();
    if (this.options.awaitStart) {
      // Every module checks its output schema (compatibility) before any of them consumes.
      await Promise.all(this.runners.map((runner) => runner.start()));
      return;
    }
    for (const runner of this.runners) runner.start().catch((error) => this.context.emit({ type: 'failed', module: runner.module.name, error }));
  }

  private async whenAllFinished(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.finished));
    this.finish();
  }

  /** A runner for `module` (as the operator configured it), not started. */
  createRunner(module: StreamModule): StreamRunner {
    const { config, root, log, serde, clock, metrics } = this.context;
    return new StreamRunner(configured(config, module), {
      log,
      serde,
      root,
      defaultPartitions: config.log.partitions,
      guarantee: config.processing.guarantee,
      untilEnd: this.options.untilEnd ?? false,
      ...(clock ? { clock } : {}),
      onEvent: (event) => this.context.emit(event),
      onTiming: metrics.observeTiming,
    });
  }

  runnerOf(file: string): StreamRunner | undefined {
    return [...this.fileOf].find(([, f]) => f === file)?.[0];
  }

  fileOfModule(name: string): string | undefined {
    return [...this.fileOf].find(([r]) => r.module.name === name)?.[1];
  }

  /** Replaces (or adds, or with undefined removes) the runner of a module file, keeping the others' order. */
  setRunner(file: string, next: StreamRunner | undefined): void {
    const previous = this.runnerOf(file);
    if (previous) this.fileOf.delete(previous);
    // What it counted stays in the module's totals (status page, /metrics): the next runner counts from zero.
    if (previous && previous !== next) this.context.metrics.retireRunner(previous);
    const i = previous ? this.runners.indexOf(previous) : -1;
    if (next) {
      this.fileOf.set(next, file);
      if (i >= 0) this.runners[i] = next;
      else this.runners.push(next);
    } else if (i >= 0) {
      this.runners.splice(i, 1);
    }
  }

  /** Records (or clears, with undefined) the load failure shown for `file`. */
  setLoadFailure(file: string, error: LoadFailure['error'] | undefined): void {
    const i = this.loadFailures.findIndex((f) => f.file === file);
    if (i >= 0) this.loadFailures.splice(i, 1);
    if (error) this.loadFailures.push({ file, error });
  }

  status() {
    return {
      modules: this.runners.map((r) => ({ ...r.status(), inputs: r.module.inputs.map((i) => i.topic), output: r.module.output.topic })),
      loadFailures: this.loadFailures.map((f) => ({ file: f.file, error: errorMessage(f.error) })),
    };
  }

  /** Modules checkpoint and leave their groups, the last-started first. */
  async stop(): Promise<void> {
    for (const runner of [...this.runners].reverse()) await runner.stop().catch(() => undefined);
  }
}
