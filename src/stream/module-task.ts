/**
 * A stream module's task on the processor host: the module's pipeline (a StreamTask) for
 * one partition of its inputs, its outputs through the output stage, its state through the
 * changelog.
 */
import type { LogRecord, TopicPartition } from '../log/types.js';
import type { Clock } from '../time/clock.js';
import type { StreamModule } from './define.js';
import type { HostedTask, TaskIo, TaskRestore } from './host/processor.js';
import { type OutputStage, isDeadLetter } from './output-stage.js';
import { StreamTask } from './task.js';

export class ModuleTask implements HostedTask {
  readonly task: StreamTask;
  private readonly aliasOf: Map<string, string>;

  constructor(module: StreamModule, id: number, _lanes: readonly TopicPartition[], io: TaskIo, restored: TaskRestore | undefined, clock: Clock, stage: OutputStage) {
    this.aliasOf = new Map(module.inputs.map((i) => [i.topic, i.alias]));
    const topic = module.output.topic;
    this.task = new StreamTask(module, id, clock, {
      output: (value, timestamp) => {
        const staged = stage.accept(value);
        if (isDeadLetter(staged)) io.deadLetter(staged);
        else io.output(topic, { key: staged.key, value: staged.value, timestamp: Number.isFinite(timestamp) ? timestamp : clock.now(), headers: io.originHeaders() });
      },
      deadLetter: (letter) => io.deadLetter(letter),
      warn: (message) => io.warn(message),
    });
    this.task.start();
    if (restored) this.task.restore(restored.entries);
  }

  process(value: unknown, record: LogRecord, eventTime: number): void {
    this.task.process(this.aliasOf.get(record.topic)!, value, record, eventTime);
  }

  advanceWatermark(_clock: string, watermark: number): void {
    this.task.advanceWatermark(watermark);
  }

  tick(): void {
    this.task.tick();
  }

  drainState() {
    return this.task.drainState();
  }

  stop(): void {
    this.task.stop();
  }
}
