/**
 * The alert book as changelog entries (src/stream/host/changelog.ts), so that a checkpoint
 * writes what changed since the last one, in requests under the state topic's size limit,
 * instead of the whole book as one record (which stops fitting at about 100k keys):
 *
 *   store `rule:<name>`, id = the alert key    the key's KeySnapshot; null once evicted
 *   store `rule:<name>`, id `@rule`            the rule's watermark and counters
 *   store `rule:<name>`, id `@identity`        what the rule was (rule-identity.ts): a rule
 *                                              loaded with another identity, or no longer
 *                                              loaded, is retired at restore (its firing
 *                                              alerts resolved, its entries deleted)
 *
 * An alert key that starts with `@` is written with one more `@` in front, so that no key
 * (not even one spelled `@rule`) can overwrite the rule's own entry in the compacted topic.
 */
import type { StateEntry } from '../../stream/host/changelog.js';
import { AlertBook, type BookEntry, type EvaluatorOptions, type EvaluatorSnapshot, type KeySnapshot, type RuleProgress } from '../engine/index.js';
import { identityChange, readIdentity, type RuleIdentity } from './rule-identity.js';

const RULE_ENTRY = '@rule';
const IDENTITY_ENTRY = '@identity';
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
  /**
   * Entries to write with the first checkpoint, in order: deletions of every entry of the
   * rules retired (no longer loaded, or loaded with another identity), then the identity of
   * each loaded rule whose stored one is missing or different.
   */
  dropped: StateEntry[];
  /** The rules retired, with what they had firing: their alerts are resolved (retire.ts). */
  retired: RetiredRule[];
}

/** The reason of a rule retired because no rule of its name is loaded. */
export const NOT_LOADED = 'no longer loaded';

/** A rule whose state was not restored: its firing keys are told resolved with `reason`. */
export interface RetiredRule {
  rule: string;
  /** What the rule was; undefined for state written before identities were kept (then nothing is resolved). */
  identity: RuleIdentity | undefined;
  /** NOT_LOADED, or what changed: "severity warning -> critical". */
  reason: string;
  /** Its watermark when it was checkpointed (null: none). */
  watermark: number | null;
  firing: KeySnapshot[];
}

/**
 * The book the entries describe, for these rules (a rule without entries starts empty).
 * With `identities` (per loaded rule), a stored rule whose identity differs, or that is not
 * loaded, is retired instead of restored; without them (tests of the book alone), rules are
 * matched by name only and the state of rules not loaded is dropped.
 */
export function restoreBook(rules: readonly BookEntry[], entries: readonly StateEntry[], options: EvaluatorOptions, identities?: ReadonlyMap<string, RuleIdentity>): RestoredBook {
  const loaded = new Set(rules.map((r) => r.rule.name));
  const stores = new Map<string, StateEntry[]>();
  for (const entry of entries) {
    if (!entry.store.startsWith(STORE_PREFIX)) continue;
    const list = stores.get(entry.store);
    if (list) list.push(entry);
    else stores.set(entry.store, [entry]);
  }
  const snapshots: Record<string, EvaluatorSnapshot> = {};
  const dropped: StateEntry[] = [];
  const retired: RetiredRule[] = [];
  const storedIdentity = new Map<string, RuleIdentity | undefined>();
  for (const [store, list] of stores) {
    const rule = store.slice(STORE_PREFIX.length);
    const stored = readIdentity(list.find((e) => e.id === IDENTITY_ENTRY)?.value);
    storedIdentity.set(rule, stored);
    const wanted = identities?.get(rule);
    const reason = !loaded.has(rule) ? NOT_LOADED : stored && wanted ? identityChange(stored, wanted) : undefined;
    const snapshot = readSnapshot(rule, list);
    if (reason === undefined) {
      snapshots[rule] = snapshot;
      continue;
    }
    for (const { id } of list) dropped.push({ store, id, value: null });
    if (identities) retired.push({ rule, identity: stored, reason, watermark: snapshot.watermark, firing: snapshot.keys.filter((k) => k.phase === 'firing') });
  }
  if (identities) {
    for (const [rule, identity] of identities) {
      const stored = storedIdentity.get(rule);
      const kept = stored !== undefined && snapshots[rule] !== undefined && identityChange(stored, identity) === undefined;
      if (!kept) dropped.push({ store: storeOf(rule), id: IDENTITY_ENTRY, value: identity });
    }
  }
  // Least recently seen first, as the key table keeps them (eviction takes the oldest
  // inactive key): the changelog's order is the order keys first appeared, not last.
  for (const snapshot of Object.values(snapshots)) snapshot.keys.sort((a, b) => a.lastSeen - b.lastSeen);
  return { book: AlertBook.restore(rules, { version: 1, rules: snapshots }, options), dropped, retired };
}

function readSnapshot(rule: string, entries: readonly StateEntry[]): EvaluatorSnapshot {
  const snapshot: EvaluatorSnapshot = { version: 1, rule, watermark: null, keys: [], counters: ZERO_COUNTERS };
  for (const { id, value } of entries) {
    if (id === IDENTITY_ENTRY) continue;
    if (id === RULE_ENTRY) {
      const progress = value as Partial<RuleProgress> | null;
      snapshot.watermark = progress?.watermark ?? null;
      snapshot.counters = { ...ZERO_COUNTERS, ...progress?.counters };
    } else {
      // The key is in the entry's id; the snapshot's own copy is what RuleEvaluator.restore checks.
      snapshot.keys.push({ ...(value as KeySnapshot), key: keyOf(id) });
    }
  }
  return snapshot;
}
