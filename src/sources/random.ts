/**
 * Seeded randomness for the demo generators, so a seed reproduces a fleet exactly.
 *
 * Two uses: `mulberry32(seed)` is a sequence (a fleet draws its sensors' profiles from it
 * once), and `hashUniform(seed, ...parts)` is a number that depends only on its inputs
 * (noise at a sensor and an instant, the sensor a fault hits in a period). The second is
 * what makes readings and fault schedules pure functions of (seed, sensor, event time): the
 * backfill, the live readings and a test all see the same values without replaying a sequence.
 */

const TWO_32 = 4_294_967_296;

/** Tommy Ettinger's mulberry32: a 32-bit state, floats in [0, 1), good enough for simulation (not for secrets). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32;
  };
}

/** Folds a whole number (up to 2^53, e.g. a timestamp) into a 32-bit hash state. */
function fold(h: number, value: number): number {
  const lo = ((value % TWO_32) + TWO_32) % TWO_32;
  const hi = Math.floor(value / TWO_32);
  h = Math.imul(h ^ lo, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h ^ hi, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** A uniform number in [0, 1) determined by `seed` and `parts` (whole numbers): the first draw of mulberry32 from their hash. */
export function hashUniform(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const part of parts) h = fold(h, part);
  return mulberry32(h)();
}

/** A standard normal number determined by its inputs (Box-Muller over two hashed uniforms). */
export function hashGaussian(seed: number, ...parts: number[]): number {
  const u1 = hashUniform(seed, ...parts, 1);
  const u2 = hashUniform(seed, ...parts, 2);
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
