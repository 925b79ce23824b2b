/**
 * The hash under the sketches is MurmurHash3 x86_128 as published: SMHasher's verification
 * value, and digests of strings and numbers taken from the Python mmh3 package (5.x,
 * `mmh3.hash128(bytes, 0, x64arch=False, signed=False)`, split into four 32-bit words).
 */
import { describe, expect, it } from 'vitest';
import { hashItem, hashOut, murmur3x86_128 } from '../../../../src/models/sketches/murmur3.js';

const words = () => Array.from(hashOut, (x) => x.toString(16));

describe('murmur3x86_128', () => {
  it("passes SMHasher's verification test (0xB3ECE62A): keys 0..i of every length up to 255, seeded 256 - i", () => {
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(16 * 256);
    const view = new DataView(hashes.buffer);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      const h = murmur3x86_128(key, i, 256 - i);
      for (let j = 0; j < 4; j++) view.setUint32(i * 16 + j * 4, h[j]!, true);
    }
    expect(murmur3x86_128(hashes, hashes.length, 0)[0]).toBe(0xb3ece62a);
  });

  it("hashes strings as their UTF-8 bytes, as mmh3 does", () => {
    const expected: [string, string[]][] = [
      ['', ['0', '0', '0', '0']],
      ['a', ['a794933c', '5556b01b', '5556b01b', '5556b01b']],
      ['hello', ['2b2444a0', 'db91def7', '9adb31b6', '9adb31b6']],
      ['The quick brown fox jumps over the lazy dog', ['2f1583c3', 'ecee2c67', '5d7bf66c', 'e5e91d2c']],
      ['héllo wörld ✓ 𝄞', ['e9c71bfb', 'fd5f9c99', 'db9b814e', '72f76cdb']],
      ['abcdefghijklmnop', ['9fd27627', '90b91256', 'e4ce8b21', 'd193ba45']],
    ];
    for (const [text, digest] of expected) {
      expect(hashItem(text, 'x')).toBe(true);
      expect(words()).toEqual(digest);
    }
  });

  it('hashes numbers as their little-endian IEEE-754 bytes, -0 as 0', () => {
    const expected: [number, string[]][] = [
      [0, ['e028ae41', '4772b084', '4772b084', '4772b084']],
      [1, ['d149cd2e', 'fb9fde43', 'beb25c42', 'beb25c42']],
      [-2.5, ['f69afd80', 'f1d7ecaf', '18eca4cc', '18eca4cc']],
      [1e300, ['5836dae9', 'c4532071', 'a980febf', 'a980febf']],
    ];
    for (const [x, digest] of expected) {
      hashItem(x, 'x');
      expect(words()).toEqual(digest);
    }
    hashItem(-0, 'x');
    expect(words()).toEqual(expected[0]![1]);
  });

  it('skips null, undefined and non-finite numbers, and refuses other types naming the field', () => {
    for (const x of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) expect(hashItem(x, 'x')).toBe(false);
    expect(() => hashItem({ id: 1 }, 'distinctCount value')).toThrow(
      'distinctCount value: a value of type object cannot be counted; give a string or a number (e.g. String(x), or JSON.stringify(x) for an object)',
    );
    expect(() => hashItem([1], 'x')).toThrow(/a value of type array/);
  });
});
