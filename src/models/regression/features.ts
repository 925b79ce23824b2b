/**
 * Features as the regression models take them: a record of named numbers
 * (`{ temperature: 21.3, humidity: 40 }`). The models keep per-feature state (weights,
 * running means) in plain JSON objects keyed by these names, so a name must not be one that
 * a plain object treats specially.
 */
import { invalidArgument } from '../../errors.js';

/** A record of named feature values; a value that is not a finite number counts as absent. */
export type Features = Readonly<Record<string, number | null | undefined>>;

/**
 * `x` if it is a features record, else FD_ARGUMENT_INVALID naming `field`. A name of
 * `__proto__` is refused: assigning it on a plain object changes the object's prototype
 * instead of storing a weight, so the model would silently forget that feature.
 */
export function checkFeatures(x: unknown, field = 'features'): Features {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) {
    const shown = JSON.stringify(x) ?? String(x);
    throw invalidArgument(field, `${shown} is not a record of named numbers; pass e.g. { temperature: r.temperature, humidity: r.humidity }`);
  }
  if (Object.hasOwn(x, '__proto__')) throw invalidArgument(`${field}.__proto__`, 'is not a usable feature name; rename the feature');
  return x as Features;
}

/** A finite number (NaN and ±Infinity give NaN for x - x): the check the aggregators use. */
export const usable = (x: unknown): x is number => typeof x === 'number' && x - x === 0;
