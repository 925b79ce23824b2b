/**
 * ONNX models scored in the stream: loading (hash, input check, the missing package),
 * per-record and batched scoring equal to the answers the test computes itself from the
 * weights the fixture script wrote (test/fixtures/onnx/make-models.py) and to onnxruntime
 * called directly, and both operators inside a module run by the test driver over several
 * partitions, with a restart.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collect, defineStream, keyBy, tumbling } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { FastdataError } from '../../../../src/errors.js';
import { onnxModel } from '../../../../src/models/onnx/onnx-model.js';
import { modelFilesOf } from '../../../../src/models/onnx/model-files.js';
import { resolveOnnxRuntime } from '../../../../src/models/onnx/runtime.js';
import { scoreBatches, scoreEach } from '../../../../src/models/onnx/score.js';
import { mulberry32 } from '../../../../src/sources/random.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/onnx/${name}`, import.meta.url));
const LINEAR = fixture('linear.onnx');
/** The weights make-models.py wrote: y = x . W + B. */
const W = [1, 2, -3, 0.5];
const B = 0.25;

interface Row {
  id: string;
  x: number[];
}
const features = { type: 'float32' as const, shape: [4], from: (r: Row) => r.x };

/** What float32 arithmetic gives for x . W + B, computed here: inputs and every step rounded to float32. */
function linearTruth(x: number[]): number {
  const f = Math.fround;
  let acc = 0;
  for (let i = 0; i < 4; i++) acc = f(acc + f(f(x[i]!) * W[i]!));
  return f(acc + B);
}

function rows(seed: number, n: number): Row[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({ id: `k${i % 7}`, x: Array.from({ length: 4 }, () => Math.round((rnd() * 200 - 100) * 64) / 64) }));
}

describe('onnxModel: load', () => {
  it('loads the session, takes the SHA-256 of the file, lists inputs and outputs, records who loaded it', async () => {
    const model = await onnxModel(LINEAR, { inputs: { features } });
    expect(model.sha256).toBe(createHash('sha256').update(readFileSync(LINEAR)).digest('hex'));
    expect(model.inputNames).toEqual(['features']);
    expect(model.outputNames).toEqual(['y', 'doubled']);
    expect(model.maxBatch).toBe(Number.POSITIVE_INFINITY);
    // Loaded from this test file: the call stack names it (hot reload and provenance use it).
    const self = fileURLToPath(import.meta.url);
    expect(modelFilesOf(self).map((l) => [l.file, l.sha256])).toEqual([[LINEAR, model.sha256]]);
  });

  it('refuses a declaration that does not match the model, naming the input and both sides', async () => {
    const load = (inputs: Record<string, unknown>) => onnxModel(LINEAR, { inputs: inputs as never });
    await expect(load({ features: { ...features, type: 'float64' } })).rejects.toThrow(
      `${LINEAR}: input 'features': the model takes float32 [N, 4] and the module declares float64 [batch, 4] (the element types differ)`,
    );
    await expect(load({ features: { ...features, shape: [3] } })).rejects.toThrow(/input 'features': the model takes float32 \[N, 4\] and the module declares float32 \[batch, 3\] \(dimension 1 is 4 in the model, 3 in the declaration\)/);
    await expect(load({ features: { ...features, shape: [2, 2] } })).rejects.toThrow(/the model's input has 2 dimensions, the declaration 2 per record plus the batch/);
    await expect(load({ feature: features })).rejects.toThrow(/the model has an input 'features' \(float32 \[N, 4\]\) that the module does not declare; declare inputs.features/);
    await expect(load({ features, extra: features })).rejects.toThrow(/the module declares an input 'extra' \(float32 \[batch, 4\]\) that the model does not have; the model's inputs: features \(float32 \[N, 4\]\)/);
    await expect(load({ features: { ...features, type: 'float16' } })).rejects.toThrow(/inputs.features.type must be one of float32, float64, int32, int64, got "float16"/);
    const error = await load({ features: { ...features, type: 'float64' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FastdataError);
    expect((error as FastdataError).code).toBe('FD_MODEL_LOAD_FAILED');
    expect((error as FastdataError).context.field).toBe('inputs.features');
  });

  it('refuses outputs the model does not have, a missing file and a file that is no model', async () => {
    await expect(onnxModel(LINEAR, { inputs: { features }, outputs: ['score'] })).rejects.toThrow(/outputs lists 'score', which the model does not have; its outputs: y, doubled/);
    await expect(onnxModel(fixture('missing.onnx'), { inputs: { features } })).rejects.toThrow(/cannot read the model file .*missing.onnx/);
    await expect(onnxModel(fixture('make-models.py'), { inputs: { features } })).rejects.toThrow(/make-models.py is not a model onnxruntime can load/);
  });

  it('without onnxruntime-node: a clear error naming the package and the install command', async () => {
    const dir = await tempDir();
    try {
      expect(() => resolveOnnxRuntime([`${dir.path}/package.json`])).toThrow("scoring ONNX models needs the package onnxruntime-node, which is not installed: run `npm install onnxruntime-node` in the project");
    } finally {
      await dir.remove();
    }
  });
});

describe('onnxModel: scoring', () => {
  it('per record and batched give x . W + B as float32 arithmetic does, and what onnxruntime gives when called directly', async () => {
    const model = await onnxModel(LINEAR, { inputs: { features } });
    const data = rows(1, 200);
    const each = await Promise.all(data.map((r) => model.score(r)));
    const batched = await model.scoreBatch(data);
    // onnxruntime called directly, as a user would without fastdata.
    const ort = createRequire(import.meta.url)('onnxruntime-node');
    const session = await ort.InferenceSession.create(LINEAR);
    const direct = await session.run({ features: new ort.Tensor('float32', Float32Array.from(data.flatMap((r) => r.x)), [data.length, 4]) });
    data.forEach((r, i) => {
      expect(each[i]!.y).toEqual([linearTruth(r.x)]);
      expect(each[i]!.doubled).toEqual(r.x.map((v) => 2 * Math.fround(v)));
      expect(batched[i]).toEqual(each[i]);
      expect(batched[i]!.y![0]).toBe(direct.y.data[i]);
    });
    await session.release();
  });

  it('splits a batch into runs of the fixed batch size a model has; int64 inputs and outputs as numbers', async () => {
    const fixed = await onnxModel(fixture('linear-fixed.onnx'), { inputs: { features } });
    expect(fixed.maxBatch).toBe(3);
    const data = rows(2, 10);
    expect((await fixed.scoreBatch(data)).map((r) => r.y![0])).toEqual(data.map((r) => linearTruth(r.x)));
    const ints = await onnxModel(fixture('int-input.onnx'), { inputs: { counts: { type: 'int64', shape: [2], from: (r: { a: number; b: number }) => [r.a, r.b] } } });
    expect(await ints.scoreBatch([{ a: 2 ** 40, b: 3 }, { a: -5, b: 7 }])).toEqual([{ total: [2 ** 40 + 3] }, { total: [2] }]);
  });

  it('a record whose values do not fit the declared shape fails its run with a message naming the input', async () => {
    const model = await onnxModel(LINEAR, { inputs: { features } });
    await expect(model.score({ id: 'a', x: [1, 2, 3] })).rejects.toThrow(/inputs.features.from\(record\) must give 4 numbers \(the declared shape\), gave 3/);
  });
});

describe('scoreEach and scoreBatches in a module', () => {
  const outSchema = {
    type: 'record',
    name: 'Scored',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'n', type: 'long' },
      { name: 'y', type: { type: 'array', items: 'double' } },
    ],
  };
  interface Reading extends Row {
    ts: number;
  }

  it('per record (over 3 partitions) and per window batch give the truth; a restart between them changes nothing', async () => {
    const model = await onnxModel(LINEAR, { inputs: { features: { type: 'float32', shape: [4], from: (r: Reading) => r.x } } });
    const perRecord = defineStream<{ readings: Reading }, { id: string; n: number; y: number[] }>({
      name: 'onnx-each',
      inputs: { readings: 'readings' },
      output: { topic: 'onnx-each', schema: outSchema, key: (o) => o.id },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) => readings.pipe(scoreEach(model, (r, row) => ({ id: r.id, n: r.ts, y: row.y! }))),
    });
    const perWindow = defineStream<{ readings: Reading }, { id: string; n: number; y: number[] }>({
      name: 'onnx-windows',
      inputs: { readings: 'readings' },
      output: { topic: 'onnx-windows', schema: outSchema, key: (o) => o.id },
      eventTime: (r) => r.ts,
      pipeline: ({ readings }) =>
        readings.pipe(
          keyBy((r) => r.id),
          tumbling('10s', { grace: 0, emit: 'final' }),
          collect({ limit: 1000 }),
          scoreBatches(model, (w) => w.records, (w, rs) => ({ id: `${w.key}@${w.windowStart}`, n: rs.length, y: rs.map((r) => r.y![0]!) })),
        ),
    });
    const data: Reading[] = rows(3, 600).map((r, i) => ({ ...r, ts: i * 100 }));

    const each = await TestDriver.create(perRecord, { partitions: 3 });
    data.slice(0, 250).forEach((r) => each.pipe('readings', r, { key: r.id }));
    await each.settle();
    each.restart();
    data.slice(250).forEach((r) => each.pipe('readings', r, { key: r.id }));
    await each.settle();
    const got = each.readValues().sort((a, b) => a.n - b.n);
    expect(got).toEqual(data.map((r) => ({ id: r.id, n: r.ts, y: [linearTruth(r.x)] })));

    const windows = await TestDriver.create(perWindow, { partitions: 3 });
    data.slice(0, 300).forEach((r) => windows.pipe('readings', r, { key: r.id }));
    await windows.settle();
    windows.restart();
    data.slice(300).forEach((r) => windows.pipe('readings', r, { key: r.id }));
    windows.advanceWatermark(1e9);
    await windows.settle();
    const truth = new Map<string, number[]>();
    for (const r of data) {
      const id = `${r.id}@${Math.floor(r.ts / 10_000) * 10_000}`;
      truth.set(id, [...(truth.get(id) ?? []), linearTruth(r.x)]);
    }
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect(windows.readValues().sort(byId)).toEqual([...truth].map(([id, y]) => ({ id, n: y.length, y })).sort(byId));
    expect(windows.readDeadLetters()).toEqual([]);
  });
});
