/**
 * The embedded registry's append-only journal: JSON lines, one write and one fsync per
 * event, replayed on open.
 *
 * A process killed mid-write leaves a torn last line (no newline, or bytes that are not
 * an event). The writer drops it when it opens the journal: the change it held was never
 * acknowledged. A bad line followed by good ones is corruption, never silently skipped.
 *
 * A read-only instance (another process) reads only complete lines and remembers where it
 * stopped, so a line the writer is still writing is read on a later call, and a file the
 * writer shortened or replaced is read again from the start.
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FastdataError, errorMessage } from '../errors.js';
import { eventLine, parseEventLine, type RegistryEvent } from './registry-events.js';

export const JOURNAL_FILE = 'registry.jsonl';

export interface JournalEntry {
  event: RegistryEvent;
  /** 1-based line number, for messages. */
  line: number;
}

/** What the writer dropped from the end of the journal when it opened it. */
export interface TornTail {
  bytes: number;
  reason: string;
}

interface Scan {
  entries: JournalEntry[];
  /** Bytes of `chunk` made of good, complete lines. */
  consumed: number;
  /** Why the bytes after `consumed` are not read, when there are any. */
  stopReason?: string;
}

const NEWLINE = 0x0a;

function isEventLine(chunk: Buffer, start: number, end: number): boolean {
  return 'event' in parseEventLine(chunk.toString('utf8', start, end));
}

/**
 * The complete, good lines at the start of `chunk`. A bad complete line with a good
 * line after it is corruption (FD_REGISTRY_CORRUPT); a bad or incomplete tail stops the scan.
 */
function scan(chunk: Buffer, firstLine: number, file: string): Scan {
  const entries: JournalEntry[] = [];
  let pos = 0;
  let line = firstLine;
  while (pos < chunk.length) {
    const end = chunk.indexOf(NEWLINE, pos);
    if (end === -1) return { entries, consumed: pos, stopReason: `line ${line} is incomplete (no newline)` };
    const parsed = parseEventLine(chunk.toString('utf8', pos, end));
    if ('error' in parsed) {
      for (let next = end + 1; next < chunk.length; ) {
        const nextEnd = chunk.indexOf(NEWLINE, next);
        if (nextEnd === -1) break;
        if (isEventLine(chunk, next, nextEnd)) {
          throw new FastdataError(
            'FD_REGISTRY_CORRUPT',
            `the schema registry journal ${file} is corrupt: line ${line} is ${parsed.error}, and good lines follow it; ` +
              'restore the file from a backup (a torn write only ever damages the last line)',
            { context: { file, line } },
          );
        }
        next = nextEnd + 1;
      }
      return { entries, consumed: pos, stopReason: `line ${line} is ${parsed.error}` };
    }
    entries.push({ event: parsed.event, line });
    line++;
    pos = end + 1;
  }
  return { entries, consumed: pos };
}

function ioError(file: string, action: string, error: unknown): FastdataError {
  return new FastdataError('FD_REGISTRY_UNAVAILABLE', `could not ${action} the schema registry journal ${file}: ${errorMessage(error)}`, {
    context: { file },
    cause: error,
  });
}

async function openOrCreate(path: string, dir: string): Promise<FileHandle> {
  for (;;) {
    try {
      return await open(path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      const handle = await open(path, 'wx+');
      // The new file's directory entry must survive a crash too.
      const directory = await open(dir, 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
      return handle;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export class RegistryJournal {
  readonly path: string;
  readonly readOnly: boolean;
  /** Bytes of good, complete lines read or written so far: where the next event goes. */
  private offset = 0;
  private nextLine = 1;
  private inode: number | undefined;
  private handle: FileHandle | undefined;
  /** Set when a failed write could not be undone: no more writes until reopened. */
  private broken: FastdataError | undefined;

  private constructor(path: string, readOnly: boolean, handle?: FileHandle) {
    this.path = path;
    this.readOnly = readOnly;
    this.handle = handle;
  }

  /** Opens the journal for writing (the caller holds the lock): its events, and the torn tail it dropped. */
  static async openWriter(dir: string): Promise<{ journal: RegistryJournal; entries: JournalEntry[]; tornTail?: TornTail }> {
    const path = join(dir, JOURNAL_FILE);
    let handle: FileHandle;
    let content: Buffer;
    try {
      await mkdir(dir, { recursive: true });
      handle = await openOrCreate(path, dir);
      content = await handle.readFile();
    } catch (error) {
      throw ioError(path, 'open', error);
    }
    const journal = new RegistryJournal(path, false, handle);
    try {
      const { entries, consumed, stopReason } = scan(content, 1, path);
      let tornTail: TornTail | undefined;
      if (consumed < content.length) {
        tornTail = { bytes: content.length - consumed, reason: stopReason ?? 'unreadable' };
        try {
          await handle.truncate(consumed);
          await handle.sync();
        } catch (error) {
          throw ioError(path, 'repair the torn last line of', error);
        }
      }
      journal.offset = consumed;
      journal.nextLine = entries.length + 1;
      return tornTail === undefined ? { journal, entries } : { journal, entries, tornTail };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** A read-only journal: nothing is read until `readNew`. */
  static reader(dir: string): RegistryJournal {
    return new RegistryJournal(join(dir, JOURNAL_FILE), true);
  }

  /**
   * Read-only: the events appended since the last call. `reset` is true when the file was
   * shortened or replaced: the events are then all of them, and the caller starts over.
   */
  async readNew(): Promise<{ entries: JournalEntry[]; reset: boolean }> {
    let size: number;
    let inode: number;
    try {
      ({ size, ino: inode } = await stat(this.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(this.path, 'read', error);
      const reset = this.offset > 0;
      this.offset = 0;
      this.nextLine = 1;
      this.inode = undefined;
      return { entries: [], reset };
    }
    const reset = (this.inode !== undefined && inode !== this.inode) || size < this.offset;
    if (reset) {
      this.offset = 0;
      this.nextLine = 1;
    }
    this.inode = inode;
    if (size === this.offset) return { entries: [], reset };

    let chunk: Buffer;
    try {
      const handle = await open(this.path, 'r');
      try {
        chunk = Buffer.alloc(size - this.offset);
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
        chunk = chunk.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw ioError(this.path, 'read', error);
    }
    // An incomplete or bad tail is the writer's line in progress: read again next time.
    const { entries, consumed } = scan(chunk, this.nextLine, this.path);
    this.offset += consumed;
    this.nextLine += entries.length;
    return { entries, reset };
  }

  /** Appends one event, durably (one write, then fsync); on failure the file is as it was. */
  async append(event: RegistryEvent): Promise<void> {
    const handle = this.handle;
    if (handle === undefined || this.readOnly) {
      throw new FastdataError('FD_REGISTRY_READ_ONLY', `the schema registry journal ${this.path} is open read-only`, { context: { file: this.path } });
    }
    if (this.broken !== undefined) throw this.broken;
    const data = Buffer.from(eventLine(event), 'utf8');
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written, this.offset + written);
        written += bytesWritten;
      }
      await handle.sync();
    } catch (error) {
      try {
        await handle.truncate(this.offset);
      } catch (undoError) {
        this.broken = new FastdataError(
          'FD_REGISTRY_UNAVAILABLE',
          `a failed write to the schema registry journal ${this.path} could not be undone (${errorMessage(undoError)}); close and reopen the registry`,
          { context: { file: this.path }, cause: undoError },
        );
      }
      throw ioError(this.path, 'write', error);
    }
    this.offset += data.length;
    this.nextLine++;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
