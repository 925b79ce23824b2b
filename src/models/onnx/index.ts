/** ONNX models scored in the stream (docs/models/onnx.md). */
export { onnxModel, OnnxModel } from './onnx-model.js';
export type { OnnxInput, OnnxModelOptions, OnnxRow } from './onnx-model.js';
export { scoreBatches, scoreEach } from './score.js';
export type { OnnxElementType } from './runtime.js';
export { modelFilesOf } from './model-files.js';
export type { LoadedModelFile } from './model-files.js';
