/**
 * The log receiver: one JSON line per notification, to stdout or appended to a file. For
 * audit trails and for piping into tools that read JSON lines; also the simplest receiver
 * to try rules with.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { errorMessage } from '../../errors.js';
import type { LogReceiverConfig } from './config.js';
import { deliveryPayload, type Delivery } from './notification.js';
import type { AttemptResult, Receiver } from './receiver.js';
import { systemTimers, type Timers } from './timers.js';

export interface LogReceiverOptions {
  timers?: Timers;
  /** Where lines go when the config has no path; process.stdout otherwise. */
  stream?: Writable;
}

export class LogReceiver implements Receiver {
  readonly kind = 'log';
  readonly name: string;
  private readonly timers: Timers;
  private readonly stream: Writable;
  private dirMade = false;

  constructor(
    private readonly config: Pick<LogReceiverConfig, 'name' | 'path'>,
    options: LogReceiverOptions = {},
  ) {
    this.name = config.name;
    this.timers = options.timers ?? systemTimers;
    this.stream = options.stream ?? process.stdout;
  }

  async send(delivery: Delivery): Promise<AttemptResult> {
    const line = `${JSON.stringify(deliveryPayload(delivery, this.timers.now()))}\n`;
    try {
      if (this.config.path) {
        if (!this.dirMade) {
          await mkdir(dirname(this.config.path), { recursive: true });
          this.dirMade = true;
        }
        // One append per line: the queue sends one at a time, so lines never interleave.
        await appendFile(this.config.path, line, 'utf8');
      } else {
        await new Promise<void>((resolve, reject) => this.stream.write(line, (error) => (error ? reject(error) : resolve())));
      }
      return { outcome: 'delivered' };
    } catch (error) {
      // A full disk or a closed pipe may pass; the queue retries with backoff.
      return { outcome: 'retry', error: errorMessage(error) };
    }
  }
}
