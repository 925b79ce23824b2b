/**
 * log.compression with the platformatic driver: zstd is node:zlib's in @platformatic/kafka,
 * which Node has from 22.15 on only. Where it is missing, a config asking for it is refused at
 * connect, naming the setting, before any broker is asked (the brokers here do not exist).
 */
import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../src/errors.js';
import { zstdAvailable } from '../../../src/log/platformatic/compression.js';
import { PlatformaticLog } from '../../../src/log/platformatic/platformatic-log.js';

const nowhere = ['127.0.0.1:1'];

describe('platformatic driver: log.compression', () => {
  it.skipIf(zstdAvailable)('refuses zstd where Node has no zstd, naming each setting that asks for it', async () => {
    const error = await PlatformaticLog.connect({ brokers: nowhere, compression: { default: 'lz4', topics: { 'sensor.stats': 'zstd' } } }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_CONFIG_INVALID'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/log\.compression\.topics\["sensor\.stats"\]: zstd needs Node 22\.15/);
    expect((error as Error).message).toMatch(/use lz4 or gzip/);
  });

  it('refuses an unknown codec, naming the setting', async () => {
    const error = await PlatformaticLog.connect({ brokers: nowhere, compression: { default: 'brotli' as never } }).catch((e: unknown) => e);
    expect(isFastdataError(error, 'FD_CONFIG_INVALID'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/log\.compression\.default: unknown codec "brotli"/);
  });
});
