import { Observable, type Subscriber, Subscription } from 'rxjs';

/** A consumer of a task input that is not an RxJS subscriber: a fused operator's own function (see `attach`). */
export interface DirectConsumer<T> {
  next(value: T): void;
  error(error: unknown): void;
}

/**
 * One input of a task: the Observable a module's pipeline function receives for an input
 * topic, and the `next` the task pushes each record with.
 *
 * A Subject would do, but rxjs's Subject.next allocates a closure and an iterator for
 * every record (its ES5 build), which shows at millions of records per second. This keeps
 * the subscribers in an array that is replaced, never changed, when one comes or goes, so
 * a subscriber leaving while a record is delivered does not disturb the loop (as Subject's
 * snapshot of its observers does). The task never completes or errors an input.
 *
 * The fused operators (keyBy with a window and an aggregation right after it) attach
 * straight to the input instead of subscribing: a record then goes from the task to their
 * function with no RxJS subscriber in between (two calls and a try block fewer per record).
 */
export class TaskInput<T> {
  /** Subscribers and attached consumers, in the order they came (a record reaches them in that order). */
  private consumers: readonly DirectConsumer<T>[] = [];
  readonly observable: Observable<T>;

  constructor() {
    this.observable = new TaskInputObservable<T>(this, (subscriber) => {
      const remove = this.add(subscriber);
      return () => remove.unsubscribe();
    });
  }

  /**
   * Delivers every record to `consumer` as to a subscriber. An exception `next` throws
   * goes to its `error`, as an operator's would reach its subscriber's.
   */
  attach(consumer: DirectConsumer<T>): Subscription {
    return this.add(consumer);
  }

  private add(consumer: DirectConsumer<T>): Subscription {
    this.consumers = [...this.consumers, consumer];
    return new Subscription(() => {
      this.consumers = this.consumers.filter((c) => c !== consumer);
    });
  }

  next(value: T): void {
    const consumers = this.consumers;
    for (let i = 0; i < consumers.length; i++) {
      const consumer = consumers[i]!;
      try {
        consumer.next(value);
      } catch (error) {
        consumer.error(error);
      }
    }
  }
}

/** The Observable of a task input, which knows its input (so a fused operator can attach to it). */
export class TaskInputObservable<T> extends Observable<T> {
  constructor(
    readonly input: TaskInput<T>,
    subscribe: (subscriber: Subscriber<T>) => () => void,
  ) {
    super(subscribe);
  }
}
