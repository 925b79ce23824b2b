/**
 * The check at load that a model's inputs are what the module feeds it: the same input
 * names, element types and shapes. A module declares each input per record (`shape: [4]`:
 * four numbers a record); the model's input then has a batch dimension first (`[N, 4]`, N
 * symbolic, or a fixed number that caps the batch). Any mismatch is one error that names
 * the input and shows both sides, at load, not at the first record.
 */
import { FastdataError } from '../../errors.js';
import type { OnnxElementType, OrtValueMetadata } from './runtime.js';

export const ELEMENT_TYPES: readonly OnnxElementType[] = ['float32', 'float64', 'int32', 'int64'];

/** What a module declares of one input: its element type and its shape per record. */
export interface DeclaredInput {
  type: OnnxElementType;
  shape: readonly number[];
}

const shown = (shape: ReadonlyArray<number | string>) => `[${shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : String(d))).join(', ')}]`;
const describe = (m: OrtValueMetadata) => (m.isTensor ? `${m.type} ${shown(m.shape)}` : 'not a tensor');

/** Checks a declaration (types and shapes are valid) before any model is read. */
export function checkDeclaredInputs(file: string, inputs: Record<string, DeclaredInput>): void {
  const names = Object.keys(inputs ?? {});
  if (names.length === 0) {
    throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: declare the model's inputs: onnxModel(file, { inputs: { <name>: { type: 'float32', shape: [<numbers per record>], from: (r) => [...] } } })`, {
      context: { file, field: 'inputs' },
    });
  }
  for (const name of names) {
    const input = inputs[name]!;
    if (!ELEMENT_TYPES.includes(input?.type)) {
      throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: inputs.${name}.type must be one of ${ELEMENT_TYPES.join(', ')}, got ${JSON.stringify(input?.type)}`, {
        context: { file, field: `inputs.${name}.type` },
      });
    }
    if (!Array.isArray(input.shape) || input.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: inputs.${name}.shape must be the shape of one record's values, whole numbers of at least 1 ([4] for four features), got ${JSON.stringify(input.shape)}`, {
        context: { file, field: `inputs.${name}.shape` },
      });
    }
  }
}

/**
 * Compares the declaration with the model's inputs; returns the largest batch the model
 * takes (Infinity when its batch dimension is symbolic). Throws FD_MODEL_LOAD_FAILED.
 */
export function checkModelInputs(file: string, declared: Record<string, DeclaredInput>, model: readonly OrtValueMetadata[]): number {
  const fail = (message: string, field: string) => {
    throw new FastdataError('FD_MODEL_LOAD_FAILED', `${file}: ${message}`, { context: { file, field } });
  };
  const theirs = model.map((m) => `${m.name} (${describe(m)})`).join(', ');
  for (const m of model) {
    if (!(m.name in declared)) fail(`the model has an input '${m.name}' (${describe(m)}) that the module does not declare; declare inputs.${m.name} (the model's inputs: ${theirs})`, `inputs.${m.name}`);
  }
  let maxBatch = Number.POSITIVE_INFINITY;
  for (const [name, d] of Object.entries(declared)) {
    const m = model.find((x) => x.name === name);
    const ours = `${d.type} [batch, ${d.shape.join(', ')}]`;
    if (!m) fail(`the module declares an input '${name}' (${ours}) that the model does not have; the model's inputs: ${theirs}`, `inputs.${name}`);
    if (!m!.isTensor) fail(`input '${name}' of the model is not a tensor; fastdata feeds tensors only`, `inputs.${name}`);
    const tensor = m as Extract<OrtValueMetadata, { isTensor: true }>;
    const mismatch = (what: string) =>
      fail(`input '${name}': the model takes ${tensor.type} ${shown(tensor.shape)} and the module declares ${ours} (${what}); make the declaration match the model (shape is per record, after the batch dimension), or export the model again`, `inputs.${name}`);
    if (tensor.type !== d.type) mismatch('the element types differ');
    // An empty shape: the model does not say; the run will.
    if (tensor.shape.length === 0) continue;
    if (tensor.shape.length !== d.shape.length + 1) mismatch(`the model's input has ${tensor.shape.length} dimensions, the declaration ${d.shape.length} per record plus the batch`);
    tensor.shape.slice(1).forEach((dim, i) => {
      if (typeof dim === 'number' && dim >= 0 && dim !== d.shape[i]) mismatch(`dimension ${i + 1} is ${dim} in the model, ${d.shape[i]} in the declaration`);
    });
    const batch = tensor.shape[0];
    if (typeof batch === 'number' && batch > 0) maxBatch = Math.min(maxBatch, batch);
  }
  return maxBatch;
}
