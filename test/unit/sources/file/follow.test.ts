import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import type { FilePosition } from '../../../../src/sources/file/position.js';
import { type ReadFileOptions, readFileRecords } from '../../../../src/sources/file/read-file.js';
import type { SourceRecord } from '../../../../src/sources/source-record.js';
import { eventually } from '../../../helpers/eventually.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { CSV_HEADER, READING_SCHEMA, READING_TYPE, csvLine, reading, shape } from './file-fixtures.js';

/** Follows `path` in the background: what it has read so far, its notices, and a stop that ends it. */
function follow(path: string, options: ReadFileOptions) {
  const controller = new AbortController();
  const records: SourceRecord[] = [];
  const positions: FilePosition[] = [];
  const notices: string[] = [];
  const done = (async () => {
    for await (const batch of readFileRecords(path, { ...options, follow: true, pollMs: 10, signal: controller.signal, onNotice: (m) => notices.push(m) })) {
      records.push(...batch.records);
      positions.push(batch.position);
    }
  })();
  return {
    records,
    positions,
    notices,
    values: () => records.map((r) => r.value ?? r.error),
    stop: async () => {
      controller.abort();
      await done;
    },
    done,
  };
}

describe('following a growing file', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('fastdata-follow-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('reads lines appended after the end, a line written in two pieces once and whole, until the signal aborts', async () => {
    const path = join(dir.path, 'live.jsonl');
    await writeFile(path, '{"i":0}\n{"i":1}\n');
    const f = follow(path, { format: 'jsonl' });
    await eventually(() => f.records.length === 2);
    await appendFile(path, '{"i":2}\n{"i":');
    await eventually(() => f.records.length === 3);
    // The bytes of the partial line came in the same read as line 3: it is held, not emitted.
    expect(f.values()).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    await appendFile(path, '3}\n');
    await eventually(() => f.records.length === 4);
    expect(f.records.map(shape)).toEqual([0, 1, 2, 3].map((i) => ({ where: `line ${i + 1}`, value: { i } })));
    expect(f.positions.at(-1)).toMatchObject({ bytes: 32, line: 4, records: 4 });
    await f.stop();
  });

  it('follows a CSV file with a quoted line break arriving in pieces', async () => {
    const path = join(dir.path, 'live.csv');
    await writeFile(path, `${CSV_HEADER}\n`);
    const f = follow(path, { format: 'csv', type: READING_TYPE, schema: READING_SCHEMA });
    await appendFile(path, `${csvLine(reading(0))}\ns-1,1,2,3,true,OK,"two`);
    await eventually(() => f.records.length === 1);
    await appendFile(path, `\nlines"\n`);
    await eventually(() => f.records.length === 2);
    expect(f.records.map(shape)).toEqual([
      { where: 'line 2', value: reading(0) },
      { where: 'line 3', value: { sensor: 's-1', ts: 1, temperature: 2, count: 3, ok: true, status: 'OK', note: 'two\nlines' } },
    ]);
    await f.stop();
  });

  it('reads a truncated file again from the start, with a notice, a CSV header first', async () => {
    const path = join(dir.path, 'rotated.csv');
    await writeFile(path, `${CSV_HEADER}\n${[0, 1, 2].map((i) => csvLine(reading(i))).join('\n')}\n`);
    const f = follow(path, { format: 'csv', type: READING_TYPE, schema: READING_SCHEMA });
    await eventually(() => f.records.length === 3);
    // copytruncate: the file is emptied, then its writer goes on (with a new header, other columns order).
    await truncate(path, 0);
    await eventually(() => f.notices.length === 1);
    await appendFile(path, `note,status,ok,count,temperature,ts,sensor\nx,WARN,false,9,1.5,5,s-9\n`);
    await eventually(() => f.records.length === 4);
    expect(f.notices[0]).toMatch(/rotated\.csv was truncated \(it now has 0 bytes, \d+ had been read\): reading it again from the start/);
    expect(f.records.map(shape).at(-1)).toEqual({ where: 'line 2', value: { note: 'x', status: 'WARN', ok: false, count: 9, temperature: 1.5, ts: 5, sensor: 's-9' } });
    expect(f.positions.at(-1)).toMatchObject({ line: 2, records: 4 });
    await f.stop();
  });

  it('on rotation by rename, reads the rest of the old file, then the new file from its start', async () => {
    const path = join(dir.path, 'app.jsonl');
    await writeFile(path, '{"old":1}\n');
    const f = follow(path, { format: 'jsonl' });
    await eventually(() => f.records.length === 1);
    await rename(path, `${path}.1`);
    // Written by the old writer after the rename, before it reopens: still the old file's, even without a line break.
    await appendFile(`${path}.1`, '{"old":2}\n{"old":3}');
    await writeFile(path, '{"new":1}\n');
    await eventually(() => f.records.length === 4);
    expect(f.values()).toEqual([{ old: 1 }, { old: 2 }, { old: 3 }, { new: 1 }]);
    expect(f.notices).toEqual([expect.stringContaining('app.jsonl was replaced by a new file (rotated): reading the new file from its start')]);
    expect(f.records.at(-1)!.where).toBe('line 1');
    await f.stop();
  });

  it('ends a followed file when the signal aborts while it waits', async () => {
    const path = join(dir.path, 'idle.jsonl');
    await writeFile(path, '');
    const f = follow(path, { format: 'jsonl' });
    await f.stop();
    expect(f.records).toEqual([]);
  });

  it('refuses to follow Avro and Parquet files, at the call', () => {
    for (const format of ['avro', 'parquet'] as const) {
      let error: unknown;
      try {
        readFileRecords(join(dir.path, `x.${format}`), { format, follow: true });
      } catch (e) {
        error = e;
      }
      expect(isFastdataError(error, 'FD_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/^follow: .* cannot be followed .*follow works for CSV and JSON lines files/);
    }
  });
});
