/**
 * What a module's pipeline is made of, found by subscribing it once in a throwaway task
 * (no record goes through): the state stores its operators create and the keyBys that
 * repartition. The runtime creates the repartition topic from it; hot reload compares
 * state layouts with it.
 */
import { ManualClock } from '../time/clock.js';
import type { StreamModule } from './define.js';
import { StreamTask } from './task.js';

/** Subscribes the module's pipeline in a throwaway task and reads it; throws what the pipeline function throws. */
export function probePipeline<R>(module: StreamModule, read: (task: StreamTask) => R): R {
  const ignore = () => undefined;
  const task = new StreamTask(module, 0, new ManualClock(0), { output: ignore, deadLetter: ignore, warn: ignore });
  task.start();
  try {
    return read(task);
  } finally {
    task.stop();
  }
}

/** The keyBys of the pipeline that send keys owned by other tasks through the repartition topic. */
export function repartitioningKeyBys(module: StreamModule): string[] {
  return probePipeline(module, (task) => [...task.ctx.keyByModes()].filter(([, mode]) => mode === 'repartition').map(([name]) => name));
}
