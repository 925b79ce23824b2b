/**
 * The reload role of `fastdata dev`: a saved module replaces its running version once it
 * type-checks (reload/hot-reload.ts, reload/type-check.ts); a saved source file replaces its source (roles/sources.ts); a
 * saved schema regenerates the TypeScript types (reload/types-on-change.ts); a saved alert
 * rule file or receivers.yaml is loaded again by the alert service (roles/alerts.ts); a
 * saved dashboard is checked and reported (reload/dashboard-check.ts; the server reads
 * dashboards on every request). Each bad file is reported and what ran before keeps running.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorMessage } from '../../errors.js';
import { isStreamFileName } from '../../stream/module-loader.js';
import type { ProcessContext, Role } from '../process.js';
import { HotReloader } from '../reload/hot-reload.js';
import { watchModelFiles } from '../reload/model-watcher.js';
import { type FolderWatcher, watchFolder } from '../reload/module-watcher.js';
import { ModuleTypeChecker, describeTypeProblems } from '../reload/type-check.js';
import { regenerateTypesOnChange } from '../reload/types-on-change.js';
import { SOURCE_FILE } from '../../sources/declared/load-sources.js';
import { isRuleFileName } from '../../alerts/rules/load.js';
import { isDashboardFileName } from '../../serve/dashboards/load.js';
import { DashboardCheck } from '../reload/dashboard-check.js';
import type { AlertsRole } from './alerts.js';
import type { HttpRole } from './http.js';
import type { SourcesRole } from './sources.js';
import type { StreamsRole } from './streams.js';

export class ReloadRole implements Role {
  readonly name = 'reload';
  private readonly context: ProcessContext;
  private reloader: HotReloader | undefined;
  /** The type check of reloaded modules, made at the first reload. */
  private typeChecker: ModuleTypeChecker | undefined;
  private watchers: FolderWatcher[] = [];
  /** Reports dashboards as they are saved (tests wait for it). */
  dashboardCheck: DashboardCheck | undefined;

  constructor(context: ProcessContext) {
    this.context = context;
  }

  async start(): Promise<void> {
    const context = this.context;
    const streams = context.role<StreamsRole>('streams');
    if (streams) {
      const dir = join(context.root, context.config.streams);
      const reloader = new HotReloader({
        root: context.root,
        log: context.log,
        serde: context.serde,
        runnerOf: (file) => streams.runnerOf(file),
        fileOfModule: (name) => streams.fileOfModule(name),
        createRunner: (module) => streams.createRunner(module),
        setRunner: (file, next) => streams.setRunner(file, next),
        setLoadFailure: (file, error) => streams.setLoadFailure(file, error),
        emit: (event) => context.emit(event),
        // Made at the first reload (TypeScript loads then), kept warm for the next ones.
        checkTypes: (file) => (this.typeChecker ??= new ModuleTypeChecker(context.root, dir)).check(file),
        notice: (message) => context.emit({ type: 'notice', message }),
      });
      this.reloader = reloader;
      this.watchers.push(
        watchFolder(dir, {
          accept: isStreamFileName,
          onChange: (file) => void reloader.reload(file),
          onError: (error) => context.warn(`hot reload stopped watching ${dir}: ${errorMessage(error)}`),
        }),
        // A changed model file (.onnx) reloads the modules that loaded it, as their own edit would.
        watchModelFiles(context.root, {
          reload: (file) => void reloader.reload(file),
          onError: (folder, error) => context.warn(`hot reload stopped watching the model files of ${folder}: ${errorMessage(error)}`),
        }),
      );
    }
    const sources = context.role<SourcesRole>('sources');
    // A project with no sources/ folder has nothing to watch (a folder made later needs a restart).
    if (sources && existsSync(sources.dir)) {
      this.watchers.push(
        watchFolder(sources.dir, {
          accept: (name) => SOURCE_FILE.test(name),
          onChange: (file) => void sources.reload(file),
          onError: (error) => context.warn(`hot reload stopped watching ${sources.dir}: ${errorMessage(error)}`),
        }),
      );
    }
    const alerts = context.role<AlertsRole>('alerts');
    // Rule files and receivers.yaml; a project with no alerts/ folder has none to watch.
    if (alerts?.service && existsSync(alerts.dir)) {
      this.watchers.push(
        watchFolder(alerts.dir, {
          accept: (name) => isRuleFileName(name) || name === 'receivers.yaml',
          onChange: (file) => void alerts.reload(file),
          onError: (error) => context.warn(`hot reload stopped watching ${alerts.dir}: ${errorMessage(error)}`),
        }),
      );
    }
    const http = context.role<HttpRole>('http');
    const dashboards = join(context.root, 'dashboards');
    if (http && existsSync(dashboards)) {
      const check = new DashboardCheck(context.root, dashboards, http.access, (event) => context.emit(event));
      this.dashboardCheck = check;
      void check.checkAll().catch((error) => context.warn(`dashboards: not checked: ${errorMessage(error)}`));
      this.watchers.push(
        watchFolder(dashboards, {
          accept: isDashboardFileName,
          onChange: (file) => void check.check(file),
          onError: (error) => context.warn(`hot reload stopped watching ${dashboards}: ${errorMessage(error)}`),
        }),
      );
    }
    const types = regenerateTypesOnChange(context.root, {
      onGenerated: (file, generated) => {
        context.emit({ type: 'notice', message: `${relative(context.root, file)}: types regenerated (${generated.join(', ')})` });
        if (streams) this.checkAgainstNewTypes(streams, join(context.root, context.config.streams));
      },
      onError: (error) => context.emit({ type: 'notice', message: `schemas: types not regenerated: ${errorMessage(error)}` }),
    });
    if (types) this.watchers.push(types);
  }

  /**
   * After the types were regenerated from a changed schema: the running modules that no
   * longer type-check against them are named, with their errors. They keep running as
   * loaded (nothing is replaced); their next save is refused until they are fixed.
   */
  private checkAgainstNewTypes(streams: StreamsRole, dir: string): void {
    const context = this.context;
    const checker = (this.typeChecker ??= new ModuleTypeChecker(context.root, dir));
    for (const runner of [...streams.runners]) {
      const file = streams.fileOfModule(runner.module.name);
      if (file === undefined) continue;
      let outcome;
      try {
        outcome = checker.check(file);
      } catch (error) {
        context.warn(`types: modules not checked against the regenerated types: ${errorMessage(error)}`);
        return;
      }
      // Without TypeScript the reloads say so; nothing more to say here.
      if (!outcome.checked) return;
      if (outcome.problems.length === 0) continue;
      context.emit({
        type: 'notice',
        message: `${relative(context.root, file)}: ${runner.module.name} does not type-check against the regenerated types; it keeps running as loaded, fix it and save to reload:\n  ${describeTypeProblems(outcome.problems)}`,
      });
    }
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers) watcher.close();
    await this.reloader?.close();
  }
}
