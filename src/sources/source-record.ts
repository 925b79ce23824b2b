/**
 * What every kind of source (file, MQTT, Kafka bridge) hands to the source writer
 * (source-writer.ts), one per input record: the parsed value, or why it could not be
 * parsed, with where it came from and its raw bytes. The writer checks the value against
 * the topic's schema, writes the good ones and sends the others, bytes and position
 * included, to the source's dead-letter topic: a bad record never stops a source and is
 * never lost.
 */
export interface SourceRecord {
  /** The parsed record (a plain object); absent when it could not be parsed. */
  value?: unknown;
  /** Why it could not be parsed, in words ("unclosed quote", "not JSON: ..."); absent when parsed. */
  error?: string;
  /** Where it came from, for the dead letter and the error: `line 17`, `block 3`, `row 1200`, `fleet/s-1/reading`. */
  where: string;
  /** Its raw bytes (the line, the MQTT payload; for binary formats what can be cut out), kept in the dead letter. */
  raw: Buffer;
  /** A key given by the transport (an MQTT topic level), used when the source declares no key field. */
  key?: string;
}
