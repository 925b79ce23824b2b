/**
 * The real servers of the integration tests (Kafka, the schema registry, Cassandra), as the global setup (test/global-setup.ts)
 * left them: started once per run through scripts/infra. Without them (no Java, outside
 * CI) they are undefined, the integration suites skip, and the global setup has said why
 * and how to enable them.
 */
import { inject } from 'vitest';

export const kafkaBrokers: string[] | undefined = inject('kafkaBrokers');
export const registryUrl: string | undefined = inject('registryUrl');
export const cassandraContactPoints: string[] | undefined = inject('cassandraContactPoints');
export const cassandraDataCenter: string | undefined = inject('cassandraDataCenter');
