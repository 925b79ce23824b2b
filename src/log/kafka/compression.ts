/**
 * Compression of the record batches fastdata writes to Kafka (log.compression): which codec a
 * topic gets, and the lz4 and zstd codecs kafkajs lacks (it has gzip built in).
 *
 * The codec is a property of each batch, so a topic may hold batches of several codecs (a
 * config change takes effect at the next send); consumers read them all. Both extra codecs
 * are registered whenever their package loads, whatever the config says, so fastdata also
 * reads lz4 or zstd topics written by other producers.
 *
 * lz4: `lz4-napi` (lz4_flex through napi-rs; the platform binary is an npm optional
 * dependency, nothing is built or downloaded at install). Its frame is the LZ4 frame format
 * Kafka expects since magic v1 (KIP-57): independent blocks, a correct header checksum.
 * zstd: `@mongodb-js/zstd` 1.x (the zstd C library through napi-rs, binaries likewise npm
 * optional dependencies; its later majors fetch binaries from outside npm at install).
 * Both compress and decompress on libuv's thread pool, off the event loop.
 */
import kafkajs from './client.js';
import { createRequire } from 'node:module';
import { COMPRESSION_CODECS, type CompressionCodec } from '../../config/project-config.js';
import { FastdataError } from '../../errors.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** log.compression: a codec per topic by its full name, else the default. */
export interface KafkaCompression {
  default: CompressionCodec;
  topics?: Record<string, CompressionCodec>;
}

const KAFKAJS_TYPE: Record<CompressionCodec, number> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** The npm package behind each codec kafkajs does not carry itself. */
export const CODEC_PACKAGES = { lz4: 'lz4-napi', zstd: '@mongodb-js/zstd' } as const;
type ExtraCodec = keyof typeof CODEC_PACKAGES;

function invalid(field: string, message: string): FastdataError {
  return new FastdataError('FD_CONFIG_INVALID', `${field}: ${message}`, { context: { field } });
}

/** Checks log.compression as given (the config schema checks it too; KafkaLog may be built without it). */
export function validateCompression(compression: KafkaCompression): void {
  const allowed = `one of ${COMPRESSION_CODECS.join(', ')}`;
  if (typeof compression !== 'object' || compression === null) throw invalid('log.compression', `expected an object { default, topics }, got ${JSON.stringify(compression)}`);
  if (!COMPRESSION_CODECS.includes(compression.default)) {
    throw invalid('log.compression.default', `unknown codec ${JSON.stringify(compression.default)}; use ${allowed}`);
  }
  for (const [topic, codec] of Object.entries(compression.topics ?? {})) {
    if (!COMPRESSION_CODECS.includes(codec)) throw invalid(`log.compression.topics["${topic}"]`, `unknown codec ${JSON.stringify(codec)}; use ${allowed}`);
  }
}

/** The codecs the config can ask for: the default and every per-topic one. */
export function codecsInUse(compression: KafkaCompression): Set<CompressionCodec> {
  return new Set([compression.default, ...Object.values(compression.topics ?? {})]);
}

/** The codec of the batches written to `topic`: its own entry, else the default. */
export function codecForTopic(compression: KafkaCompression | undefined, topic: string): CompressionCodec {
  if (!compression) return 'none';
  return compression.topics?.[topic] ?? compression.default;
}

/** As kafkajs's `compression` field of send(). */
export function kafkajsCompression(codec: CompressionCodec): number {
  return KAFKAJS_TYPE[codec];
}

interface Lz4Module {
  compressFrame(data: Buffer): Promise<Buffer>;
  decompressFrame(data: Buffer): Promise<Buffer>;
}
interface ZstdModule {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** zstd's own default level: Kafka's producers use it too. */
const ZSTD_LEVEL = 3;

const require = createRequire(import.meta.url);
/** Why a codec's package did not load, once per process. */
const unavailable = new Map<ExtraCodec, string>();
let registered = false;

/** kafkajs hands compress() its Encoder, whose `buffer` is the batch's records. */
type Encoder = { buffer: Buffer };

function registerOnce(): void {
  if (registered) return;
  registered = true;
  try {
    const lz4 = require(CODEC_PACKAGES.lz4) as Lz4Module;
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: (encoder: Encoder) => lz4.compressFrame(encoder.buffer),
      decompress: (buffer: Buffer) => lz4.decompressFrame(buffer),
    });
  } catch (error) {
    unavailable.set('lz4', (error as Error).message.split('\n')[0]!);
  }
  try {
    const zstd = require(CODEC_PACKAGES.zstd) as ZstdModule;
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: (encoder: Encoder) => zstd.compress(encoder.buffer, ZSTD_LEVEL),
      decompress: (buffer: Buffer) => zstd.decompress(buffer),
    });
  } catch (error) {
    unavailable.set('zstd', (error as Error).message.split('\n')[0]!);
  }
}

/**
 * Registers lz4 and zstd with kafkajs (once per process) and checks that every codec the
 * config names can be written: at start, so a missing codec is a config error, not a
 * failure at the first send.
 */
export function registerCodecs(compression: KafkaCompression | undefined): void {
  registerOnce();
  if (compression) assertCodecsAvailable(compression, unavailable);
}

/** Refuses a config that names a codec whose package did not load (`unavailable`: codec -> why). */
export function assertCodecsAvailable(compression: KafkaCompression, unavailable: ReadonlyMap<string, string>): void {
  validateCompression(compression);
  const named: [string, CompressionCodec][] = [['log.compression.default', compression.default], ...Object.entries(compression.topics ?? {}).map(([topic, codec]): [string, CompressionCodec] => [`log.compression.topics["${topic}"]`, codec])];
  for (const [field, codec] of named) {
    const why = unavailable.get(codec);
    if (why === undefined) continue;
    throw invalid(
      field,
      `${codec} is not available on this machine (its package ${CODEC_PACKAGES[codec as ExtraCodec]} did not load: ${why}); reinstall fastdata's dependencies with their optional ones (npm install --include=optional), or choose gzip or none`,
    );
  }
}
