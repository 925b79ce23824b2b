/**
 * log.compression for @platformatic/kafka: the library carries gzip, snappy and lz4 itself
 * (lz4 and snappy in WebAssembly, nothing to build) and zstd through node:zlib, which has it
 * from Node 22.15 on only. A config that asks for zstd where it is missing is refused at
 * connect, naming the setting, rather than failing at the first send.
 */
import zlib from 'node:zlib';
import type { CompressionCodec } from '../../config/project-config.js';
import { FastdataError } from '../../errors.js';
import { codecForTopic, validateCompression, type KafkaCompression } from '../kafka/compression.js';

/** Whether this Node's zlib has zstd (the library's zstd codec needs it, to write and to read). */
export const zstdAvailable = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

export function checkCompression(compression: KafkaCompression | undefined): void {
  if (!compression) return;
  validateCompression(compression);
  const fields = [
    ...(compression.default === 'zstd' ? ['log.compression.default'] : []),
    ...Object.entries(compression.topics ?? {})
      .filter(([, codec]) => codec === 'zstd')
      .map(([topic]) => `log.compression.topics["${topic}"]`),
  ];
  if (fields.length > 0 && !zstdAvailable) {
    throw new FastdataError(
      'FD_CONFIG_INVALID',
      `${fields.join(', ')}: zstd needs Node 22.15 or later with log.driver platformatic (its zstd codec is node:zlib's; this is Node ${process.versions.node}); use lz4 or gzip, a newer Node, or log.driver kafkajs`,
      { context: { field: fields[0] } },
    );
  }
}

export function codecOf(compression: KafkaCompression | undefined, topic: string): CompressionCodec {
  return codecForTopic(compression, topic);
}
