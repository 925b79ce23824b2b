/**
 * Checks of a model's numeric options at init, shared by the model families: each throws
 * FD_ARGUMENT_INVALID naming the option, the value given and the range it must be in, so a
 * typo in a stream module is an error at start rather than a model that quietly computes nonsense.
 */
import { invalidArgument } from '../errors.js';

const shown = (value: unknown) => (typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)));

/** `value` if it is a whole number in [min, max], else FD_ARGUMENT_INVALID naming `field`. */
export function wholeOption(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER, hint = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw invalidArgument(field, `${shown(value)} is not a whole number ${range}${hint ? `; ${hint}` : ''}`);
  }
  return value;
}

/**
 * `value` if it is a number in the interval from `min` to `max` (each end open or closed
 * as `closed` says), else FD_ARGUMENT_INVALID naming `field`.
 */
export function numberOption(field: string, value: unknown, min: number, max: number, closed: '[]' | '(]' | '[)' | '()', hint = ''): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (closed[0] === '[' ? value >= min : value > min) &&
    (closed[1] === ']' ? value <= max : value < max);
  if (!ok) {
    const range = `${closed[0]}${min}, ${max === Infinity ? '∞' : max}${closed[1]}`;
    throw invalidArgument(field, `${shown(value)} is not a number in ${range}${hint ? `; ${hint}` : ''}`);
  }
  return value as number;
}

/** `value` if it is true or false, else FD_ARGUMENT_INVALID naming `field`. */
export function booleanOption(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(field, `${shown(value)} is not true or false`);
  return value;
}

/** `value` if it is one of `allowed`, else FD_ARGUMENT_INVALID naming `field` and the choices. */
export function choiceOption<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalidArgument(field, `${shown(value)} is not one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return value as T;
}

/** FD_ARGUMENT_INVALID unless `options` is an object (or undefined, when `optional`). */
export function optionsObject<T extends object>(what: string, options: unknown, optional: boolean): Partial<T> {
  if (options === undefined && optional) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(what, `${shown(options)} is not an options object; pass e.g. ${what}({ ... }) with the options its documentation lists`);
  }
  return options as Partial<T>;
}
