/**
 * onnxruntime-node, loaded only when a module loads an ONNX model. It is an optional peer
 * dependency of fastdata: with every platform's binaries it weighs about 250 MB, which a
 * project that scores no ONNX model must not download. It is looked up from the project
 * (its package.json), then from fastdata's own folder, with createRequire, and described
 * here only as far as fastdata uses it (so fastdata's types do not need the package).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FastdataError, errorMessage } from '../../errors.js';

/** The element types fastdata feeds and reads (ONNX tensor types, as onnxruntime names them). */
export type OnnxElementType = 'float32' | 'float64' | 'int32' | 'int64';

/** A tensor's metadata, as `InferenceSession.inputMetadata` gives it (a symbolic dimension is a string). */
export type OrtValueMetadata =
  | { readonly name: string; readonly isTensor: false }
  | { readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: ReadonlyArray<number | string> };

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number | bigint> | readonly unknown[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly OrtValueMetadata[];
  readonly outputMetadata: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OnnxRuntime {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array | Float64Array | Int32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}

export const ONNX_PACKAGE = 'onnxruntime-node';

let loaded: OnnxRuntime | undefined;

/**
 * The package, required from the first of `from` (package.json paths or file URLs) that
 * has it. FD_MODEL_LOAD_FAILED naming the package and the install command when none has.
 */
export function resolveOnnxRuntime(from: readonly string[]): OnnxRuntime {
  const problems: string[] = [];
  for (const base of from) {
    try {
      return createRequire(base)(ONNX_PACKAGE) as OnnxRuntime;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Not installed there: try the next place. Installed but broken (a missing binary for this platform): say so.
      if (code === 'MODULE_NOT_FOUND' && errorMessage(error).includes(`'${ONNX_PACKAGE}'`)) continue;
      problems.push(`${base}: ${errorMessage(error)}`);
    }
  }
  if (problems.length > 0) {
    throw new FastdataError('FD_MODEL_LOAD_FAILED', `${ONNX_PACKAGE} is installed but does not load: ${problems.join('; ')}; reinstall it (npm install ${ONNX_PACKAGE}) on this platform`, {
      context: { package: ONNX_PACKAGE },
    });
  }
  throw new FastdataError(
    'FD_MODEL_LOAD_FAILED',
    `scoring ONNX models needs the package ${ONNX_PACKAGE}, which is not installed: run \`npm install ${ONNX_PACKAGE}\` in the project ` +
      `(an optional peer dependency of fastdata, left out of projects that score no ONNX model: it is about 250 MB)`,
    { context: { package: ONNX_PACKAGE } },
  );
}

/** onnxruntime-node for the project at `root` (default: the current directory), loaded once. */
export function onnxRuntime(root: string = process.cwd()): OnnxRuntime {
  loaded ??= resolveOnnxRuntime([join(root, 'package.json'), import.meta.url]);
  return loaded;
}
