/** The public face of alert rules: what the alert engine and the CLI use. */
export type { CompiledRule, Severity } from './compiled-rule.js';
export { loadAlertRules, type LoadedRules, type SchemaOf } from './load.js';
export { SEVERITIES } from './rule-file-schema.js';
