/**
 * Hot reload of stream modules in `fastdata dev`: a saved module file replaces its running
 * version without touching the server or the other modules.
 *
 *   1. The file and the project files it imports are type-checked (type-check.ts, when the
 *      project has TypeScript and a tsconfig.json); then the file is imported afresh and its
 *      pipeline subscribed once in a throwaway task (state-layout.ts). A file with a type
 *      error, that fails to compile, throws at load, is not a valid module or whose output
 *      schema the registry refuses leaves the old version running: the error goes to the
 *      terminal and to the status (`loadFailures`).
 *   2. The old runner stops, which checkpoints its state and commits its offsets.
 *   3. Same state layout: the new runner restores the old state from the changelog and
 *      resumes at the committed offsets, as after a restart. Changed layout: the state in
 *      the changelog is emptied first (stream/state-reset.ts), so the new runner resumes at the
 *      committed offsets with fresh state (windows open at the reload start empty, so
 *      the first windows it closes miss the records before the reload), and says why.
 *
 * Files the modules import (helpers, types) are not reloaded: ES modules cannot be
 * evicted from the cache, so such a change takes effect on the next start (and is said so).
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { Log } from '../../log/types.js';
import { readSchemaSource } from '../../schema/schema-file.js';
import type { AvroSerde } from '../../schema/serde.js';
import { valueSubject } from '../../schema/types.js';
import type { StreamModule } from '../../stream/define.js';
import { loadStreamFile } from '../../stream/module-loader.js';
import type { StreamRunner } from '../../stream/runner.js';
import { clearModuleState } from '../../stream/state-reset.js';
import { layoutChange, stateLayoutOf } from './state-layout.js';
import { type TypeCheckOutcome, describeTypeProblems } from './type-check.js';

export type ReloadEvent =
  | { type: 'module-reloaded'; module: string; file: string; stateKept: boolean; reason?: string; added: boolean }
  | { type: 'module-removed'; module: string; file: string }
  | { type: 'reload-failed'; file: string; error: unknown }
  | { type: 'reload-skipped'; file: string; reason: string }
  /** A file other than a module's was loaded again (alert rules, receivers, a dashboard): what changed, one line each. */
  | { type: 'file-reloaded'; file: string; what: 'alert rules' | 'alert receivers' | 'dashboard'; changes: string[] };

/** What the reloader needs of the app that runs the modules. */
export interface ReloadHost {
  readonly root: string;
  readonly log: Log;
  readonly serde: AvroSerde;
  /** The running module loaded from `file`, if any. */
  runnerOf(file: string): StreamRunner | undefined;
  /** The file of the running module named `name`, if any. */
  fileOfModule(name: string): string | undefined;
  /** A runner for `module`, not started. */
  createRunner(module: StreamModule): StreamRunner;
  /** Puts `next` where the runner of `file` was (or adds it; undefined removes it). */
  setRunner(file: string, next: StreamRunner | undefined): void;
  /** Records (or clears, with undefined) the load failure shown for `file`. */
  setLoadFailure(file: string, error: FastdataError | undefined): void;
  emit(event: ReloadEvent): void;
  /** The type errors of `file` and the project files it imports (type-check.ts); absent: reloads are not type-checked. */
  checkTypes?(file: string): TypeCheckOutcome;
  /** A line for the terminal that is no reload's outcome (reloads not type-checked, and why). */
  notice?(message: string): void;
}

export class HotReloader {
  private readonly host: ReloadHost;
  /** Reloads run one at a time, in the order the files changed. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Whether the terminal was told that reloads are not type-checked (it is told once). */
  private toldUnchecked = false;

  constructor(host: ReloadHost) {
    this.host = host;
  }

  /** Reloads the module in `file` (after the reloads queued before it); never rejects. */
  reload(file: string): Promise<void> {
    const run = this.queue.then(() => (this.closed ? undefined : this.reloadNow(file)));
    this.queue = run.catch((error) => this.host.emit({ type: 'reload-failed', file, error }));
    return this.queue;
  }

  /** Waits for the reload in progress; later ones are dropped (the app is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  private async reloadNow(file: string): Promise<void> {
    const host = this.host;
    const current = host.runnerOf(file);
    if (!existsSync(file)) {
      host.setLoadFailure(file, undefined);
      if (current) {
        await current.stop();
        host.setRunner(file, undefined);
        host.emit({ type: 'module-removed', module: current.module.name, file });
      }
      return;
    }

    const next = await this.loadChecked(file, current);
    if (!next) return;
    host.setLoadFailure(file, undefined);

    if (!current) {
      await this.startRunner(file, next);
      host.emit({ type: 'module-reloaded', module: next.name, file, stateKept: false, added: true });
      return;
    }
    // A renamed module is another consumer group with other state topics: its own state, if any.
    const reason =
      current.module.name === next.name ? layoutChange(stateLayoutOf(current.module), stateLayoutOf(next)) : `renamed from ${current.module.name}`;
    await current.stop();
    if (reason !== undefined && current.module.name === next.name) await clearModuleState(host.log, next, 'keep');
    try {
      await this.startRunner(file, next);
    } catch (error) {
      // The new version passed every check but still did not start: put the old one back.
      host.emit({ type: 'reload-failed', file, error });
      host.setLoadFailure(file, asLoadFailure(error));
      await this.startRunner(file, current.module);
      return;
    }
    host.emit({ type: 'module-reloaded', module: next.name, file, stateKept: reason === undefined, ...(reason ? { reason } : {}), added: false });
  }

  /**
   * The new version of `file`, or undefined (reported) when it cannot replace the running
   * one: it does not load, its pipeline throws, its name is another module's, or the
   * registry refuses its output schema. Nothing running is touched before this passes.
   */
  private async loadChecked(file: string, current: StreamRunner | undefined): Promise<StreamModule | undefined> {
    const host = this.host;
    const shown = relative(host.root, file) || file;
    try {
      // Before the import: a file with a type error is not run at all.
      this.checkTypes(file, shown);
      const next = await loadStreamFile(file, host.root, { fresh: true });
      if (!next) {
        if (current) throw new FastdataError('FD_STREAM_LOAD_FAILED', `${shown} no longer has a default export; export default defineStream({...}) again, or delete the file to stop ${current.module.name}`);
        host.emit({ type: 'reload-skipped', file, reason: 'not a module (no default export): modules that import it see the change after a restart of fastdata dev' });
        return undefined;
      }
      const owner = host.fileOfModule(next.name);
      if (owner !== undefined && owner !== file) {
        throw new FastdataError('FD_STREAM_LOAD_FAILED', `${shown}: the module name ${next.name} is taken by ${relative(host.root, owner)}; give this module another name`);
      }
      try {
        stateLayoutOf(next);
      } catch (error) {
        throw new FastdataError('FD_STREAM_LOAD_FAILED', `${shown}: ${errorMessage(error)}`, { cause: error });
      }
      // Registers the new output schema (as the runner's start would): refused when incompatible.
      const schema = await readSchemaSource(next.output.schema, host.root, { stream: next.name });
      await host.serde.encoderFor(valueSubject(next.output.topic), schema);
      return next;
    } catch (error) {
      host.setLoadFailure(file, asLoadFailure(error));
      host.emit({ type: 'reload-failed', file, error });
      return undefined;
    }
  }

  /** Throws FD_STREAM_LOAD_FAILED listing the type errors (file:line:col) of `file` and what it imports. */
  private checkTypes(file: string, shown: string): void {
    let outcome: TypeCheckOutcome | undefined;
    try {
      outcome = this.host.checkTypes?.(file);
    } catch (error) {
      // TypeScript itself failed (not the file): the reload goes on unchecked rather than never.
      outcome = { checked: false, reason: `TypeScript failed: ${errorMessage(error)}` };
      this.toldUnchecked = false;
    }
    if (!outcome) return;
    if (!outcome.checked) {
      if (!this.toldUnchecked) this.host.notice?.(`${shown}: reloads are not type-checked: ${outcome.reason}; a module with a type error (a misspelt field) loads and computes with undefined`);
      this.toldUnchecked = true;
      return;
    }
    const { problems } = outcome;
    if (problems.length === 0) return;
    const errors = problems.length === 1 ? '1 type error' : `${problems.length} type errors`;
    throw new FastdataError('FD_STREAM_LOAD_FAILED', `${shown} was not loaded, it has ${errors}:\n  ${describeTypeProblems(problems)}`, {
      context: { file: shown, typeErrors: problems },
    });
  }

  private async startRunner(file: string, module: StreamModule): Promise<void> {
    const runner = this.host.createRunner(module);
    this.host.setRunner(file, runner);
    const started = runner.start();
    // start() resolves once consuming; a module waiting for its input topic resolves much
    // later, so the reload ends after a while and a later failure is reported on its own.
    let waited = false;
    started.catch((error) => {
      if (waited) this.host.emit({ type: 'reload-failed', file, error });
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([started, new Promise<void>((resolve) => (timer = setTimeout(resolve, START_WAIT_MS)))]);
      waited = true;
    } catch (error) {
      this.host.setRunner(file, undefined);
      await runner.stop().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** How long a reload waits for the new runner to be consuming before it reports. */
const START_WAIT_MS = 5_000;

function asLoadFailure(error: unknown): FastdataError {
  if (isFastdataError(error)) return error;
  return new FastdataError('FD_STREAM_LOAD_FAILED', errorMessage(error), { cause: error });
}
