import { describe, expect, it } from 'vitest';
import { AlertBook, RuleEvaluator, fingerprintOf, type AlertNotification, type EngineRule } from '../../../src/alerts/engine/index.js';

interface Rec { id?: string; temp: number }

function rule(over: Partial<EngineRule> = {}): EngineRule {
  return {
    name: 'overheating',
    keyOf: (v) => (v as Rec).id,
    when: (v) => (v as Rec).temp > 80,
    forMs: 60_000,
    keepFiringForMs: 0,
    severity: 'critical',
    labels: { team: 'ops' },
    annotate: (v) => ({ summary: `temp ${(v as Rec).temp}` }),
    receivers: ['pager'],
    ...over,
  };
}
const r = (temp: number, id = 's1'): Rec => ({ id, temp });
const brief = (ns: AlertNotification[]) => ns.map((n) => `${n.key}:${n.status}@${n.status === 'firing' ? n.startsAt : n.endsAt}`);

describe('RuleEvaluator: condition rules', () => {
  it('fires exactly once after `for`, with startsAt = first true record + for', () => {
    const ev = new RuleEvaluator(rule());
    expect(ev.observe(r(90), 0)).toEqual([]);
    expect(ev.phaseOf('s1')).toBe('pending');
    expect(ev.observe(r(91), 30_000)).toEqual([]);
    const [n, ...rest] = ev.observe(r(92), 60_000);
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      rule: 'overheating', key: 's1', status: 'firing', startsAt: 60_000, severity: 'critical',
      labels: { team: 'ops', alertname: 'overheating', key: 's1' }, annotations: { summary: 'temp 92' },
      fingerprint: fingerprintOf('overheating', 's1'), id: `${fingerprintOf('overheating', 's1')}:60000`, value: r(92),
    });
    expect(n!.endsAt).toBeUndefined();
    expect(ev.observe(r(95), 90_000)).toEqual([]);
    expect(ev.advance(1_000_000)).toEqual([]);
    expect(ev.observe(r(99), 2_000_000)).toEqual([]);
  });

  it('forMs 0 fires on the first true record', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }));
    expect(brief(ev.observe(r(90), 5))).toEqual(['s1:firing@5']);
  });

  it('does not fire when the condition stops before `for`, and starts the clock afresh', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(90), 0);
    expect(ev.observe(r(70), 59_999)).toEqual([]);
    expect(ev.phaseOf('s1')).toBe('inactive');
    expect(ev.advance(200_000)).toEqual([]);
    expect(ev.observe(r(90), 200_000)).toEqual([]);
    expect(brief(ev.advance(260_000))).toEqual(['s1:firing@260000']);
  });

  it('a false record at exactly the deadline decides itself (no fire)', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(90), 0);
    expect(ev.observe(r(70), 60_000)).toEqual([]);
    expect(ev.advance(60_000)).toEqual([]);
  });

  it('fires from the watermark alone, with the last true record', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(90), 1_000);
    ev.observe(r(93), 2_000);
    expect(ev.advance(60_999)).toEqual([]);
    const ns = ev.advance(61_000);
    expect(brief(ns)).toEqual(['s1:firing@61000']);
    expect(ns[0]!.annotations).toEqual({ summary: 'temp 93' });
    expect(ev.advance(70_000)).toEqual([]);
  });

  it('applies a deadline passed between two records even if no watermark reached it', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(90), 0);
    // The next record is false, but the condition had held for `for` at 60 000: fire, then resolve.
    expect(brief(ev.observe(r(70), 100_000))).toEqual(['s1:firing@60000', 's1:resolved@100000']);
  });

  it('resolves exactly once on the first false record (keepFiringFor 0), with the same id', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }));
    const [f] = ev.observe(r(90), 0);
    const [res, ...rest] = ev.observe(r(50), 10_000);
    expect(rest).toEqual([]);
    expect(res).toMatchObject({ status: 'resolved', startsAt: 0, endsAt: 10_000, id: f!.id, annotations: { summary: 'temp 50' } });
    expect(ev.observe(r(40), 20_000)).toEqual([]);
    expect(ev.advance(100_000)).toEqual([]);
  });

  it('a new instance after resolving has a new startsAt and id, same fingerprint', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }));
    const [a] = ev.observe(r(90), 0);
    ev.observe(r(50), 10);
    const [b] = ev.observe(r(90), 20);
    expect(b!.fingerprint).toBe(a!.fingerprint);
    expect(b!.id).not.toBe(a!.id);
    expect(b!.startsAt).toBe(20);
  });

  it('instances that start at the same instant still get distinct ids', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }));
    const ns = [...ev.observe(r(90), 5), ...ev.observe(r(10), 5), ...ev.observe(r(90), 5), ...ev.observe(r(10), 6)];
    const fp = fingerprintOf('overheating', 's1');
    expect(ns.map((n) => `${n.status} ${n.id}`)).toEqual([`firing ${fp}:5`, `resolved ${fp}:5`, `firing ${fp}:5:1`, `resolved ${fp}:5:1`]);
  });

  it('hysteresis: flapping between recover and when sends nothing; recover resolves once', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0, recover: (v) => (v as Rec).temp < 70 }));
    expect(brief(ev.observe(r(85), 0))).toEqual(['s1:firing@0']);
    for (let i = 1; i <= 20; i++) expect(ev.observe(r(i % 2 ? 75 : 85), i * 1000)).toEqual([]);
    expect(ev.advance(25_000)).toEqual([]); // the watermark alone never resolves a recover rule
    expect(brief(ev.observe(r(65), 30_000))).toEqual(['s1:resolved@30000']);
    expect(ev.observe(r(60), 31_000)).toEqual([]);
    expect(ev.observe(r(75), 32_000)).toEqual([]); // below `when`: stays inactive
    expect(ev.phaseOf('s1')).toBe('inactive');
  });

  it('keep_firing_for keeps firing across a short gap and resolves after it', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0, keepFiringForMs: 30_000 }));
    ev.observe(r(90), 0);
    expect(ev.observe(r(70), 10_000)).toEqual([]); // stops: keeping
    expect(ev.observe(r(70), 20_000)).toEqual([]);
    expect(ev.observe(r(90), 35_000)).toEqual([]); // back within 30 s: same instance
    expect(ev.observe(r(70), 50_000)).toEqual([]);
    expect(ev.advance(79_999)).toEqual([]);
    const ns = ev.advance(80_000);
    expect(brief(ns)).toEqual(['s1:resolved@80000']);
    expect(ns[0]).toMatchObject({ startsAt: 0, annotations: { summary: 'temp 70' } });
    expect(ev.advance(200_000)).toEqual([]);
  });

  it('keep_firing_for resolves on a false record past the deadline, at the deadline', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0, keepFiringForMs: 30_000 }));
    ev.observe(r(90), 0);
    ev.observe(r(70), 10_000);
    expect(brief(ev.observe(r(70), 45_000))).toEqual(['s1:resolved@40000']);
  });

  it('silence alone never resolves a condition alert', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0, keepFiringForMs: 1000 }));
    ev.observe(r(90), 0);
    expect(ev.advance(1e9)).toEqual([]);
    expect(ev.phaseOf('s1')).toBe('firing');
  });

  it('keys are independent; keyless records are ignored and counted; throwing predicates are counted', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0, when: (v) => { if ((v as Rec).temp < 0) throw new Error('bad'); return (v as Rec).temp > 80; } }));
    expect(brief([...ev.observe(r(90, 'a'), 0), ...ev.observe(r(10, 'b'), 0), ...ev.observe(r(91, 'b'), 1)])).toEqual(['a:firing@0', 'b:firing@1']);
    expect(ev.observe({ temp: 99 }, 2)).toEqual([]);
    expect(ev.observe(r(-1, 'a'), 3)).toEqual([]);
    expect(ev.stats).toMatchObject({ ignoredNoKey: 1, errors: 1, keys: 2, firing: 2 });
  });

  it('late records are taken at the key clock / watermark, counted, never lost', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }));
    ev.observe(r(90), 100);
    ev.advance(500);
    const ns = ev.observe(r(10), 50); // a late recovery still resolves, never before it started
    expect(brief(ns)).toEqual(['s1:resolved@500']);
    expect(ev.stats.late).toBe(1);
  });
});

describe('RuleEvaluator: absence rules', () => {
  const absent = (over: Partial<EngineRule> = {}) => rule({ name: 'silent', when: undefined, absentMs: 60_000, forMs: 0, ...over });

  it('fires after the duration without records and resolves on the next record', () => {
    const ev = new RuleEvaluator(absent());
    expect(ev.advance(1e6)).toEqual([]); // unknown keys never fire
    ev.observe(r(20), 1_000_000);
    expect(ev.advance(1_059_999)).toEqual([]);
    const [f] = ev.advance(1_060_000);
    expect(f).toMatchObject({ status: 'firing', startsAt: 1_060_000, annotations: { summary: 'temp 20' }, value: r(20) });
    expect(ev.advance(2_000_000)).toEqual([]);
    const [res, ...rest] = ev.observe(r(21), 2_000_001);
    expect(rest).toEqual([]);
    expect(res).toMatchObject({ status: 'resolved', startsAt: 1_060_000, endsAt: 2_000_001, id: f!.id, annotations: { summary: 'temp 21' } });
    expect(ev.advance(2_060_000)).toEqual([]);
    expect(brief(ev.advance(2_060_001))).toEqual(['s1:firing@2060001']);
  });

  it('a key that keeps sending never fires', () => {
    const ev = new RuleEvaluator(absent());
    for (let t = 0; t < 600_000; t += 30_000) {
      expect(ev.observe(r(1), t)).toEqual([]);
      expect(ev.advance(t)).toEqual([]);
    }
  });

  it('forMs adds to the absence duration', () => {
    const ev = new RuleEvaluator(absent({ forMs: 10_000 }));
    ev.observe(r(1), 0);
    expect(ev.advance(69_999)).toEqual([]);
    expect(brief(ev.advance(70_000))).toEqual(['s1:firing@70000']);
  });
});

describe('RuleEvaluator: snapshot and restore', () => {
  it('a firing alert stays firing without a second firing, and resolves exactly once later', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(90), 0);
    const [f] = ev.advance(60_000);
    const snap = JSON.parse(JSON.stringify(ev.snapshot()));
    const back = RuleEvaluator.restore(rule(), snap);
    expect(back.phaseOf('s1')).toBe('firing');
    expect(back.advance(120_000)).toEqual([]);
    expect(back.observe(r(95), 130_000)).toEqual([]);
    const ns = back.observe(r(50), 140_000);
    expect(brief(ns)).toEqual(['s1:resolved@140000']);
    expect(ns[0]!.id).toBe(f!.id);
    expect(back.observe(r(50), 150_000)).toEqual([]);
  });

  it('a pending alert keeps its clock', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(90), 10_000);
    ev.advance(40_000);
    const back = RuleEvaluator.restore(rule(), JSON.parse(JSON.stringify(ev.snapshot())));
    expect(back.watermark).toBe(40_000);
    expect(back.advance(69_999)).toEqual([]);
    const ns = back.advance(70_000);
    expect(brief(ns)).toEqual(['s1:firing@70000']);
    expect(ns[0]!.annotations).toEqual({ summary: 'temp 90' }); // restored; the record itself is not checkpointed
    expect(ns[0]!.value).toBeUndefined();
  });

  it('keep_firing_for and absence deadlines survive a restore', () => {
    const keep = new RuleEvaluator(rule({ forMs: 0, keepFiringForMs: 30_000 }));
    keep.observe(r(90), 0);
    keep.observe(r(70), 10_000);
    const k2 = RuleEvaluator.restore(keep.rule, JSON.parse(JSON.stringify(keep.snapshot())));
    expect(brief(k2.advance(40_000))).toEqual(['s1:resolved@40000']);

    const abs = new RuleEvaluator(rule({ name: 'silent', when: undefined, absentMs: 1000, forMs: 0 }));
    abs.observe(r(1), 0);
    const a2 = RuleEvaluator.restore(abs.rule, JSON.parse(JSON.stringify(abs.snapshot())));
    const ns = a2.advance(1000);
    expect(brief(ns)).toEqual(['s1:firing@1000']);
    expect(ns[0]!.annotations).toEqual({ summary: 'temp 1' });
  });

  it('the snapshot is small JSON: no records, no annotations for inactive condition keys', () => {
    const ev = new RuleEvaluator(rule());
    ev.observe(r(10, 'a'), 0);
    ev.observe(r(90, 'b'), 0);
    const snap = ev.snapshot();
    expect(snap).toEqual({
      version: 1, rule: 'overheating', watermark: null,
      keys: [{ key: 'a', phase: 'inactive', lastSeen: 0 }, { key: 'b', phase: 'pending', lastSeen: 0, since: 0, annotations: { summary: 'temp 90' } }],
      counters: { ignoredNoKey: 0, late: 0, errors: 0, evicted: 0, evictedPending: 0, rejected: 0 },
    });
  });

  it('refuses a snapshot of another rule or a malformed one', () => {
    const snap = new RuleEvaluator(rule()).snapshot();
    expect(() => RuleEvaluator.restore(rule({ name: 'other' }), snap)).toThrow(/other/);
    expect(() => RuleEvaluator.restore(rule(), { ...snap, keys: [{ key: 'x', phase: 'firing', lastSeen: 0 }] as never })).toThrow(/invalid key/);
  });
});

describe('RuleEvaluator: bounded keys', () => {
  it('evicts the least recently seen inactive keys first, then pending, never firing', () => {
    const ev = new RuleEvaluator(rule({ forMs: 1000 }), { maxKeys: 3 });
    ev.observe(r(90, 'p'), 0); // pending
    ev.observe(r(10, 'i1'), 1);
    ev.observe(r(10, 'i2'), 2);
    ev.observe(r(10, 'i1'), 3); // i1 is now more recent than i2
    ev.observe(r(10, 'n'), 4);
    expect([ev.phaseOf('i2'), ev.phaseOf('i1'), ev.phaseOf('p')]).toEqual([undefined, 'inactive', 'pending']);
    expect(ev.stats).toMatchObject({ keys: 3, evicted: 1, evictedPending: 0 });
  });

  it('when every key is firing, a new key is refused and counted; firing ones still resolve', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }), { maxKeys: 2 });
    ev.observe(r(90, 'a'), 0);
    ev.observe(r(90, 'b'), 0);
    expect(ev.observe(r(90, 'c'), 1)).toEqual([]);
    expect(ev.stats).toMatchObject({ keys: 2, rejected: 1, firing: 2 });
    expect(brief(ev.observe(r(10, 'a'), 2))).toEqual(['a:resolved@2']);
    expect(brief(ev.observe(r(90, 'c'), 3))).toEqual(['c:firing@3']); // a (now inactive) made room
  });

  it('holds the bound over many keys', () => {
    const ev = new RuleEvaluator(rule({ forMs: 0 }), { maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) ev.observe(r(i % 50 === 0 ? 90 : 10, `k${i}`), i);
    expect(ev.stats.keys).toBe(100);
    expect(ev.stats.firing).toBeGreaterThan(0);
  });
});

describe('AlertBook', () => {
  it('routes by topic and restores all rules from one snapshot', () => {
    const entries = [
      { topic: 'sensor.stats', rule: rule({ forMs: 0 }) },
      { topic: 'sensor.stats', rule: rule({ name: 'silent', when: undefined, absentMs: 1000, forMs: 0 }) },
      { topic: 'other', rule: rule({ name: 'cold', forMs: 0, when: (v) => (v as Rec).temp < 0 }) },
    ];
    const book = new AlertBook(entries);
    expect(brief(book.observe('sensor.stats', r(90), 0))).toEqual(['s1:firing@0']);
    expect(book.observe('nothing', r(90), 0)).toEqual([]);
    const back = AlertBook.restore(entries, JSON.parse(JSON.stringify(book.snapshot())));
    expect(back.observe('sensor.stats', r(95), 10)).toEqual([]);
    expect(back.advance('sensor.stats', 1010).map((n) => `${n.rule}:${n.status}`)).toEqual(['silent:firing']);
    expect(back.observe('other', r(-5), 0).map((n) => n.rule)).toEqual(['cold']);
    expect(() => new AlertBook([entries[0]!, entries[0]!])).toThrow(/unique/);
  });
});
