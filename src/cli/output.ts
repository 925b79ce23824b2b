/**
 * Writing to the terminal: results to stdout (so they pipe), everything else to stderr.
 * A closed stdout (`fastdata tail ... | head`) ends the process quietly.
 */
import { errorMessage, isFastdataError } from '../errors.js';

let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    stdoutClosed = true;
    process.exit(0);
  }
  throw error;
});

/** Writes a line to stdout; resolves when the stream can take more (backpressure). */
export function writeLine(line: string): Promise<void> | void {
  if (stdoutClosed) return;
  if (!process.stdout.write(`${line}\n`)) return new Promise((resolve) => process.stdout.once('drain', resolve));
}

export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The message a user sees for an error, with its code when it is one of ours. */
export function describeError(error: unknown): string {
  if (isFastdataError(error)) return `${error.message} [${error.code}]`;
  return errorMessage(error);
}

export function clock(): string {
  return new Date().toISOString().slice(11, 19);
}
