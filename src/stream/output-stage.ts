/**
 * The output stage of a stream module: what happens to each value its pipeline emits before
 * it is a record of the output topic. Its key (the module's `output.key`, a string or a
 * finite number), its bytes (the output schema; a value that does not fit names each bad
 * field). A value that fails either is a dead letter (reason `output-invalid`), never a
 * crash. The runtime and the test driver run this same stage.
 */
import { errorMessage } from '../errors.js';
import type { DeadLetter } from './host/dead-letters.js';
import type { StreamModule } from './define.js';

export interface StagedOutput {
  key: string;
  value: Buffer;
}

export class OutputStage {
  private readonly module: StreamModule;
  private readonly encode: (value: unknown) => Buffer;

  /** `encode`: the output schema's encoder (the registry's in the runtime, an unregistered one in the driver). */
  constructor(module: StreamModule, encode: (value: unknown) => Buffer) {
    this.module = module;
    this.encode = encode;
  }

  /** The record for `value`, or the dead letter saying why there is none. */
  accept(value: unknown): StagedOutput | DeadLetter {
    let key: unknown;
    try {
      key = this.module.output.key(value);
      if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
      if (typeof key !== 'string') throw new Error(`output.key returned ${JSON.stringify(key) ?? String(key)}; return a string or a number`);
    } catch (error) {
      return { reason: 'output-invalid', message: `output.key failed: ${errorMessage(error)}`, value };
    }
    try {
      return { key, value: this.encode(value) };
    } catch (error) {
      return { reason: 'output-invalid', message: errorMessage(error), value };
    }
  }
}

export function isDeadLetter(staged: StagedOutput | DeadLetter): staged is DeadLetter {
  return (staged as DeadLetter).reason !== undefined;
}
