import { describe } from 'vitest';
import { KafkaLog } from '../../src/log/kafka/kafka-log.js';
import { describeLogConformance } from '../conformance/log.js';
import { kafkaBrokers } from '../helpers/servers.js';

describe.skipIf(!kafkaBrokers)('Kafka (real broker from scripts/infra)', () => {
  describeLogConformance(
    'kafka',
    async () => {
      const log = await KafkaLog.connect({ brokers: kafkaBrokers!, clientId: 'fastdata-conformance', onWarning: () => {} });
      return { log, close: () => log.close() };
    },
    // The broker's log cleaner and retention checker run on their own schedule (scripts/infra sets them to well under a second).
    { maintenanceTimeoutMs: 60_000 },
  );
});
