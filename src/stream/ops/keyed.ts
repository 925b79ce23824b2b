import type { WindowSpec } from './window-spec.js';

/**
 * A record with the key that groups it and its event time: what `keyBy` emits and what
 * windows and keyed state consume. Classes rather than object literals keep the hot path
 * monomorphic.
 */
export class Keyed<T> {
  constructor(
    readonly key: string,
    readonly value: T,
    /** Event time, milliseconds since the epoch. */
    readonly time: number,
  ) {}
}

/** A keyed record with the windows it is to be aggregated in: what `tumbling`, `hopping`, `sliding` and `session` emit. */
export class Windowed<T> {
  constructor(
    readonly key: string,
    readonly value: T,
    readonly time: number,
    readonly window: WindowSpec,
  ) {}
}
