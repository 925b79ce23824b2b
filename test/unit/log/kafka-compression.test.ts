import kafkajs from 'kafkajs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { isFastdataError } from '../../../src/errors.js';
import { assertCodecsAvailable, codecForTopic, kafkajsCompression, registerCodecs, validateCompression, type KafkaCompression } from '../../../src/log/kafka/compression.js';
import { KafkaLog } from '../../../src/log/kafka/kafka-log.js';
import { tempDir } from '../../helpers/temp-dir.js';

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('log.compression: the codec of each topic', () => {
  const compression: KafkaCompression = { default: 'lz4', topics: { 'sensor.stats': 'zstd', 'fastdata.sensor-stats.changelog': 'none' } };

  it('takes a topic’s own entry, else the default, and matches names whole', () => {
    expect(codecForTopic(compression, 'sensor.stats')).toBe('zstd');
    expect(codecForTopic(compression, 'fastdata.sensor-stats.changelog')).toBe('none');
    expect(codecForTopic(compression, 'sensor.readings')).toBe('lz4');
    // Neither a prefix nor an extension of a listed name is that topic.
    expect(codecForTopic(compression, 'sensor.stat')).toBe('lz4');
    expect(codecForTopic(compression, 'sensor.stats.v2')).toBe('lz4');
    expect(codecForTopic({ default: 'gzip' }, 'any')).toBe('gzip');
    expect(codecForTopic(undefined, 'any')).toBe('none');
  });

  it('maps each codec to the id Kafka’s batch attributes use (0 none, 1 gzip, 3 lz4, 4 zstd)', () => {
    expect(['none', 'gzip', 'lz4', 'zstd'].map((c) => kafkajsCompression(c as KafkaCompression['default']))).toEqual([0, 1, 3, 4]);
  });
});

describe('log.compression: errors at start', () => {
  it('refuses an unknown codec, naming the field and the codecs there are', () => {
    const error = thrown(() => validateCompression({ default: 'snappy' as never }));
    expect(error.code).toBe('FD_CONFIG_INVALID');
    expect(error.message).toMatch(/^log\.compression\.default: unknown codec "snappy"; use one of none, gzip, lz4, zstd/);
    const perTopic = thrown(() => validateCompression({ default: 'none', topics: { 'sensor.stats': 'brotli' as never } }));
    expect(perTopic.message).toMatch(/^log\.compression\.topics\["sensor\.stats"\]: unknown codec "brotli"/);
  });

  it('refuses a codec whose package did not load, naming the topic, the package and the fix', () => {
    const missing = new Map([['zstd', "Cannot find module '@mongodb-js/zstd-linux-x64-gnu'"]]);
    const error = thrown(() => assertCodecsAvailable({ default: 'lz4', topics: { 'sensor.stats': 'zstd' } }, missing));
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    expect(error.message).toContain('log.compression.topics["sensor.stats"]: zstd is not available');
    expect(error.message).toContain('@mongodb-js/zstd');
    expect(error.message).toContain('choose gzip or none');
    expect(thrown(() => assertCodecsAvailable({ default: 'zstd' }, missing)).message).toMatch(/^log\.compression\.default: zstd is not available/);
    // A codec nobody asks for may be missing.
    expect(() => assertCodecsAvailable({ default: 'lz4', topics: { a: 'gzip' } }, missing)).not.toThrow();
  });

  it('KafkaLog.connect refuses a bad codec before it reaches for a broker', async () => {
    // Port 1 has no broker: a connect attempt would fail with FD_LOG_IO, not the config error.
    const error = await KafkaLog.connect({ brokers: ['127.0.0.1:1'], compression: { default: 'none', topics: { 'sensor.stats': 'snappy' as never } } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
    expect(error!.message).toMatch(/^log\.compression\.topics\["sensor\.stats"\]: unknown codec "snappy"/);
  });

  describe('in the config file', () => {
    let dir: { path: string; remove: () => Promise<void> };
    beforeEach(async () => {
      dir = await tempDir();
    });
    afterEach(() => dir.remove());

    it('reads a default and per-topic codecs, and refuses an unknown one by its path', async () => {
      await writeFile(join(dir.path, 'fastdata.config.yaml'), "log:\n  compression:\n    default: lz4\n    topics:\n      'sensor.stats': zstd\n");
      const { config } = await loadProjectConfig({ dir: dir.path, env: {} });
      expect(config.log.compression).toEqual({ default: 'lz4', topics: { 'sensor.stats': 'zstd' } });

      await writeFile(join(dir.path, 'fastdata.config.yaml'), "log:\n  compression:\n    topics:\n      'sensor.stats': snappy\n");
      const error = await loadProjectConfig({ dir: dir.path, env: {} }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
      expect(error!.message).toMatch(/fastdata\.config\.yaml:4:\d+ log\.compression\.topics\.sensor\.stats: must be one of "none", "gzip", "lz4", "zstd" \(got "snappy"\)/);
    });
  });
});

describe('log.compression: the codecs registered with kafkajs', () => {
  // Readings as a module writes them: repetitive, so any codec must shrink them.
  const records = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"sensorId":"sensor-${i % 100}","ts":${1_700_000_000_000 + i * 1000},"value":${(i % 37) * 0.5}}`).join('\n'));
  registerCodecs(undefined);
  const codec = (type: number) => kafkajs.CompressionCodecs[type as keyof typeof kafkajs.CompressionCodecs]() as { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };

  it('lz4 writes an LZ4 frame as Kafka reads it (magic, version 01, independent blocks) and reads it back', async () => {
    const frame = await codec(kafkajs.CompressionTypes.LZ4).compress({ buffer: records });
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    const flg = frame[4]!;
    expect(flg >> 6).toBe(0b01);
    expect(flg & 0b0010_0000).toBe(0b0010_0000);
    expect(frame.length).toBeLessThan(records.length / 2);
    expect((await codec(kafkajs.CompressionTypes.LZ4).decompress(frame)).equals(records)).toBe(true);
  });

  it('zstd writes a zstd frame and reads it back (and Node’s own zstd reads it, where Node has one)', async () => {
    const frame = await codec(kafkajs.CompressionTypes.ZSTD).compress({ buffer: records });
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(frame.length).toBeLessThan(records.length / 2);
    expect((await codec(kafkajs.CompressionTypes.ZSTD).decompress(frame)).equals(records)).toBe(true);
    const nodeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
    if (nodeZstd) expect(nodeZstd(frame).equals(records)).toBe(true);
  });
});
