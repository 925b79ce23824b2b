/**
 * The state of one key of one rule, and its checkpointed form.
 *
 * Only what the lifecycle needs survives a checkpoint: phase, the key's clock and the
 * times that decide the next transition, plus the annotations the next notification
 * would carry. The record itself stays in memory only (records can be large and there
 * can be 100,000 keys), so a notification caused by the watermark just after a restore
 * carries the restored annotations and no `value`.
 */
export type Phase = 'inactive' | 'pending' | 'firing';

export interface KeyState {
  phase: Phase;
  /** The key's clock: event time of its last record. Never moves back (see RuleEvaluator.observe). */
  lastSeen: number;
  /** Pending/firing: event time of the first record for which `when` held. */
  since?: number;
  /** Firing: event time the instance started firing (part of its id). */
  startsAt?: number;
  /** Firing without `recover`: event time of the first record since firing for which `when` stopped holding. */
  keepSince?: number;
  /** Firing: tells apart instances of a key that start at the same event time (see alertId). */
  seq?: number;
  /** startsAt and seq of the key's previous instance, kept only while the key's clock is still at that instant. */
  prevStart?: number;
  prevSeq?: number;
  /** The record the next notification would carry (memory only). */
  value?: unknown;
  /** annotate(value), computed once when needed; restored from a checkpoint. */
  annotations?: Record<string, string>;
}

export interface KeySnapshot {
  key: string;
  phase: Phase;
  lastSeen: number;
  since?: number;
  startsAt?: number;
  keepSince?: number;
  seq?: number;
  prevStart?: number;
  prevSeq?: number;
  annotations?: Record<string, string>;
}

export function keySnapshot(key: string, s: KeyState, annotations: Record<string, string> | undefined): KeySnapshot {
  const out: KeySnapshot = { key, phase: s.phase, lastSeen: s.lastSeen };
  if (s.since !== undefined) out.since = s.since;
  if (s.startsAt !== undefined) out.startsAt = s.startsAt;
  if (s.keepSince !== undefined) out.keepSince = s.keepSince;
  if (s.seq !== undefined) out.seq = s.seq;
  if (s.prevStart !== undefined) out.prevStart = s.prevStart;
  if (s.prevSeq !== undefined) out.prevSeq = s.prevSeq;
  if (annotations !== undefined) out.annotations = annotations;
  return out;
}

const PHASES = new Set<Phase>(['inactive', 'pending', 'firing']);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optTime = (v: unknown): boolean => v === undefined || isTime(v);

/** Reads a checkpointed key, or undefined if it is not one (the caller names the problem). */
export function readKeySnapshot(raw: unknown): KeyState & { key: string } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.key !== 'string' || !PHASES.has(r.phase as Phase) || !isTime(r.lastSeen)) return undefined;
  if (!optTime(r.since) || !optTime(r.startsAt) || !optTime(r.keepSince)) return undefined;
  if (!optTime(r.seq) || !optTime(r.prevStart) || !optTime(r.prevSeq)) return undefined;
  if (r.phase === 'pending' && r.since === undefined) return undefined;
  if (r.phase === 'firing' && r.startsAt === undefined) return undefined;
  const state: KeyState & { key: string } = { key: r.key, phase: r.phase as Phase, lastSeen: r.lastSeen };
  if (r.since !== undefined) state.since = r.since as number;
  if (r.startsAt !== undefined) state.startsAt = r.startsAt as number;
  if (r.keepSince !== undefined) state.keepSince = r.keepSince as number;
  if (r.seq !== undefined) state.seq = r.seq as number;
  if (r.prevStart !== undefined) state.prevStart = r.prevStart as number;
  if (r.prevSeq !== undefined) state.prevSeq = r.prevSeq as number;
  if (typeof r.annotations === 'object' && r.annotations !== null) state.annotations = r.annotations as Record<string, string>;
  return state;
}
