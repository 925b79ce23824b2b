import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { classifyWriteError } from '../../../src/sinks/cassandra/client.js';

const { errors, types } = cassandra;
const response = (code: number, message: string) => new errors.ResponseError(code, message);

describe('classifyWriteError: retry, dead-letter, or check the table again', () => {
  it('retries what an outage or an overloaded node causes', () => {
    expect(classifyWriteError(new errors.NoHostAvailableError({}))).toBe('transient');
    expect(classifyWriteError(new errors.OperationTimedOutError('timed out', '127.0.0.1:9042'))).toBe('transient');
    for (const code of [types.responseErrorCodes.unavailableException, types.responseErrorCodes.overloaded, types.responseErrorCodes.writeTimeout, types.responseErrorCodes.isBootstrapping]) {
      expect(classifyWriteError(response(code, 'busy')), String(code)).toBe('transient');
    }
  });

  it('dead-letters a row Cassandra refuses for its values, or a value the driver cannot encode', () => {
    expect(classifyWriteError(response(types.responseErrorCodes.invalid, 'Key may not be empty'))).toBe('rejected');
    expect(classifyWriteError(new TypeError('Not a valid bigint'))).toBe('rejected');
  });

  it('checks the table again when a refusal is about the table, not the row', () => {
    expect(classifyWriteError(response(types.responseErrorCodes.invalid, 'unconfigured table sensor_stats'))).toBe('schema');
    expect(classifyWriteError(response(types.responseErrorCodes.invalid, 'Undefined column name site'))).toBe('schema');
  });
});
