/**
 * A seeded random sequence whose whole state is one 32-bit number, so a model can keep it in
 * its JSON state and a restart continues the same sequence: Tommy Ettinger's mulberry32
 * (floats in [0, 1), good enough for seeding and sampling, not for secrets).
 */

/** The next float in [0, 1) and the state after it. */
export function mulberryNext(state: number): [value: number, next: number] {
  const a = (state + 0x6d2b79f5) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4_294_967_296, a];
}
