/**
 * Watches a folder (not its subfolders) and reports each changed file once its writes have
 * settled: editors save in several steps (truncate, write, rename), so a file is reported
 * `debounceMs` after its last change. Watching a folder rather than its files also sees
 * files that are added, and files replaced by a rename (an editor's atomic save).
 */
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';

export interface FolderWatcher {
  close(): void;
}

export function watchFolder(dir: string, options: { accept: (name: string) => boolean; debounceMs?: number; onChange: (file: string) => void; onError: (error: unknown) => void }): FolderWatcher {
  const debounceMs = options.debounceMs ?? 100;
  const timers = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || !options.accept(name)) return;
      clearTimeout(timers.get(name));
      timers.set(
        name,
        setTimeout(() => {
          timers.delete(name);
          options.onChange(join(dir, name));
        }, debounceMs),
      );
    });
  } catch (error) {
    options.onError(error);
    return { close: () => undefined };
  }
  // A watcher error (the folder removed) is reported, never thrown: dev keeps running.
  watcher.on('error', options.onError);
  return {
    close() {
      watcher.close();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
