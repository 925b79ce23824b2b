/** Schemas and helpers shared by the schema tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '../../../src/errors.js';
import { isFastdataError, type FastdataError } from '../../../src/errors.js';

type Field = { name: string; type: unknown; default?: unknown; doc?: string; aliases?: string[] };

/** A `demo.SensorReading` record with the given fields. */
export function sensorReading(fields: Field[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'record', name: 'SensorReading', namespace: 'demo', fields, ...extra };
}

export const readingV1 = sensorReading([
  { name: 'sensorId', type: 'string' },
  { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'temperature', type: 'double' },
]);

/** v1 plus a nullable humidity with a default: compatible both ways. */
export const readingV2 = sensorReading([
  { name: 'sensorId', type: 'string' },
  { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'temperature', type: 'double' },
  { name: 'humidity', type: ['null', 'double'], default: null },
]);

/** Temp directories under os.tmpdir(), removed by `cleanup`. */
export function tempDirs(): { make(): Promise<string>; cleanup(): Promise<void> } {
  const dirs: string[] = [];
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'fastdata-schema-'));
      dirs.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** The FastdataError `run` throws or rejects with; fails the test if it is another error or none. */
export async function caught(run: () => unknown, code: ErrorCode): Promise<FastdataError> {
  try {
    await run();
  } catch (error) {
    if (isFastdataError(error, code)) return error;
    throw new Error(`expected ${code}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}
