/**
 * The options of the Kafka Log (brokers, TLS, SASL, timeouts) as @platformatic/kafka's client
 * options, shared by the admin, the producers, the group members and the readers.
 */
import type { ConnectionOptions } from 'node:tls';
import type { KafkaCompression } from '../kafka/compression.js';

export interface PlatformaticSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** As KafkaLogOptions (src/log/kafka/kafka-log.ts): log.driver changes the client, not the settings. */
export interface PlatformaticLogOptions {
  brokers: string[];
  clientId?: string;
  /** TLS: true for the system CAs, or Node's tls options (ca, cert, key, ...). */
  ssl?: boolean | ConnectionOptions;
  sasl?: PlatformaticSasl;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Replication factor of the topics fastdata creates; default: the broker's. */
  replicationFactor?: number;
  /** Codec of the batches written, per topic (log.compression); default: none. */
  compression?: KafkaCompression;
  onWarning?: (message: string) => void;
  onConsumerCrash?: (groupId: string, error: unknown) => void;
}

const SASL_MECHANISM = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

export interface BaseClientOptions {
  clientId: string;
  bootstrapBrokers: string[];
  connectTimeout: number;
  timeout: number;
  requestTimeout: number;
  retries: number;
  retryDelay: number;
  tls?: ConnectionOptions;
  sasl?: { mechanism: (typeof SASL_MECHANISM)[keyof typeof SASL_MECHANISM]; username: string; password: string };
}

export function baseClientOptions(options: PlatformaticLogOptions): BaseClientOptions {
  const base: BaseClientOptions = {
    clientId: options.clientId ?? 'fastdata',
    bootstrapBrokers: options.brokers,
    connectTimeout: options.connectionTimeoutMs ?? 5_000,
    timeout: options.requestTimeoutMs ?? 30_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // The library's default (3 retries a second apart) gives up on a coordinator that is
    // still loading after a broker start; kafkajs retries for about 30 s.
    retries: 10,
    retryDelay: 250,
  };
  if (options.ssl) base.tls = options.ssl === true ? {} : options.ssl;
  if (options.sasl) base.sasl = { mechanism: SASL_MECHANISM[options.sasl.mechanism], username: options.sasl.username, password: options.sasl.password };
  return base;
}
