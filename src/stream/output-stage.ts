/**
 * The output stage of a stream module: what happens to each value its pipeline emits before
 * it is a record of the output topic. Its key (the module's `output.key`, a string or a
 * finite number), its numbers (output-numbers.ts: a plain int/long/float/double field holds a
 * finite number, never NaN, ±Infinity or undefined), its bytes (the output schema; a value
 * that does not fit names each bad field). A value that fails any is a dead letter (reason
 * `output-invalid`, the module and the key in its message, the bad fields in the header
 * `fastdata.dlq.fields`), never a crash and never a record. The runtime, replay and the test
 * driver run this same stage.
 */
import type { Type } from 'avsc';
import { errorMessage } from '../errors.js';
import type { DeadLetter } from './host/dead-letters.js';
import type { StreamModule } from './define.js';
import { type NumberCheck, checkerFor, describeBadNumbers } from './output-numbers.js';

export interface StagedOutput {
  key: string;
  value: Buffer;
}

/** The header of an `output-invalid` dead letter that lists its bad fields by path, comma-separated. */
export const DLQ_FIELDS_HEADER = 'fastdata.dlq.fields';

export class OutputStage {
  private readonly module: StreamModule;
  private readonly encode: (value: unknown) => Buffer;
  private readonly numbers: NumberCheck | undefined;

  /**
   * `encode`: the output schema's encoder (the registry's in the runtime, an unregistered one
   * in the driver); `type`: the schema it encodes with, whose number fields are checked.
   */
  constructor(module: StreamModule, encode: (value: unknown) => Buffer, type: Type) {
    this.module = module;
    this.encode = encode;
    this.numbers = checkerFor(type);
  }

  /** The record for `value`, or the dead letter saying why there is none. */
  accept(value: unknown): StagedOutput | DeadLetter {
    let key: unknown;
    try {
      key = this.module.output.key(value);
      if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
      if (typeof key !== 'string') throw new Error(`output.key returned ${JSON.stringify(key) ?? String(key)}; return a string or a number`);
    } catch (error) {
      return { reason: 'output-invalid', message: `${this.module.name}: output.key failed: ${errorMessage(error)}`, value };
    }
    const bad = this.numbers?.(value);
    if (bad !== undefined && bad.length > 0) {
      return {
        reason: 'output-invalid',
        message:
          `${this.module.name}: the output for key ${JSON.stringify(key)} was not written: ${describeBadNumbers(bad)}, where the output schema has a plain number. ` +
          'NaN or undefined usually comes from reading a field that does not exist (a misspelt name) or from an aggregate over no values; ' +
          'if the field may have no value, make its type ["null", ...] and emit null',
        value,
        details: { [DLQ_FIELDS_HEADER]: bad.map((b) => b.path).join(',') },
      };
    }
    try {
      return { key, value: this.encode(value) };
    } catch (error) {
      return { reason: 'output-invalid', message: `${this.module.name}: the output for key ${JSON.stringify(key)} was not written: ${errorMessage(error)}`, value };
    }
  }
}

export function isDeadLetter(staged: StagedOutput | DeadLetter): staged is DeadLetter {
  return (staged as DeadLetter).reason !== undefined;
}
