/**
 * The reload role of `fastdata dev`: a saved module replaces its running version
 * (reload/hot-reload.ts); a saved source file replaces its source (roles/sources.ts); a
 * saved schema regenerates the TypeScript types (reload/types-on-change.ts).
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorMessage } from '../../errors.js';
import { isStreamFileName } from '../../stream/module-loader.js';
import type { ProcessContext, Role } from '../process.js';
import { HotReloader } from '../reload/hot-reload.js';
import { type FolderWatcher, watchFolder } from '../reload/module-watcher.js';
import { regenerateTypesOnChange } from '../reload/types-on-change.js';
import { SOURCE_FILE } from '../../sources/declared/load-sources.js';
import type { SourcesRole } from './sources.js';
import type { StreamsRole } from './streams.js';

export class ReloadRole implements Role {
  readonly name = 'reload';
  private readonly context: ProcessContext;
  private reloader: HotReloader | undefined;
  private watchers: FolderWatcher[] = [];

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
      });
      this.reloader = reloader;
      this.watchers.push(
        watchFolder(dir, {
          accept: isStreamFileName,
          onChange: (file) => void reloader.reload(file),
          onError: (error) => context.warn(`hot reload stopped watching ${dir}: ${errorMessage(error)}`),
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
    const types = regenerateTypesOnChange(context.root, {
      onGenerated: (file, generated) => context.emit({ type: 'notice', message: `${relative(context.root, file)}: types regenerated (${generated.join(', ')})` }),
      onError: (error) => context.emit({ type: 'notice', message: `schemas: types not regenerated: ${errorMessage(error)}` }),
    });
    if (types) this.watchers.push(types);
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers) watcher.close();
    await this.reloader?.close();
  }
}
