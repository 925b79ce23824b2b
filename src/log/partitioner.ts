/**
 * Kafka's default partitioner for keyed records: `toPositive(murmur2(keyBytes)) % numPartitions`,
 * bit for bit as `org.apache.kafka.common.utils.Utils.murmur2` computes it, so a key lands on
 * the same partition whether the embedded log or any Kafka client wrote it.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of a byte array, as a signed 32-bit integer (like the Java `int`). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (remaining >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (remaining >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

const SCRATCH_BYTES = 256;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
const scratchViews: Buffer[] = [];

/**
 * The partition of a string key (its UTF-8 bytes), as `partitionForKey`. An ASCII key is
 * hashed from a scratch buffer, not a Buffer of its own: keys are mostly short ASCII ids,
 * and this runs per record (the embedded log's producer, a keyBy choosing the task of a key).
 */
export function partitionForStringKey(key: string, partitions: number): number {
  const n = key.length;
  if (n > SCRATCH_BYTES) return partitionForKey(Buffer.from(key), partitions);
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c > 127) return partitionForKey(Buffer.from(key), partitions);
    scratch[i] = c;
  }
  let view = scratchViews[n];
  if (view === undefined) scratchViews[n] = view = scratch.subarray(0, n);
  return partitionForKey(view, partitions);
}
