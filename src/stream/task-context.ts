/**
 * The context of one stream task: one instance of a module's pipeline, owning one
 * partition of its inputs (partition p of every input topic), as a Kafka Streams task does.
 *
 * RxJS pipelines are synchronous, so while the runtime pushes one record through a
 * pipeline it can tell every operator about that record (its event time, where it came
 * from) through this context instead of wrapping each value in an envelope. Operators find
 * their task context when they are subscribed (see `currentTaskContext`), and keep their
 * state in the context's stores, which outlive a pipeline rebuilt after an error and are
 * what the checkpoint writes to the changelog.
 */
import { FastdataError } from '../errors.js';
import type { LogRecord } from '../log/types.js';
import type { Clock } from '../time/clock.js';
import type { AsyncSteps } from './async-steps.js';
import type { DeadLetter } from './host/dead-letters.js';
import type { Keyed } from './ops/keyed.js';
import { TableRows } from './ops/table.js';
import type { StateStore } from './state-store.js';
import { TaskInput } from './task-input.js';

/** What the task tells its host (the runtime, or the test driver). */
export interface TaskHost {
  deadLetter(letter: DeadLetter): void;
  warn(message: string): void;
  /** How keys reach the task that owns them; without it (one task, the test driver) every key is this task's. */
  routing?: KeyRouting;
}

/**
 * What a `keyBy` needs of the runtime so that every record of a key meets one task: the
 * number of tasks (a key's task is its murmur2 partition, as Kafka places it) and a way to
 * send a record to another task, through the keyBy's repartition topic.
 */
export interface KeyRouting {
  readonly partitions: number;
  /**
   * `record`: the record being processed (undefined while a window or timer emits);
   * `unchanged`: `value` is that record's decoded value itself, so its bytes can go on.
   */
  forward(keyBy: string, key: string, value: unknown, eventTime: number, record: LogRecord | undefined, unchanged: boolean): void;
}

/** How a keyBy gets its keys to their task: through a repartition topic, or as the input is (checked per record). */
export type KeyByMode = 'repartition' | 'input';

interface WatermarkListener {
  fire(watermark: number): void;
  due: (() => number) | undefined;
}

/** The lowest watermark at which one of `listeners` has work (a listener without `due` has work at every move). */
function nextWake(listeners: readonly WatermarkListener[]): number {
  let wake = Number.POSITIVE_INFINITY;
  for (const l of listeners) {
    const due = l.due === undefined ? Number.NEGATIVE_INFINITY : l.due();
    if (due < wake) wake = due;
  }
  return wake;
}

export class TaskContext {
  readonly module: string;
  readonly partition: number;
  readonly clock: Clock;
  private readonly host: TaskHost;

  /** Event time of the record being processed (or of what an operator is emitting). */
  eventTime = Number.NaN;
  /**
   * True while the pipeline is built and subscribed. An operator subscribed at any other time
   * is inside a higher-order operator (mergeMap, switchMap, groupBy's groups), subscribed
   * anew as records flow: see `currentTaskContext`.
   */
  building = false;
  /** The input record being processed; undefined while a timer or the watermark drives the pipeline. */
  source: LogRecord | undefined = undefined;
  /** Timestamp the next output record gets; set by emitting operators (a window emits at its end). */
  emitTime = Number.NaN;
  /** The decoded value of `source`: a keyBy sends the record's own bytes on when it forwards that very value. */
  sourceValue: unknown = undefined;
  readonly routing: KeyRouting | undefined;
  /** The task's asynchronous steps (set by the task): what mapAsync registers its values in flight with. */
  steps: AsyncSteps | undefined = undefined;
  /** The rows of the tables the pipeline joins with (this task's partition of each), kept across pipeline rebuilds. */
  readonly tables = new TableRows();
  /** The keyBy operators of the pipeline, by name: how each gets keys to their task. */
  private readonly keyBys = new Map<string, KeyByMode>();
  /** Records other tasks sent to a keyBy of this one (through its repartition topic), by keyBy name. */
  private readonly arrivals = new Map<string, TaskInput<Keyed<unknown>>>();

  private currentWatermark = Number.NEGATIVE_INFINITY;
  /**
   * Replaced, never changed, when a listener comes or goes: the watermark moves with nearly
   * every in-order record, and iterating a Set allocates an iterator each time.
   */
  private watermarkListeners: readonly WatermarkListener[] = [];
  /**
   * The lowest watermark at which a listener has something to do. Below it a move only
   * changes the number: with in-order input the watermark moves with nearly every record,
   * and a window closes once per key and window, so most moves wake nothing.
   */
  private wakeAt = Number.POSITIVE_INFINITY;
  private readonly stores = new Map<string, StateStore<unknown>>();
  /** What each store's entries look like, as its operator describes it (hot reload compares them). */
  private readonly layouts = new Map<string, unknown>();
  private readonly timers = new Set<() => void>();
  private nameCounters = new Map<string, number>();

  constructor(module: string, partition: number, clock: Clock, host: TaskHost) {
    this.module = module;
    this.partition = partition;
    this.clock = clock;
    this.host = host;
    this.routing = host.routing;
  }

  /** A keyBy of the pipeline declares itself (when subscribed): its name, stable across rebuilds. */
  declareKeyBy(explicit: string | undefined, mode: KeyByMode): string {
    const name = this.stateName('keyBy', explicit);
    if (this.keyBys.has(name)) {
      throw new FastdataError('FD_PIPELINE_INVALID', `two keyBys are named '${name}' (or one keyed stream is subscribed twice); give each its own name`, { context: { stream: this.module } });
    }
    this.keyBys.set(name, mode);
    return name;
  }

  /** The keyBy operators the pipeline declared, with how each routes keys. */
  keyByModes(): ReadonlyMap<string, KeyByMode> {
    return this.keyBys;
  }

  /** What other tasks send to keyBy `name`: the keyBy emits them as its own. */
  arrivalsOf(name: string): TaskInput<Keyed<unknown>> {
    let input = this.arrivals.get(name);
    if (!input) this.arrivals.set(name, (input = new TaskInput()));
    return input;
  }

  get watermark(): number {
    return this.currentWatermark;
  }

  /** Moves the watermark forward (never back) and tells the operators that have work due by it. */
  advanceWatermark(watermark: number): void {
    if (!(watermark > this.currentWatermark)) return;
    this.currentWatermark = watermark;
    if (watermark < this.wakeAt) return;
    const listeners = this.watermarkListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!.fire(watermark);
    this.wakeAt = nextWake(this.watermarkListeners);
  }

  /**
   * Moves the watermark when no listener is due by it, and says whether it did. The task's
   * hot path: such a move needs neither the ambient context nor a pipeline error check.
   */
  advanceWatermarkQuietly(watermark: number): boolean {
    if (watermark >= this.wakeAt) return false;
    if (watermark > this.currentWatermark) this.currentWatermark = watermark;
    return true;
  }

  /**
   * Listens to the watermark. `due`: the lowest watermark at which the listener has work
   * (+Infinity for none); with it, the listener is called only once the watermark reaches
   * that, and must call `wakeBy` when it gets work due earlier. Without it, on every move.
   */
  onWatermark(fire: (watermark: number) => void, due?: () => number): () => void {
    const listener: WatermarkListener = { fire, due };
    this.watermarkListeners = [...this.watermarkListeners, listener];
    this.wakeAt = nextWake(this.watermarkListeners);
    return () => {
      this.watermarkListeners = this.watermarkListeners.filter((l) => l !== listener);
      this.wakeAt = nextWake(this.watermarkListeners);
    };
  }

  /** A listener with a `due` got work due once the watermark reaches `watermark` (a window it opened closes then). */
  wakeBy(watermark: number): void {
    if (watermark < this.wakeAt) this.wakeAt = watermark;
  }

  /** A processing-time timer that dies with the pipeline. */
  every(ms: number, fn: () => void): () => void {
    const cancel = this.clock.every(ms, fn);
    const stop = () => {
      cancel();
      this.timers.delete(stop);
    };
    this.timers.add(stop);
    return stop;
  }

  /**
   * The name a stateful operator's state is kept under. An explicit name is stable across
   * code changes; a default name (`aggregate-1`, …) follows the operators' order in the
   * pipeline, so reordering them orphans their state — hence the warning.
   */
  stateName(kind: string, explicit: string | undefined): string {
    if (explicit !== undefined) {
      if (!/^[A-Za-z0-9._-]{1,100}$/.test(explicit)) {
        throw new FastdataError('FD_PIPELINE_INVALID', `${kind} name ${JSON.stringify(explicit)} must be 1-100 letters, digits, '.', '_' or '-'`, {
          context: { stream: this.module },
        });
      }
      return explicit;
    }
    const n = (this.nameCounters.get(kind) ?? 0) + 1;
    this.nameCounters.set(kind, n);
    return `${kind}-${n}`;
  }

  /**
   * The store named `name`, created by `create` the first time; the same object across
   * pipeline rebuilds. `layout` is plain JSON saying what the entries hold (window kind,
   * accumulators…): a changed layout means old entries do not fit (see state-layout.ts).
   */
  store<S extends StateStore<unknown>>(name: string, create: () => S, layout?: unknown): S {
    if (layout !== undefined) this.layouts.set(name, layout);
    let store = this.stores.get(name);
    if (!store) {
      store = create();
      this.stores.set(name, store);
    }
    return store as S;
  }

  storeEntries(): IterableIterator<[string, StateStore<unknown>]> {
    return this.stores.entries();
  }

  /** The layouts the operators declared, by store name. */
  storeLayouts(): ReadonlyMap<string, unknown> {
    return this.layouts;
  }

  getStore(name: string): StateStore<unknown> | undefined {
    return this.stores.get(name);
  }

  deadLetter(letter: DeadLetter): void {
    this.host.deadLetter({ ...letter, source: letter.source ?? this.source });
  }

  warn(message: string): void {
    this.host.warn(`${this.module}[${this.partition}]: ${message}`);
  }

  /** Forgets what the last pipeline instance registered (listeners, timers, default names) before a rebuild. */
  resetPipeline(): void {
    this.keyBys.clear();
    this.watermarkListeners = [];
    this.wakeAt = Number.POSITIVE_INFINITY;
    for (const stop of [...this.timers]) stop();
    this.nameCounters = new Map();
  }
}

// The ambient context lives on globalThis, not in this module: a module file may reach a
// second copy of fastdata (a linked checkout, a nested node_modules), and its operators
// must still find the task that the runtime's copy is subscribing.
// One holder object, found on globalThis once: what is set per record is a plain field of
// it (a store to a property of the global object itself costs more, and happens twice for
// every record and watermark).
const CURRENT = Symbol.for('fastdata.taskContextHolder');
const holders = globalThis as { [CURRENT]?: { current: TaskContext | undefined } };
const holder = (holders[CURRENT] ??= { current: undefined });

/** Runs `fn` with `ctx` as the task context operators see when they are subscribed. */
export function withTaskContext<T>(ctx: TaskContext, fn: () => T): T {
  const previous = holder.current;
  holder.current = ctx;
  try {
    return fn();
  } finally {
    holder.current = previous;
  }
}

/** `withTaskContext(ctx, () => target.next(value))` without a closure per record (the task's hot path). */
export function nextWithTaskContext<T>(ctx: TaskContext, target: { next(value: T): void }, value: T): void {
  const previous = holder.current;
  holder.current = ctx;
  try {
    target.next(value);
  } finally {
    holder.current = previous;
  }
}

/**
 * The task context of the pipeline being subscribed; operators call this in their
 * subscribe function. Refused (FD_PIPELINE_INVALID, `context.subscribedLate`) to an
 * operator subscribed while records flow, inside a higher-order operator: its state would
 * be one more copy per inner subscription, named by arrival order, which a restart could
 * not give back, and a keyBy there would have no repartition topic. The task stops on it
 * with that message rather than dead-letter every record.
 */
export function currentTaskContext(operator: string): TaskContext {
  const current = holder.current;
  if (!current) {
    throw new FastdataError(
      'FD_PIPELINE_INVALID',
      `${operator}() runs only inside a stream module's pipeline, where the runtime (or the test driver from 'fastdata/testing') subscribes it; ` +
        `it was subscribed outside one`,
    );
  }
  if (!current.building) {
    throw new FastdataError(
      'FD_PIPELINE_INVALID',
      `stream ${current.module}: ${operator}() was subscribed while records flow, inside a higher-order operator (mergeMap, switchMap, concatMap, exhaustMap or groupBy's groups). ` +
        `fastdata's operators keep checkpointed state per key and must be subscribed once, when the pipeline is built: put them at the top level of the pipeline. ` +
        `To group, use keyBy((r) => <the group key>) instead of groupBy: it does the same per key, with state that survives restarts and repartitioning; ` +
        `higher-order operators are fine for stateless steps (map, filter, from(...)) before or after fastdata's operators`,
      { context: { stream: current.module, operator, subscribedLate: true } },
    );
  }
  return current;
}

/** Whether `error` is the refusal of an operator subscribed while records flow (see currentTaskContext). */
export function isSubscribedLate(error: unknown): boolean {
  return error instanceof FastdataError && error.context.subscribedLate === true;
}
