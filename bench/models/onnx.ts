/**
 * ONNX scoring throughput, per record and batched: the demo's anomaly model
 * (models/sensor-anomaly.onnx, an IsolationForest of 200 trees over 3 features) and a
 * linear model (test/fixtures/onnx/linear.onnx, 4 features), beside a plain loop of the
 * linear model's arithmetic. onnxruntime-node scores only asynchronously, which the
 * synchronous ModelBenchCase of bench/models.ts cannot time, so this file has no cases
 * there and prints its own figures when run:
 *
 *   node --import tsx bench/models/onnx.ts [--records 20000]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { onnxModel } from '../../src/models/onnx/onnx-model.js';
import type { ModelBenchCase } from '../models.js';

export const cases: ModelBenchCase[] = [];

interface Row {
  x: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '20000' } } });
  const n = Number(values.records);
  const rows: Row[] = Array.from({ length: n }, (_, i) => ({ x: [Math.sin(i), Math.cos(i), (i % 17) / 17, (i % 5) - 2] }));
  const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));
  const options = { session: { intraOpNumThreads: 1, interOpNumThreads: 1 } };
  const models = [
    { name: 'anomaly (IsolationForest, 3 features)', model: await onnxModel(file('../../models/sensor-anomaly.onnx'), { ...options, inputs: { features: { type: 'float32', shape: [3], from: (r: Row) => r.x.slice(0, 3) } } }) },
    { name: 'linear (4 features)', model: await onnxModel(file('../../test/fixtures/onnx/linear.onnx'), { ...options, inputs: { features: { type: 'float32', shape: [4], from: (r: Row) => r.x } } }) },
  ];
  const rate = async (what: () => Promise<unknown>) => {
    await what(); // warm-up
    const start = performance.now();
    await what();
    return n / ((performance.now() - start) / 1000);
  };
  const fmt = (r: number) => `${Math.round(r).toLocaleString('en-US').padStart(12)} records/s`;
  console.log(`ONNX scoring, ${n} records, one intra-op thread (onnxruntime-node)`);
  for (const { name, model } of models) {
    const sequential = await rate(async () => {
      for (const r of rows) await model.score(r);
    });
    const concurrent = await rate(async () => {
      for (let i = 0; i < n; i += 8) await Promise.all(rows.slice(i, i + 8).map((r) => model.score(r)));
    });
    console.log(`${name}`);
    console.log(`  per record, one at a time       ${fmt(sequential)}`);
    console.log(`  per record, 8 in flight         ${fmt(concurrent)}`);
    for (const batch of [16, 64, 600]) {
      const batched = await rate(async () => {
        for (let i = 0; i < n; i += batch) await model.scoreBatch(rows.slice(i, i + batch));
      });
      console.log(`  batched, ${String(batch).padStart(3)} records a run       ${fmt(batched)}  (${(batched / sequential).toFixed(1)}x per record)`);
    }
  }
  const W = [1, 2, -3, 0.5];
  let sink = 0;
  const plain = await rate(async () => {
    for (const r of rows) sink += r.x[0]! * W[0]! + r.x[1]! * W[1]! + r.x[2]! * W[2]! + r.x[3]! * W[3]! + 0.25;
  });
  console.log(`plain loop of the linear model's arithmetic ${fmt(plain)} (${sink > 0 ? '' : ' '})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // onnxruntime's runs hold no handle on the event loop: keep it alive while they are awaited.
  const alive = setInterval(() => undefined, 1000);
  await main().finally(() => clearInterval(alive));
}
