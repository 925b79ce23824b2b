/**
 * Where a file source has read to, kept in `<dataDir>/sources/<name>.json` so that a
 * restarted `dev` goes on where it stopped instead of reading the file again. Saved only
 * after the records before it are durable in the log (at-least-once: a crash in between
 * writes the last batch again), atomically (a temporary file renamed over the old one), so
 * a crash mid-save leaves the previous position, never a torn one.
 *
 * A position belongs to one input: the source's file path and format are stored with it,
 * and a position saved for another input (the source now reads another file) is ignored.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredPosition<P> {
  /** What the position is of (the file's path and format): a position of another input is not used. */
  input: string;
  position: P;
  savedAt: number;
}

export class PositionStore<P> {
  private readonly path: string;
  private readonly input: string;
  private folderMade = false;

  constructor(dataDir: string, name: string, input: string) {
    this.path = join(dataDir, 'sources', `${name}.json`);
    this.input = input;
  }

  /** The position saved for this input, or undefined (none, another input's, or unreadable). */
  async load(): Promise<P | undefined> {
    try {
      const stored = JSON.parse(await readFile(this.path, 'utf8')) as StoredPosition<P>;
      return stored.input === this.input ? stored.position : undefined;
    } catch {
      return undefined;
    }
  }

  async save(position: P): Promise<void> {
    const stored: StoredPosition<P> = { input: this.input, position, savedAt: Date.now() };
    if (!this.folderMade) {
      await mkdir(join(this.path, '..'), { recursive: true });
      this.folderMade = true;
    }
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(stored));
    await rename(temporary, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
