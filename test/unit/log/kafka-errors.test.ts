/**
 * Kafka errors as both drivers report them: the code a caller branches on and a message
 * that says what to do. A fenced transactional producer is said to be fenced (the task
 * moved), not sent to check the brokers; a connection error is.
 */
import { describe, expect, it } from 'vitest';
import { fromKafkaError } from '../../../src/log/kafka/kafka-errors.js';
import { fromPlatformaticError } from '../../../src/log/platformatic/errors.js';

// The shapes the clients throw: kafkajs's KafkaJSProtocolError (type, retriable), and
// @platformatic/kafka's ProtocolError inside a MultipleErrors (apiId, errors).
const kafkajsError = (type: string) => Object.assign(new Error(`kafkajs: ${type}`), { name: 'KafkaJSProtocolError', type, retriable: false });
const platformaticError = (type: string) =>
  Object.assign(new Error('Received response with error while executing API EndTxn(v4)'), { errors: [Object.assign(new Error(`protocol: ${type}`), { apiId: type })] });

describe('Kafka errors', () => {
  for (const [driver, convert, make] of [
    ['kafkajs', fromKafkaError, kafkajsError],
    ['platformatic', fromPlatformaticError, platformaticError],
  ] as const) {
    it(`${driver}: a fenced producer is said to be fenced, not sent to check the brokers`, () => {
      for (const type of ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']) {
        const error = convert(make(type), 'committing the transaction');
        expect(error.message).toMatch(/fenced: another one has opened its transactional id/);
        expect(error.message).not.toMatch(/check that the brokers/);
      }
    });

    it(`${driver}: an error with no protocol type points at the brokers and the credentials`, () => {
      const error = convert(new Error('connect ECONNREFUSED 127.0.0.1:9092'), 'connecting');
      expect(error.code).toBe('FD_LOG_IO');
      expect(error.message).toMatch(/check that the brokers are reachable \(log\.brokers\)/);
    });
  }
});
