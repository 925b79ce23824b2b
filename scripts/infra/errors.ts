/**
 * The one error type of scripts/infra: its message says what went wrong and what to do,
 * and, when a server failed to start, ends with the tail of that server's log.
 */
export class InfraError extends Error {
  override readonly name = 'InfraError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The message of any thrown value, for the command line. */
export function describeError(error: unknown): string {
  if (error instanceof InfraError) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
