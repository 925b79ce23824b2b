/**
 * An alert rule after loading: every field and expression checked against the source
 * topic's schema, durations in milliseconds, expressions compiled to plain functions.
 * The alert engine consumes this and nothing else of the rule files.
 */
export type Severity = 'info' | 'warning' | 'critical';

export interface CompiledRule {
  /** Unique across all rule files: `[a-z0-9-]`. */
  name: string;
  description?: string;
  /** As problems name it: `alerts/overheating.yaml`. */
  file: string;
  /** Line of the rule in its file (1-based). */
  line: number;
  /** The output topic the rule reads. */
  source: string;
  /** Dotted field path of the key: one alert instance per value. */
  keyPath: string;
  /** The key of a record as a string; undefined when the record has none (null or missing). */
  keyOf(value: unknown): string | undefined;
  /** Threshold rules: whether a record meets the condition. A condition over a null value is not met. */
  when?: (value: unknown) => boolean;
  /** Hysteresis: once firing, the alert resolves only when this holds. */
  recover?: (value: unknown) => boolean;
  /** Absence rules: fire when a key sent nothing for this long in event time. */
  absentMs?: number;
  /** Event time the condition must hold before firing (0: at once). */
  forMs: number;
  /** Event time the alert stays firing after `when` stops holding (0 with `recover`). */
  keepFiringForMs: number;
  severity: Severity;
  labels: Record<string, string>;
  /** The annotations with their `{{ field }}` placeholders filled from a record. */
  annotate(value: unknown): Record<string, string>;
  receivers: string[];
}
