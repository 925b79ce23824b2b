/**
 * What the alert engine needs of a rule. Declared here rather than imported from the
 * rule loader so the engine stays a pure state machine with no dependency on YAML,
 * schemas or expressions: the loader's CompiledRule satisfies this shape structurally.
 */
export interface EngineRule {
  name: string;
  keyOf(value: unknown): string | undefined;
  when?: (value: unknown) => boolean;      // condition rules
  recover?: (value: unknown) => boolean;   // hysteresis: firing ends only when this holds
  absentMs?: number;                       // absence rules (no `when`): fire when a key sent nothing this long
  forMs: number;                           // event time the condition must hold before firing
  keepFiringForMs: number;                 // stays firing this long (event time) after `when` stops, when no `recover`
  severity: 'info' | 'warning' | 'critical';
  labels: Record<string, string>;
  annotate(value: unknown): Record<string, string>;
  receivers: string[];
}
