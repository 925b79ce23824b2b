/**
 * MurmurHash3 x86_128 (Austin Appleby, public domain; SMHasher), the hash under the
 * distinct-count and count-min sketches. Why this one: the sketches' error bounds assume
 * hash values that behave as uniform random bits, and MurmurHash3 passes SMHasher's
 * distribution and avalanche tests; its x86_128 variant gives 128 bits using only 32-bit
 * multiplies (Math.imul), so it runs at full speed in JavaScript where the x64 variant or
 * xxHash64 would need BigInt. HyperLogLog takes 64 of the bits (a 32-bit hash saturates:
 * collisions bias a distinct count upward from about 10^8 values), count-min two 32-bit
 * lanes for its rows (Kirsch and Mitzenmacher's double hashing).
 *
 * Values are hashed as bytes: a string as its UTF-8 encoding, a number as its 8 IEEE-754
 * bytes (little-endian, with -0 taken as 0), so the same text or number hashes alike in
 * every process and after every restart: sketches of different partitions and of earlier
 * runs merge. The number 1 and the string "1" are different values.
 *
 * The result is left in `hashOut` (h1..h4), which saves an allocation per record.
 */
import { FastdataError } from '../../errors.js';

/** The four 32-bit words of the last hash (unsigned). */
export const hashOut = new Uint32Array(4);

let scratch = new Uint8Array(256);
let scratchView = new DataView(scratch.buffer);
const encoder = new TextEncoder();

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
// At module level: a closure made per call costs more than the hash under tsx (which names each one).
const read = (data: Uint8Array, i: number) => data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** MurmurHash3_x86_128 of `len` bytes of `data` with `seed`, into `hashOut`. */
export function murmur3x86_128(data: Uint8Array, len: number, seed = 0): Uint32Array {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocks = len & ~15;
  for (let i = 0; i < blocks; i += 16) {
    let k1 = read(data, i);
    let k2 = read(data, i + 4);
    let k3 = read(data, i + 8);
    let k4 = read(data, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The tail: up to 15 bytes, in the reference's fall-through order.
  const rest = len & 15;
  if (rest > 12) {
    let k4 = 0;
    for (let j = rest - 1; j >= 12; j--) k4 = (k4 << 8) | data[blocks + j]!;
    h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  }
  if (rest > 8) {
    let k3 = 0;
    for (let j = Math.min(rest, 12) - 1; j >= 8; j--) k3 = (k3 << 8) | data[blocks + j]!;
    h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  }
  if (rest > 4) {
    let k2 = 0;
    for (let j = Math.min(rest, 8) - 1; j >= 4; j--) k2 = (k2 << 8) | data[blocks + j]!;
    h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  }
  if (rest > 0) {
    let k1 = 0;
    for (let j = Math.min(rest, 4) - 1; j >= 0; j--) k1 = (k1 << 8) | data[blocks + j]!;
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  hashOut[0] = h1;
  hashOut[1] = h2 + h1;
  hashOut[2] = h3 + h1;
  hashOut[3] = h4 + h1;
  return hashOut;
}

/** A value the sketches count: a string, or a finite number. */
export type SketchItem = string | number;

/**
 * Hashes a string (UTF-8) or a finite number (IEEE-754 bytes) into `hashOut` and answers
 * true; answers false for null, undefined and non-finite numbers (skipped, as the
 * aggregators skip them); throws FD_ARGUMENT_INVALID naming `what` for any other type.
 */
export function hashItem(x: unknown, what: string): boolean {
  if (typeof x === 'string') {
    if (x.length * 3 > scratch.length) grow(x.length * 3);
    const { written } = encoder.encodeInto(x, scratch);
    murmur3x86_128(scratch, written);
    return true;
  }
  if (typeof x === 'number') {
    if (x - x !== 0) return false;
    scratchView.setFloat64(0, x === 0 ? 0 : x, true);
    murmur3x86_128(scratch, 8);
    return true;
  }
  if (x === null || x === undefined) return false;
  throw new FastdataError(
    'FD_ARGUMENT_INVALID',
    `${what}: a value of type ${Array.isArray(x) ? 'array' : typeof x} cannot be counted; give a string or a number (e.g. String(x), or JSON.stringify(x) for an object)`,
    { context: { field: what } },
  );
}

function grow(bytes: number): void {
  scratch = new Uint8Array(Math.max(bytes, scratch.length * 2));
  scratchView = new DataView(scratch.buffer);
}
