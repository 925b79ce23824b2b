/**
 * Running means under a fading factor, the building block of the prequential metrics: with
 * factor 1 the plain running mean of everything seen; with a factor a < 1 each older value's
 * weight is multiplied by a at every new value, so the mean follows the recent values
 * (roughly the last 1 / (1 - a)) and a model that degrades shows within that many records.
 *
 *   W = a W + 1;  mean += (x - mean) / W
 *
 * Reference: J. Gama, R. Sebastião, P. P. Rodrigues, "On evaluating stream learning
 * algorithms", Machine Learning 90(3), 2013 (prequential error with fading factors).
 */
import { invalidArgument } from '../../errors.js';

/** `fading` if it is a number in (0, 1], else FD_ARGUMENT_INVALID naming `field`. */
export function checkFading(fading: unknown, field = 'fading'): number {
  if (typeof fading !== 'number' || !(fading > 0 && fading <= 1)) {
    const shown = typeof fading === 'number' ? String(fading) : (JSON.stringify(fading) ?? String(fading));
    throw invalidArgument(field, `${shown} is not a fading factor in (0, 1]; e.g. 0.99 weighs roughly the last 100 records, 1 weighs all alike`);
  }
  return fading;
}
