import { describe } from 'vitest';
import { PlatformaticLog } from '../../src/log/platformatic/platformatic-log.js';
import { describeLogConformance } from '../conformance/log.js';
import { kafkaBrokers } from '../helpers/servers.js';

// The same suite as the kafkajs driver (kafka-conformance.test.ts), through log.driver platformatic.
describe.skipIf(!kafkaBrokers)('Kafka through @platformatic/kafka (real broker from scripts/infra)', () => {
  describeLogConformance(
    'kafka (platformatic driver)',
    async () => {
      const log = await PlatformaticLog.connect({ brokers: kafkaBrokers!, clientId: 'fastdata-conformance-platformatic', onWarning: () => {} });
      return { log, close: () => log.close() };
    },
    // The broker's log cleaner and retention checker run on their own schedule (scripts/infra sets them to well under a second).
    { maintenanceTimeoutMs: 60_000 },
  );
});
