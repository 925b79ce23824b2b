/**
 * What a window store writes to the changelog: a window's entry when it changed since the
 * last checkpoint, and a tombstone when a window the changelog holds goes away (closed, or
 * a session whose start moved). A window that opened and closed between two checkpoints
 * leaves nothing: the changelog never held it.
 */
import { describe, expect, it } from 'vitest';
import { WindowStore } from '../../../src/stream/ops/window-store.js';

const ids = (changes: [string, unknown][]) => changes.map(([id, value]) => `${id}${value === null ? ' (tombstone)' : ''}`);

describe('WindowStore changes', () => {
  it('writes no tombstone for a window that opened and closed between two checkpoints', () => {
    const store = new WindowStore<number>();
    const w = store.create('k', 0, 10, 12, 1, true);
    store.remove(w);
    expect(store.drainChanges()).toEqual([]);
  });

  it('writes a tombstone for a window a checkpoint wrote, and for a restored one', () => {
    const store = new WindowStore<number>();
    const w = store.create('k', 0, 10, 12, 1, true);
    expect(ids(store.drainChanges())).toEqual(['["k",0]']);
    store.remove(w);
    expect(ids(store.drainChanges())).toEqual(['["k",0] (tombstone)']);

    const restored = new WindowStore<number>();
    restored.restore('["r",10]', { k: 'r', s: 10, e: 20, c: 22, a: 3, u: true });
    expect(restored.drainChanges()).toEqual([]);
    restored.remove(restored.find('r', 10)!);
    expect(ids(restored.drainChanges())).toEqual(['["r",10] (tombstone)']);
  });

  it('moves a written session to its new start with a tombstone for the old one, and none for a start never written', () => {
    const store = new WindowStore<number>();
    const s = store.create('k', 100, 100, 200, 1, true);
    store.drainChanges();
    store.moveStart(s, 90);
    store.moveStart(s, 80);
    expect(ids(store.drainChanges())).toEqual(['["k",100] (tombstone)', '["k",80]']);
  });
});
