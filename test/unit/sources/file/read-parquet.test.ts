import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastdataError } from '../../../../src/errors.js';
import { readFileRecords } from '../../../../src/sources/file/read-file.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { readAll, shape } from './file-fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

function row(i: number) {
  return { id: 10_000_000_000 + i, name: `sensor ${i % 7}`, temperature: 20 + i / 8, ok: i % 2 === 0, ts: T0 + i * 1000, note: i % 5 === 0 ? null : `n${i}` };
}

/** A Parquet file of `count` rows (`row(i)`) in row groups of `rowGroupSize`; `id` an INT64 column, `ts` a TIMESTAMP (ms). */
function writeRows(filename: string, count: number, rowGroupSize: number, ids?: bigint[]): void {
  const rows = Array.from({ length: count }, (_, i) => row(i));
  parquetWriteFile({
    filename,
    rowGroupSize,
    columnData: [
      { name: 'id', data: ids ?? rows.map((r) => BigInt(r.id)), type: 'INT64', nullable: false },
      { name: 'name', data: rows.map((r) => r.name), type: 'STRING', nullable: false },
      { name: 'temperature', data: rows.map((r) => r.temperature), type: 'DOUBLE', nullable: false },
      { name: 'ok', data: rows.map((r) => r.ok), type: 'BOOLEAN', nullable: false },
      { name: 'ts', data: rows.map((r) => new Date(r.ts)), type: 'TIMESTAMP', nullable: false },
      { name: 'note', data: rows.map((r) => r.note), type: 'STRING' },
    ],
  });
}

describe('reading Parquet files', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('fastdata-parquet-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('reads every row of several row groups, INT64 as numbers, timestamps as ms, in batches with positions', async () => {
    const path = join(dir.path, 'rows.parquet');
    writeRows(path, 2500, 1000);
    expect(parquetMetadata((await readFile(path)).buffer).row_groups).toHaveLength(3);
    const { records, batches, positions } = await readAll(path, { format: 'parquet', batchSize: 400 });
    expect(batches.map((b) => b.records.length)).toEqual([400, 400, 400, 400, 400, 400, 100]);
    expect(records.map(shape)).toEqual(Array.from({ length: 2500 }, (_, i) => ({ where: `row ${i + 1}`, value: row(i) })));
    expect(JSON.parse(records[3]!.raw.toString())).toEqual(row(3));
    expect(positions.at(-1)).toMatchObject({ kind: 'parquet', rows: 2500 });
  });

  it('resumes from the position of any batch with exactly the rows after it', async () => {
    const path = join(dir.path, 'resume.parquet');
    writeRows(path, 230, 100);
    const whole = await readAll(path, { format: 'parquet', batchSize: 60 });
    let before = 0;
    for (const [i, batch] of whole.batches.entries()) {
      before += batch.records.length;
      const rest = await readAll(path, { format: 'parquet', batchSize: 60, from: batch.position });
      expect(rest.records.map(shape), `after batch ${i}`).toEqual(whole.records.slice(before).map(shape));
    }
  });

  it('puts timestamps in the unit of the target field (timestamp-micros here)', async () => {
    const path = join(dir.path, 'micros.parquet');
    writeRows(path, 3, 10);
    const schema = { type: 'record', name: 'R', fields: [{ name: 'ts', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }] }] };
    const { records } = await readAll(path, { format: 'parquet', schema });
    expect(records.map((r) => (r.value as { ts: number }).ts)).toEqual([0, 1, 2].map((i) => (T0 + i * 1000) * 1000));
  });

  it('makes an error record of a row whose INT64 does not fit a number exactly, naming row and column', async () => {
    const path = join(dir.path, 'big.parquet');
    const ids = Array.from({ length: 5 }, (_, i) => BigInt(row(i).id));
    ids[2] = 2n ** 60n;
    writeRows(path, 5, 10, ids);
    const { records } = await readAll(path, { format: 'parquet' });
    expect(records.map(shape)).toEqual([
      { where: 'row 1', value: row(0) },
      { where: 'row 2', value: row(1) },
      { where: 'row 3', error: 'row 3, column "id": the integer 1152921504606846976 does not fit a JavaScript number exactly (beyond ±2^53); it is not rounded' },
      { where: 'row 4', value: row(3) },
      { where: 'row 5', value: row(4) },
    ]);
    expect(JSON.parse(records[2]!.raw.toString())).toMatchObject({ id: '1152921504606846976' });
  });

  it('makes one error record of a row group whose pages are damaged, and reads the other groups', async () => {
    const path = join(dir.path, 'damaged.parquet');
    writeRows(path, 300, 100);
    const file = await readFile(path);
    const chunk = parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.length)).row_groups[1]!.columns[1]!.meta_data!;
    // Bytes flipped in the page header of the second group's `name` column.
    const at = Number(chunk.data_page_offset) + 2;
    for (let i = at; i < at + 6; i++) file[i] = file[i]! ^ 0xff;
    await writeFile(path, file);
    const { records, positions } = await readAll(path, { format: 'parquet', batchSize: 1000 });
    expect(records.filter((r) => r.error === undefined).map((r) => r.value)).toEqual([...Array.from({ length: 100 }, (_, i) => row(i)), ...Array.from({ length: 100 }, (_, i) => row(200 + i))]);
    const errors = records.filter((r) => r.error !== undefined);
    expect(errors.map((r) => r.where)).toEqual(['rows 101-200']);
    expect(errors[0]!.error).toMatch(/^rows 101 to 200 of .*damaged\.parquet cannot be read: .+; they are skipped$/);
    expect(positions.at(-1)).toMatchObject({ rows: 300 });
  });

  it('throws one FD_CONFIG_INVALID naming a file cut short, or not Parquet, before any record', async () => {
    const path = join(dir.path, 'cut.parquet');
    writeRows(path, 500, 100);
    const whole = await readFile(path);
    for (const cut of [8, 100, whole.length - 4]) {
      await writeFile(path, whole.subarray(0, whole.length - cut));
      const seen: number[] = [];
      const error = await (async () => {
        for await (const batch of readFileRecords(path, { format: 'parquet' })) seen.push(batch.records.length);
      })().catch((e: unknown) => e);
      expect(isFastdataError(error, 'FD_CONFIG_INVALID'), `cut ${cut}`).toBe(true);
      expect((error as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a readable Parquet file: .* It may be cut short`));
      expect(seen).toEqual([]);
    }
    await writeFile(path, '{"a":1}\n');
    const notParquet = await readAll(path, { format: 'parquet' }).catch((e: unknown) => e);
    expect((notParquet as Error).message).toContain('it has only 8 bytes');
  });
});
