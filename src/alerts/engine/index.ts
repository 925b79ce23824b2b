export type { EngineRule } from './rule.js';
export type { AlertNotification, AlertStatus } from './notification.js';
export { fingerprintOf, alertId } from './notification.js';
export { RuleEvaluator, type EvaluatorChanges, type EvaluatorOptions, type EvaluatorSnapshot, type EvaluatorStats, type RuleProgress } from './evaluator.js';
export { AlertBook, type AlertBookSnapshot, type BookEntry } from './book.js';
export { DEFAULT_MAX_KEYS } from './key-table.js';
export type { KeySnapshot, Phase } from './key-state.js';
