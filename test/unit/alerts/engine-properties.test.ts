/**
 * Random sequences of records and watermarks (seeded, so a failure reproduces): the
 * lifecycle invariants hold for every rule kind, and neither watermark cadence nor
 * checkpoint/restore changes what is sent.
 */
import { describe, expect, it } from 'vitest';
import { RuleEvaluator, type AlertNotification, type EngineRule } from '../../../src/alerts/engine/index.js';
import { mulberry32 } from '../../../src/sources/random.js';

interface Rec { id: string; v: number }

/** Seeded, so a failing sequence can be replayed. */
const rng = mulberry32;

const base: Omit<EngineRule, 'name' | 'forMs' | 'keepFiringForMs'> = {
  keyOf: (x) => (x as Rec).id,
  severity: 'warning',
  labels: {},
  annotate: (x) => ({ v: String((x as Rec).v) }),
  receivers: [],
};
const RULES: EngineRule[] = [
  { ...base, name: 'plain', when: (x) => (x as Rec).v > 5, forMs: 0, keepFiringForMs: 0 },
  { ...base, name: 'for', when: (x) => (x as Rec).v > 5, forMs: 30, keepFiringForMs: 0 },
  { ...base, name: 'keep', when: (x) => (x as Rec).v > 5, forMs: 20, keepFiringForMs: 25 },
  { ...base, name: 'hyst', when: (x) => (x as Rec).v > 6, recover: (x) => (x as Rec).v < 3, forMs: 10, keepFiringForMs: 0 },
  { ...base, name: 'absent', absentMs: 40, forMs: 0, keepFiringForMs: 0 },
];

type Step = { kind: 'record'; rec: Rec; t: number } | { kind: 'watermark'; w: number };

/** Records in increasing time (a few late ones), watermarks that may run ahead of them. */
function sequence(seed: number, length: number): Step[] {
  const rand = rng(seed);
  const steps: Step[] = [];
  let now = 0;
  for (let i = 0; i < length; i++) {
    now += Math.floor(rand() * 15);
    if (rand() < 0.25) steps.push({ kind: 'watermark', w: now - Math.floor(rand() * 10) });
    else steps.push({ kind: 'record', rec: { id: `k${Math.floor(rand() * 4)}`, v: Math.floor(rand() * 10) }, t: rand() < 0.05 ? now - 30 : now });
  }
  return steps;
}

function run(ev: RuleEvaluator, steps: readonly Step[]): AlertNotification[] {
  return steps.flatMap((s) => (s.kind === 'record' ? ev.observe(s.rec, s.t) : ev.advance(s.w)));
}

function checkLifecycle(ns: readonly AlertNotification[]): void {
  const open = new Map<string, AlertNotification>();
  const ids = new Set<string>();
  for (const n of ns) {
    const current = open.get(n.key);
    if (n.status === 'firing') {
      expect(current, `second firing for ${n.key} without a resolve`).toBeUndefined();
      expect(ids.has(n.id), `instance ${n.id} fired twice`).toBe(false);
      ids.add(n.id);
      open.set(n.key, n);
    } else {
      expect(current, `resolve for ${n.key} without a firing`).toBeDefined();
      expect(n.id).toBe(current!.id);
      expect(n.endsAt!).toBeGreaterThanOrEqual(n.startsAt);
      open.delete(n.key);
    }
  }
}

const summary = (ns: readonly AlertNotification[]) => ns.map((n) => `${n.id} ${n.status} ${n.endsAt ?? ''}`);

describe('RuleEvaluator properties', () => {
  for (const rule of RULES) {
    it(`${rule.name}: never two firings without a resolve, never a resolve without a firing`, () => {
      let sent = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const ns = run(new RuleEvaluator(rule), sequence(seed, 200));
        checkLifecycle(ns);
        sent += ns.length;
      }
      expect(sent).toBeGreaterThan(100); // the sequences do exercise the lifecycle
    });

    it(`${rule.name}: a checkpoint and restore at any point changes nothing that is sent`, () => {
      for (let seed = 1; seed <= 100; seed++) {
        const steps = sequence(seed, 150);
        const expected = summary(run(new RuleEvaluator(rule), steps));
        const cut = Math.floor(rng(seed * 7)() * steps.length);
        const first = new RuleEvaluator(rule);
        const before = run(first, steps.slice(0, cut));
        const restored = RuleEvaluator.restore(rule, JSON.parse(JSON.stringify(first.snapshot())));
        const after = run(restored, steps.slice(cut));
        expect(summary([...before, ...after]), `seed ${seed}, cut ${cut}`).toEqual(expected);
      }
    });

    it(`${rule.name}: watermarks between records do not change the alert instances`, () => {
      for (let seed = 1; seed <= 100; seed++) {
        const rand = rng(seed * 13);
        // In-order records only; one run advances to each record's time after it, the
        // other also at random points strictly before the next record.
        const records = sequence(seed, 150).filter((s): s is Extract<Step, { kind: 'record' }> => s.kind === 'record');
        let last = Number.NEGATIVE_INFINITY;
        const inOrder = records.filter((s) => (s.t >= last ? ((last = s.t), true) : false));
        const sparse: Step[] = inOrder.flatMap((s) => [s, { kind: 'watermark', w: s.t } as Step]);
        const dense: Step[] = [];
        for (let i = 0; i < inOrder.length; i++) {
          const s = inOrder[i]!;
          dense.push(s, { kind: 'watermark', w: s.t });
          const next = inOrder[i + 1]?.t ?? s.t + 100;
          if (next - s.t > 1 && rand() < 0.7) dense.push({ kind: 'watermark', w: s.t + 1 + Math.floor(rand() * (next - s.t - 1)) });
        }
        const a = summary(run(new RuleEvaluator(rule), sparse)).sort();
        const b = summary(run(new RuleEvaluator(rule), dense)).sort();
        // The dense run may also have applied a final deadline the sparse one has not reached yet.
        for (const n of a) expect(b, `seed ${seed}`).toContain(n);
        checkLifecycle(run(new RuleEvaluator(rule), dense));
      }
    });
  }
});
