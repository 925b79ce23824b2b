import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { errorMessage } from '../../errors.js';
import { partitionForStringKey } from '../../log/partitioner.js';
import { type KeyByMode, type TaskContext, currentTaskContext } from '../task-context.js';
import { TaskInputObservable } from '../task-input.js';
import { Keyed } from './keyed.js';

export interface KeyByOptions {
  /**
   * Stable name of this keyBy; it names its repartition topic,
   * `fastdata.<module>.<name>.repartition`. Default: `keyBy-<n>` by position.
   */
  name?: string;
  /**
   * `'input'`: the input is already partitioned by this key (its producers key its records
   * by it), so no repartition topic is needed; the runtime checks it on every record and
   * sends a record whose key belongs to another partition to the dead-letter topic (reason
   * `wrong-partition`) rather than compute a partial window. Default: records whose key
   * belongs to another task go to it through the repartition topic.
   */
  partitioned?: 'input';
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/**
 * Sends a record whose key function threw (`threw`, with the error) or returned something
 * else than a string or a finite number (the returned value) to the dead-letter topic.
 */
export function invalidKey(ctx: TaskContext, errorOrKey: unknown, threw: boolean): void {
  const message = threw
    ? `keyBy's key function threw: ${errorMessage(errorOrKey)}`
    : `keyBy's key function returned ${describe(errorOrKey)}; return a string or a finite number`;
  ctx.deadLetter({ reason: 'invalid-key', message });
}

/**
 * The key of `value` as a string, or undefined after sending the record to the dead-letter
 * topic (reason `invalid-key`) when the key function throws or returns something else than
 * a string or a finite number.
 */
export function keyOfRecord<T>(keyOf: (value: T) => string | number, value: T, ctx: TaskContext): string | undefined {
  let key: unknown;
  try {
    key = keyOf(value);
  } catch (error) {
    invalidKey(ctx, error, true);
    return undefined;
  }
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  invalidKey(ctx, key, false);
  return undefined;
}

/**
 * Whether this task owns `key` (the record goes on here). The task that owns a key is its
 * murmur2 partition, as Kafka places a record keyed by it; a record of another task's key
 * is sent to that task through the keyBy's repartition topic, or, when the author said the
 * input is partitioned by this key, dead-lettered.
 */
export function ownsKey(ctx: TaskContext, keyBy: string, mode: KeyByMode, key: string, value: unknown): boolean {
  const routing = ctx.routing;
  if (routing === undefined || routing.partitions <= 1) return true;
  const owner = partitionForStringKey(key, routing.partitions);
  if (owner === ctx.partition) return true;
  if (mode === 'input') {
    ctx.deadLetter({
      reason: 'wrong-partition',
      message:
        `keyBy '${keyBy}' was told the input is partitioned by its key, but key ${JSON.stringify(key)} belongs to partition ${owner} and came on partition ${ctx.partition}: ` +
        `key the input's records by it, or drop { partitioned: 'input' } so that the runtime repartitions`,
      details: { 'fastdata.key': key, 'fastdata.key.partition': String(owner) },
    });
  } else {
    routing.forward(keyBy, key, value, ctx.eventTime, ctx.source, ctx.source !== undefined && value === ctx.sourceValue);
  }
  return false;
}

/** A keyBy subscribed by the operator after it, which computes the keys itself (see `routeKeyBy`). */
export interface KeyByRoute<T> {
  readonly ctx: TaskContext;
  readonly keyOf: (value: T) => string | number;
  /** Whether a key may belong to another task (more than one partition): `owns` must then be asked per record. */
  readonly routed: boolean;
  /** Whether this task owns `key`; a record of another task's key is sent there or dead-lettered (see `ownsKey`). */
  owns(key: string, value: T): boolean;
  /**
   * Delivers the keyBy's input records to `consumer.next` (with no subscriber in between
   * when the input is a task input), and, when it repartitions, the records other tasks
   * send it to `arrive`.
   */
  attach(consumer: { next(value: T): void; error(error: unknown): void; complete(): void }, arrive: (record: Keyed<T>) => void): Subscription;
}

/** Declares the keyBy of `source` in the task being subscribed, for an operator that keys records itself. */
export function routeKeyBy<T>(source: KeyedObservable<T>, operator: string): KeyByRoute<T> {
  const ctx = currentTaskContext(operator);
  const mode: KeyByMode = source.options.partitioned === 'input' ? 'input' : 'repartition';
  const name = ctx.declareKeyBy(source.options.name, mode);
  const routing = ctx.routing;
  return {
    ctx,
    keyOf: source.keyOf,
    routed: routing !== undefined && routing.partitions > 1,
    owns: (key, value) => ownsKey(ctx, name, mode, key, value),
    attach(consumer, arrive) {
      // Right on a task input (the usual pipeline), the records come with no subscriber in between.
      const input = source.input;
      const subscription = input instanceof TaskInputObservable ? (input as TaskInputObservable<T>).input.attach(consumer) : input.subscribe(consumer);
      if (mode === 'repartition') subscription.add(ctx.arrivalsOf(name).observable.subscribe((k) => arrive(k as Keyed<T>)));
      return subscription;
    },
  };
}

/**
 * Subscribes a keyBy: its records (the key computed, and owned here) and, when it
 * repartitions, the records other tasks send it, each given to `emit`.
 */
export function subscribeKeyBy<T>(
  source: KeyedObservable<T>,
  operator: string,
  emit: (key: string, value: T, time: number) => void,
  onError: (error: unknown) => void,
  onComplete: () => void,
): Subscription {
  return subscribeRoute(routeKeyBy(source, operator), emit, onError, onComplete);
}

/** `subscribeKeyBy` of a keyBy already declared. */
export function subscribeRoute<T>(
  route: KeyByRoute<T>,
  emit: (key: string, value: T, time: number) => void,
  onError: (error: unknown) => void,
  onComplete: () => void,
): Subscription {
  const { ctx, keyOf } = route;
  const consumer = {
    next(value: T) {
      const key = keyOfRecord(keyOf, value, ctx);
      if (key !== undefined && route.owns(key, value)) emit(key, value, ctx.eventTime);
    },
    error: onError,
    complete: onComplete,
  };
  return route.attach(consumer, (k) => emit(k.key, k.value, k.time));
}

/**
 * What `keyBy` returns: an Observable of `Keyed` records that remembers its input and key
 * function, so that a window operator right after it can fuse with it (see windows.ts):
 * compute the key itself and skip the `Keyed` object and one subscriber hop per record.
 */
export class KeyedObservable<T> extends Observable<Keyed<T>> {
  readonly input: Observable<T>;
  readonly keyOf: (value: T) => string | number;
  readonly options: KeyByOptions;

  constructor(input: Observable<T>, keyOf: (value: T) => string | number, options: KeyByOptions) {
    super((subscriber) =>
      subscribeKeyBy(
        this,
        'keyBy',
        (key, value, time) => subscriber.next(new Keyed(key, value, time)),
        (error) => subscriber.error(error),
        () => subscriber.complete(),
      ),
    );
    this.input = input;
    this.keyOf = keyOf;
    this.options = options;
  }
}

/**
 * Groups records by a key (a string, or a number turned into one), carrying each record's
 * event time along for the windows and state after it.
 *
 * Every record of a key meets one task, whatever the input's partitioning: state is kept
 * per task (per input partition), so a record whose key belongs to another task is sent
 * to it through the keyBy's repartition topic, `fastdata.<module>.<name>.repartition`,
 * with its event time; the tasks' watermarks travel along, so windows downstream still
 * close. When the input is keyed by the same key (the demo's readings, keyed by sensor),
 * nothing goes through the topic; with one input partition there is no topic at all. Say
 * `{ partitioned: 'input' }` when the input is keyed by this key: no topic, and a record
 * that breaks the claim is dead-lettered (checked per record). A keyBy repartitions
 * records as they come from the inputs: one after a window, or after another keyBy that
 * repartitioned, dead-letters a record it would have to send elsewhere.
 *
 * A key function that throws or returns something else than a string or a finite number
 * sends the record to the dead-letter topic (reason `invalid-key`); the pipeline goes on.
 *
 * @example
 * readings.pipe(keyBy((r) => r.site), tumbling('1m', { grace: '10s', emit: 'final' }), aggregate({ n: count() }))
 */
export function keyBy<T>(keyOf: (value: T) => string | number, options: KeyByOptions = {}): OperatorFunction<T, Keyed<T>> {
  if (typeof keyOf !== 'function') throw new TypeError('keyBy(keyOf): keyOf must be a function returning the key of a record');
  if (options.partitioned !== undefined && options.partitioned !== 'input') throw new TypeError(`keyBy(keyOf, { partitioned }): only 'input' is allowed, got ${JSON.stringify(options.partitioned)}`);
  return (source) => new KeyedObservable(source, keyOf, options);
}
