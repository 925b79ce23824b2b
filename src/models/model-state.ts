/**
 * What every online model's state carries: its kind and the version of its layout. A model's
 * state lives in `mapWithState` or in a window's accumulator, and so in the changelog: a
 * restart restores it as JSON, whatever version of the code wrote it. The version lets the
 * code that reads it tell a layout it understands from one it does not, and say so, rather
 * than compute nonsense from fields that changed meaning.
 *
 * A model bumps its version when the meaning of a field changes, and either migrates the
 * older layout in its own `check` or lets this refuse it (then `fastdata reset` of the
 * module, or a new state name, starts it afresh).
 */
import { FastdataError } from '../errors.js';

export interface ModelState<K extends string = string> {
  /** Which model wrote it, e.g. 'kmeans'. */
  kind: K;
  /** The layout version of that model's state. */
  v: number;
}

/**
 * Throws FD_MODEL_STATE_INVALID unless `state` is a state of `kind` at version `v`: called
 * by each model's update and query functions (one comparison of two fields per call).
 */
export function checkModelState<K extends string>(state: unknown, kind: K, v: number): asserts state is ModelState<K> {
  const found = state as Partial<ModelState> | null;
  if (found !== null && typeof found === 'object' && found.kind === kind && found.v === v) return;
  const what = found === null || typeof found !== 'object' ? JSON.stringify(found) : `kind ${JSON.stringify(found.kind)} version ${JSON.stringify(found.v)}`;
  throw new FastdataError(
    'FD_MODEL_STATE_INVALID',
    `a ${kind} model was given a state of ${what}, where it reads version ${v}: ` +
      'the state was written by another model or another version of it; give the new model a new state name, or reset the module (`fastdata reset <module>`)',
    { context: { field: 'state' } },
  );
}
