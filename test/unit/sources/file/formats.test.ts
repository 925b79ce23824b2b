import { describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import { formatOfPath } from '../../../../src/sources/file/formats.js';

describe('formatOfPath', () => {
  it('tells the format by the extension, in any case', () => {
    expect(formatOfPath('/data/readings.csv')).toBe('csv');
    expect(formatOfPath('readings.CSV')).toBe('csv');
    expect(formatOfPath('a/b.jsonl')).toBe('jsonl');
    expect(formatOfPath('a/b.ndjson')).toBe('jsonl');
    expect(formatOfPath('a/b.json')).toBe('jsonl');
    expect(formatOfPath('C:\\data\\b.avro')).toBe('avro');
    expect(formatOfPath('./x.y/b.parquet')).toBe('parquet');
  });

  it('refuses an unknown or missing extension, naming the path and the format: setting', () => {
    for (const path of ['/data/readings.txt', '/data.csv/readings', '.csv']) {
      let error: unknown;
      try {
        formatOfPath(path);
      } catch (e) {
        error = e;
      }
      expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toContain('`format:`');
    }
  });
});
