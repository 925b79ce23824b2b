/**
 * From loaded configs to running queues. webhook and log are built in; websocket and kafka
 * are declared in the file format already, and their factories are passed in by the parts
 * that own them (the WebSocket server, the log), which this folder does not depend on.
 */
import type { Writable } from 'node:stream';
import { FastdataError } from '../../errors.js';
import type { KafkaReceiverConfig, ReceiverConfig, WebsocketReceiverConfig } from './config.js';
import { LogReceiver } from './log-receiver.js';
import { ReceiverQueue, type ReceiverQueueOptions } from './queue.js';
import type { Receiver } from './receiver.js';
import type { Timers } from './timers.js';
import { WebhookReceiver } from './webhook.js';

export interface ReceiverFactories {
  websocket?: (config: WebsocketReceiverConfig) => Receiver;
  kafka?: (config: KafkaReceiverConfig) => Receiver;
}

export interface CreateReceiverOptions {
  factories?: ReceiverFactories;
  timers?: Timers;
  fetch?: typeof fetch;
  /** Where a log receiver without a path writes; stdout by default. */
  logStream?: Writable;
}

export function createReceiver(config: ReceiverConfig, options: CreateReceiverOptions = {}): Receiver {
  const timers = options.timers ? { timers: options.timers } : {};
  switch (config.kind) {
    case 'webhook':
      return new WebhookReceiver(config, { ...timers, ...(options.fetch ? { fetch: options.fetch } : {}) });
    case 'log':
      return new LogReceiver(config, { ...timers, ...(options.logStream ? { stream: options.logStream } : {}) });
    case 'websocket':
    case 'kafka': {
      const factory = options.factories?.[config.kind] as ((c: ReceiverConfig) => Receiver) | undefined;
      if (factory) return factory(config);
      throw new FastdataError(
        'FD_RECEIVER_KIND_UNSUPPORTED',
        `receiver ${config.name} (${config.source}) is of kind ${config.kind}, which this process cannot deliver to yet; use a webhook or log receiver`,
        { context: { file: config.source, field: `receivers.${config.name}.kind`, kind: config.kind } },
      );
    }
  }
}

/** A queue for the receiver, with the delivery policy of its config. */
export function createReceiverQueue(
  config: ReceiverConfig,
  options: CreateReceiverOptions & Omit<ReceiverQueueOptions, 'policy'> = {},
): ReceiverQueue {
  const { random, timers, onWarning, warnIntervalMs } = options;
  return new ReceiverQueue(createReceiver(config, options), { random, timers, onWarning, warnIntervalMs, policy: config.delivery });
}
