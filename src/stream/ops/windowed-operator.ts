import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { FastdataError } from '../../errors.js';
import { currentTaskContext } from '../task-context.js';
import { routeKeyBy, subscribeRoute } from './key-by.js';
import { Windowed } from './keyed.js';
import { type RecordCode, codeOfLogic } from './window-path.js';
import type { WindowSpec } from './window-spec.js';
import { type AccumulatorCodec, WindowStore } from './window-store.js';
import { type WindowLogic, WindowedState } from './windowed-state.js';
import { WindowedObservable } from './windows.js';

/** What an operator over windows says about itself when subscribed. */
export interface WindowedOperatorParts<T, A, R> {
  logic: WindowLogic<T, A, R>;
  /** Its per-record work as code, for the generated path (see window-path.ts); default: calls to `logic`. */
  code?: RecordCode;
  /** How its store keeps the accumulators in the changelog, when memory holds them in another form. */
  codec?: AccumulatorCodec<A>;
  /** Plain JSON saying what its stored windows hold (hot reload compares it; see state-layout.ts). */
  layout: unknown;
}

/**
 * An operator over windows (`aggregate`, `reduce`, `collect`, `topK`): its state is a
 * `WindowedState` in a store named after the operator (`<kind>-<n>`, or `name`). Right
 * after keyBy and a window (the usual pipeline) the three run fused, with no `Keyed` or
 * `Windowed` object and no operator hop per record: over fixed windows as one generated
 * function per operator (window-path.ts), over sessions and sliding windows as one
 * subscriber on keyBy's input.
 *
 * `parts` gets the window when it is fused (the layout can then name it) and the state's name.
 */
export function windowedOperator<T, A, R>(
  kind: string,
  name: string | undefined,
  parts: (window: WindowSpec | undefined, stateName: string) => WindowedOperatorParts<T, A, R>,
): OperatorFunction<Windowed<T>, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const ctx = currentTaskContext(kind);
      const fused = source instanceof WindowedObservable ? (source as WindowedObservable<T>) : undefined;
      const stateName = ctx.stateName(kind, name);
      const { logic, layout, code, codec } = parts(fused?.spec, stateName);
      const store = ctx.store(stateName, () => new WindowStore<A>(codec), layout);
      const state = new WindowedState<T, A, R>(ctx, store, logic, subscriber, kind);
      const stop = state.start(fused?.spec);
      const onError = (error: unknown) => subscriber.error(error);
      const onComplete = () => subscriber.complete();
      let subscription: Subscription;
      if (fused) {
        const route = routeKeyBy(fused.keyed, 'keyBy');
        const path = state.fixedWindowPath(route, fused.spec, code ?? codeOfLogic(logic));
        subscription = path
          ? route.attach({ next: path.next, error: onError, complete: onComplete }, path.arrive)
          : subscribeRoute(route, (key, value, time) => state.add(key, value, time, fused.spec), onError, onComplete);
      } else {
        subscription = source.subscribe({
          next(w) {
            if (!(w instanceof Windowed)) {
              subscriber.error(
                new FastdataError('FD_PIPELINE_INVALID', `${kind}() needs windowed records: put keyBy(...) and a window (tumbling, hopping, sliding or session) before it`, {
                  context: { stream: ctx.module },
                }),
              );
              return;
            }
            state.add(w.key, w.value as T, w.time, w.window);
          },
          error: onError,
          complete: onComplete,
        });
      }
      return () => {
        subscription.unsubscribe();
        stop();
      };
    });
}

/** The window part of a state layout (undefined when not fused: the window is not known at subscription). */
export function windowLayout(spec: WindowSpec | undefined): unknown {
  return spec && { kind: spec.kind, size: spec.size, advance: spec.advance, grace: spec.grace, emit: spec.emit };
}
