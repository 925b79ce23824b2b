/**
 * The alert book as changelog entries (src/stream/host/changelog.ts), so that a checkpoint
 * writes what changed since the last one, in requests under the state topic's size limit,
 * instead of the whole book as one record (which stops fitting at about 100k keys):
 *
 *   store `rule:<name>`, id = the alert key    the key's KeySnapshot; null once evicted
 *   store `rule:<name>`, id `@rule`            the rule's watermark and counters
 *
 * An alert key that starts with `@` is written with one more `@` in front, so that no key
 * (not even one spelled `@rule`) can overwrite the rule's own entry in the compacted topic.
 */
import type { StateEntry } from '../../stream/host/changelog.js';
import { AlertBook, type BookEntry, type EvaluatorOptions, type EvaluatorSnapshot, type KeySnapshot, type RuleProgress } from '../engine/index.js';

const RULE_ENTRY = '@rule';
const STORE_PREFIX = 'rule:';

const storeOf = (rule: string) => `${STORE_PREFIX}${rule}`;
const idOf = (key: string) => (key.startsWith('@') ? `@${key}` : key);
const keyOf = (id: string) => (id.startsWith('@@') ? id.slice(1) : id);
const ZERO_COUNTERS: RuleProgress['counters'] = Object.freeze({ ignoredNoKey: 0, late: 0, errors: 0, evicted: 0, evictedPending: 0, rejected: 0 });

/** What changed in the book since the last call, as entries. */
export function drainBookEntries(book: AlertBook): StateEntry[] {
  const entries: StateEntry[] = [];
  for (const { rule, changes } of book.drainChanges()) {
    const store = storeOf(rule);
    for (const { key, snapshot } of changes.keys) entries.push({ store, id: idOf(key), value: snapshot });
    if (changes.progress) entries.push({ store, id: RULE_ENTRY, value: changes.progress });
  }
  return entries;
}

export interface RestoredBook {
  book: AlertBook;
  /** Deletions of the entries of rules no longer loaded: their state goes from the topic too. */
  dropped: StateEntry[];
}

/** The book the entries describe, for these rules (a rule without entries starts empty). */
export function restoreBook(rules: readonly BookEntry[], entries: readonly StateEntry[], options: EvaluatorOptions): RestoredBook {
  const loaded = new Set(rules.map((r) => r.rule.name));
  const snapshots: Record<string, EvaluatorSnapshot> = {};
  const dropped: StateEntry[] = [];
  for (const { store, id, value } of entries) {
    if (!store.startsWith(STORE_PREFIX)) continue;
    const rule = store.slice(STORE_PREFIX.length);
    if (!loaded.has(rule)) {
      dropped.push({ store, id, value: null });
      continue;
    }
    const snapshot = (snapshots[rule] ??= { version: 1, rule, watermark: null, keys: [], counters: ZERO_COUNTERS });
    if (id === RULE_ENTRY) {
      const progress = value as Partial<RuleProgress> | null;
      snapshot.watermark = progress?.watermark ?? null;
      snapshot.counters = { ...ZERO_COUNTERS, ...progress?.counters };
    } else {
      // The key is in the entry's id; the snapshot's own copy is what RuleEvaluator.restore checks.
      snapshot.keys.push({ ...(value as KeySnapshot), key: keyOf(id) });
    }
  }
  // Least recently seen first, as the key table keeps them (eviction takes the oldest
  // inactive key): the changelog's order is the order keys first appeared, not last.
  for (const snapshot of Object.values(snapshots)) snapshot.keys.sort((a, b) => a.lastSeen - b.lastSeen);
  return { book: AlertBook.restore(rules, { version: 1, rules: snapshots }, options), dropped };
}
