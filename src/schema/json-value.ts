/**
 * The JSON form of a value decoded from Avro: Buffers (bytes, fixed, decimal) as base64,
 * everything else as JSON.stringify writes it. What REST, WebSocket, exports, `tail` and the
 * schema tools all show, so a value reads the same everywhere.
 */
export function toJsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJsonValue(inner)]));
  }
  return value;
}
