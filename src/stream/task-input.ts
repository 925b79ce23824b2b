import { Observable, type Subscriber } from 'rxjs';

/**
 * One input of a task: the Observable a module's pipeline function receives for an input
 * topic, and the `next` the task pushes each record with.
 *
 * A Subject would do, but rxjs's Subject.next allocates a closure and an iterator for
 * every record (its ES5 build), which shows at millions of records per second. This keeps
 * the subscribers in an array that is replaced, never changed, when one comes or goes, so
 * a subscriber leaving while a record is delivered does not disturb the loop (as Subject's
 * snapshot of its observers does). The task never completes or errors an input.
 */
export class TaskInput<T> {
  private subscribers: readonly Subscriber<T>[] = [];
  readonly observable: Observable<T>;

  constructor() {
    this.observable = new Observable<T>((subscriber) => {
      this.subscribers = [...this.subscribers, subscriber];
      return () => {
        this.subscribers = this.subscribers.filter((s) => s !== subscriber);
      };
    });
  }

  next(value: T): void {
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(value);
  }
}
