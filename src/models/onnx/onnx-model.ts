/**
 * A trained model (ONNX: exported from scikit-learn, PyTorch, ...) scored in a stream.
 *
 *   const model = await onnxModel('models/anomaly.onnx', {
 *     inputs: { features: { type: 'float32', shape: [4], from: (w) => [w.mean, w.std, w.min, w.max] } },
 *   });
 *
 * At load: the file is read once, its SHA-256 taken and the session made from those very
 * bytes (the hash names what runs, even if the file changes meanwhile); the model's input
 * names, element types and shapes are checked against the declaration (input-check.ts);
 * the load is recorded for provenance and hot reload (model-files.ts). Call it at the top
 * level of the module file (`await onnxModel(...)`): a module edit or a changed model file
 * loads it again, and a model that fails to load leaves the running version in place.
 *
 * Scoring: `score(record)` is one run for one record; `scoreBatch(records)` is one run for
 * a batch (a key's window of records), in runs of at most the model's fixed batch size if
 * it has one (the last run filled up with copies of its last record, whose answers are dropped). Each answer is, per output, the record's values as numbers (int64 outputs
 * converted). onnxruntime-node runs only asynchronously: in a pipeline, use the operators
 * of score.ts, which the checkpoints wait for (stream/async-steps.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import { type DeclaredInput, checkDeclaredInputs, checkModelInputs } from './input-check.js';
import { callerFile, recordModelLoad } from './model-files.js';
import { type OnnxElementType, type OnnxRuntime, type OrtSession, type OrtTensor, onnxRuntime } from './runtime.js';

/** One input of the model as the module feeds it: element type, shape per record, and the record's values. */
export interface OnnxInput<T> extends DeclaredInput {
  /** The record's values for this input, as many as the shape holds (a number for shape [1]). */
  from: (record: T) => number | ArrayLike<number>;
}

export interface OnnxModelOptions<T> {
  inputs: Record<string, OnnxInput<T>>;
  /** The outputs to read; default: every tensor output of the model. */
  outputs?: readonly string[];
  /** Where a relative path is resolved. Default: the current directory (the project root under fastdata and npm). */
  root?: string;
  /** onnxruntime session options (`intraOpNumThreads`, `graphOptimizationLevel`, ...). */
  session?: Record<string, unknown>;
  /** The runtime to use; default: onnxruntime-node from the project (runtime.ts). Tests pass one in. */
  runtime?: OnnxRuntime;
}

/** What the model answered for one record: per output, that record's values. */
export type OnnxRow = Record<string, number[]>;

export class OnnxModel<T> {
  /** The largest batch one run takes (Infinity: any). */
  readonly maxBatch: number;
  private readonly inputs: [string, OnnxInput<T>, number][];

  constructor(
    /** Absolute path of the model file. */
    readonly file: string,
    /** SHA-256 of the bytes the session was made from, hex. */
    readonly sha256: string,
    private readonly session: OrtSession,
    private readonly runtime: OnnxRuntime,
    declared: Record<string, OnnxInput<T>>,
    /** The outputs each answer has. */
    readonly outputNames: readonly string[],
    maxBatch: number,
  ) {
    this.inputs = Object.entries(declared).map(([name, input]) => [name, input, input.shape.reduce((a, b) => a * b, 1)]);
    this.maxBatch = maxBatch;
  }

  get inputNames(): string[] {
    return this.inputs.map(([name]) => name);
  }

  /** One run for one record. */
  async score(record: T): Promise<OnnxRow> {
    return (await this.run([record]))[0]!;
  }

  /** One run per batch of records (several when the model's batch size is fixed and smaller); answers in the records' order. */
  async scoreBatch(records: readonly T[]): Promise<OnnxRow[]> {
    if (records.length === 0) return [];
    if (records.length <= this.maxBatch) return this.run(records);
    const rows: OnnxRow[] = [];
    for (let i = 0; i < records.length; i += this.maxBatch) rows.push(...(await this.run(records.slice(i, i + this.maxBatch))));
    return rows;
  }

  private async run(given: readonly T[]): Promise<OnnxRow[]> {
    // A model with a fixed batch size takes exactly that many: a short run is filled with
    // copies of its last record, whose answers are dropped.
    const records = Number.isFinite(this.maxBatch) && given.length < this.maxBatch ? [...given, ...new Array<T>(this.maxBatch - given.length).fill(given[given.length - 1]!)] : given;
    const n = records.length;
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, input, size] of this.inputs) {
      const data = allocate(input.type, n * size);
      records.forEach((record, r) => {
        const values = input.from(record);
        if (typeof values === 'number') {
          if (size !== 1) throw this.badInput(name, size, 1);
          put(data, r * size, values);
          return;
        }
        if (values?.length !== size) throw this.badInput(name, size, values?.length);
        for (let i = 0; i < size; i++) put(data, r * size + i, values[i]!);
      });
      feeds[name] = new this.runtime.Tensor(input.type, data, [n, ...input.shape]);
    }
    const results = await this.session.run(feeds, this.outputNames);
    const rows: OnnxRow[] = Array.from({ length: n }, () => ({}));
    for (const name of this.outputNames) {
      const tensor = results[name]!;
      const data = tensor.data as ArrayLike<number | bigint>;
      if (tensor.dims[0] !== n || data.length % n !== 0) {
        throw new FastdataError('FD_MODEL_LOAD_FAILED', `${this.file}: output '${name}' has shape [${tensor.dims.join(', ')}] for a batch of ${n}; fastdata reads outputs with the batch dimension first`, {
          context: { file: this.file, field: `outputs.${name}` },
        });
      }
      const width = data.length / n;
      for (let r = 0; r < n; r++) {
        const row = new Array<number>(width);
        for (let i = 0; i < width; i++) row[i] = Number(data[r * width + i]!);
        rows[r]![name] = row;
      }
    }
    return rows.length === given.length ? rows : rows.slice(0, given.length);
  }

  private badInput(name: string, size: number, got: number | undefined): FastdataError {
    return new FastdataError('FD_RECORD_INVALID', `${this.file}: inputs.${name}.from(record) must give ${size} number${size === 1 ? '' : 's'} (the declared shape), gave ${got === undefined ? 'no array' : got}`, {
      context: { file: this.file, field: `inputs.${name}.from` },
    });
  }

  /** Frees the session (a reloaded module's old model is left to the garbage collector instead: runs may still be in flight). */
  release(): Promise<void> {
    return this.session.release();
  }
}

function allocate(type: OnnxElementType, length: number): Float32Array | Float64Array | Int32Array | BigInt64Array {
  switch (type) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
  }
}

function put(data: Float32Array | Float64Array | Int32Array | BigInt64Array, i: number, value: number): void {
  if (data instanceof BigInt64Array) data[i] = BigInt(Math.trunc(value));
  else data[i] = value;
}

/** Loads an ONNX model file and checks its inputs against `options.inputs`; FD_MODEL_LOAD_FAILED says what does not fit. */
export async function onnxModel<T>(path: string | URL, options: OnnxModelOptions<T>): Promise<OnnxModel<T>> {
  const loadedBy = callerFile();
  const file = path instanceof URL ? fileURLToPath(path) : isAbsolute(path) ? path : resolve(options?.root ?? process.cwd(), path);
  checkDeclaredInputs(file, options?.inputs);
  for (const [name, input] of Object.entries(options.inputs)) {
    if (typeof input.from !== 'function') {
      throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: inputs.${name}.from must be a function of the record that gives its values, e.g. from: (r) => [r.mean, r.std]`, {
        context: { file, field: `inputs.${name}.from` },
      });
    }
  }
  const runtime = options.runtime ?? onnxRuntime(options.root);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new FastdataError('FD_MODEL_LOAD_FAILED', `cannot read the model file ${file}: ${errorMessage(error)}`, { context: { file }, cause: error });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let session: OrtSession;
  try {
    session = await runtime.InferenceSession.create(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options.session);
  } catch (error) {
    throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file} is not a model onnxruntime can load: ${errorMessage(error)}`, { context: { file }, cause: error });
  }
  try {
    const maxBatch = checkModelInputs(file, options.inputs, session.inputMetadata);
    const outputs = checkOutputs(file, session, options.outputs);
    const model = new OnnxModel<T>(file, sha256, session, runtime, options.inputs, outputs, maxBatch);
    recordModelLoad({ file, sha256, bytes: bytes.byteLength, loadedAt: Date.now(), loadedBy });
    return model;
  } catch (error) {
    await session.release().catch(() => undefined);
    throw isFastdataError(error) ? error : new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: ${errorMessage(error)}`, { context: { file }, cause: error });
  }
}

function checkOutputs(file: string, session: OrtSession, wanted: readonly string[] | undefined): string[] {
  const tensors = session.outputMetadata.filter((m) => m.isTensor).map((m) => m.name);
  if (wanted === undefined) {
    if (tensors.length === 0) throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: the model has no tensor output (${session.outputNames.join(', ')}); export it with tensor outputs (skl2onnx: options={'zipmap': False})`, { context: { file, field: 'outputs' } });
    return tensors;
  }
  for (const name of wanted) {
    if (!session.outputNames.includes(name)) {
      throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: outputs lists '${name}', which the model does not have; its outputs: ${session.outputNames.join(', ')}`, { context: { file, field: 'outputs' } });
    }
    if (!tensors.includes(name)) {
      throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: output '${name}' is not a tensor (a map or sequence, e.g. scikit-learn's ZipMap); read another output, or export it with tensor outputs (skl2onnx: options={'zipmap': False})`, {
        context: { file, field: 'outputs' },
      });
    }
  }
  return [...wanted];
}
