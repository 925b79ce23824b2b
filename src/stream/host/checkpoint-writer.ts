/**
 * How the processor host makes a checkpoint durable, in one of two ways:
 *
 * - at-least-once (`writeInOrder`): the outputs and dead letters of every task are
 *   produced, then each task's state changes closed by a marker (positions, watermarks,
 *   where the outputs ended) go to its changelog partition, then the positions are
 *   committed. Each topic's records go in produce requests under its max.message.bytes; a
 *   crash between two of them is recognised on restore (changelog.ts, output-dedupe.ts).
 * - exactly-once (`writeInTransactions`): per task, all of that in one transaction of the
 *   task's own producer, the positions committed with it.
 */
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import { splitIntoRequests } from '../../log/batch-size.js';
import type { GroupConsumer, Log, ProduceRecord, TopicPartitionOffset } from '../../log/types.js';
import type { RunnerEvent } from '../runner-events.js';
import { changelogRecords } from './changelog.js';
import { crashPoint } from './failpoints.js';
import { type HostedTask, laneKey } from './processor.js';
import type { TaskSlot } from './task-slot.js';

export interface CheckpointTarget {
  name: string;
  log: Log;
  feed: GroupConsumer;
  changelogTopic: string | undefined;
  deadLetterTopic: string | undefined;
  outputTopics: readonly string[];
  taskOf(topic: string, partition: number): number;
  emit(event: RunnerEvent): void;
  /** Gives a task up (its partition moved to another worker). */
  drop(id: number): Promise<void>;
}

export interface CheckpointCounts {
  outputs: number;
  deadLetters: number;
  partitions: number;
}

export class CheckpointWriter {
  /** Largest record batch per topic (read from the topic the first time it is written). */
  private readonly maxBytes = new Map<string, number>();

  constructor(private readonly target: CheckpointTarget) {}

  /** Reads a topic's limit now (at start: a missing topic is an error before anything runs). */
  async prepare(topic: string): Promise<number> {
    const described = await this.target.log.describeTopic(topic);
    if (!described) throw new FastdataError('FD_TOPIC_NOT_FOUND', `${this.target.name}: topic ${topic} does not exist; it is created before the processor starts`, { context: { topic } });
    this.maxBytes.set(topic, described.config.maxMessageBytes);
    return described.partitions;
  }

  /** At-least-once: outputs of all tasks, then each task's state and marker, then one commit. */
  async writeInOrder<T extends HostedTask>(slots: Iterable<TaskSlot<T>>, now: number): Promise<CheckpointCounts> {
    const { log, changelogTopic, deadLetterTopic, feed } = this.target;
    const produce = (topic: string, records: ProduceRecord[]) => log.produce(topic, records);
    const all = [...slots];
    const buffers = merge(all.map((slot) => slot.takeBuffers()));
    // Topics apart, tasks apart: what one checkpoint writes goes out side by side (each
    // topic's, each changelog partition's requests in order), a round trip for all rather
    // than one per topic and task, since the checkpoint holds up processing meanwhile.
    await Promise.all([...buffers].map(([topic, records]) => this.produceInRequests(topic, records, produce)));
    crashPoint('checkpoint.outputs');

    const outputEnds: Record<string, number[]> = {};
    if (changelogTopic) {
      const topics = [...this.target.outputTopics, ...(deadLetterTopic ? [deadLetterTopic] : [])];
      const ends = await Promise.all(topics.map(async (topic) => (await log.offsets(topic)).map((o) => o.end)));
      topics.forEach((topic, i) => (outputEnds[topic] = ends[i]!));
    }
    const written: TaskSlot<T>[] = [];
    const changelogWrites: Promise<void>[] = [];
    for (const slot of all) {
      if (changelogTopic) {
        const changes = slot.task.drainState?.() ?? [];
        if (!slot.dirty && changes.length === 0 && slot.repair.length === 0) continue;
        const entries = slot.repair.length > 0 ? [...slot.repair, ...changes] : changes;
        const marker = slot.marker(now, outputEnds);
        changelogWrites.push(this.produceInRequests(changelogTopic, changelogRecords(slot.id, entries, marker), produce, 'checkpoint.request').then(() => slot.checkpointed(marker)));
      } else if (!slot.dirty) continue;
      written.push(slot);
    }
    await Promise.all(changelogWrites);
    const commits: TopicPartitionOffset[] = [];
    for (const slot of written) {
      slot.dirty = false;
      for (const position of slot.positions.values()) commits.push({ ...position });
    }
    // Only what this member still owns; a partition on its way out is resumed by its new
    // owner from the changelog marker just written, which may be ahead of the commit.
    const owned = new Set(feed.assignment().map((tp) => laneKey(tp.topic, tp.partition)));
    const mine = commits.filter((c) => owned.has(laneKey(c.topic, c.partition)));
    if (mine.length > 0) {
      try {
        await feed.commit(mine);
      } catch (error) {
        if (!isFastdataError(error, 'FD_GROUP_REBALANCING')) throw error;
        this.target.emit({ type: 'warning', module: this.target.name, message: `commit deferred by a rebalance; the changelog holds the positions (${errorMessage(error)})` });
      }
    }
    return { ...this.count(buffers), partitions: mine.length };
  }

  /**
   * Exactly-once: per task, one transaction with its outputs, dead letters, state and input
   * positions, one task after another. (Side by side, on their own producers, a clean-clone
   * run once counted 36 readings of a repartitioned window twice on Kafka; until that is
   * understood, the tasks' transactions stay in sequence.)
   */
  async writeInTransactions<T extends HostedTask>(slots: Iterable<TaskSlot<T>>, now: number): Promise<CheckpointCounts> {
    const totals: CheckpointCounts = { outputs: 0, deadLetters: 0, partitions: 0 };
    for (const slot of [...slots]) {
      const counts = await this.writeTransaction(slot, now);
      if (!counts) continue;
      totals.outputs += counts.outputs;
      totals.deadLetters += counts.deadLetters;
      totals.partitions++;
    }
    return totals;
  }

  /** One task's transaction; undefined when it had nothing to write or its partition moved away meanwhile. */
  private async writeTransaction<T extends HostedTask>(slot: TaskSlot<T>, now: number): Promise<{ outputs: number; deadLetters: number } | undefined> {
    const { changelogTopic, feed } = this.target;
    const changes = changelogTopic ? (slot.task.drainState?.() ?? []) : [];
    if (!slot.dirty && changes.length === 0 && !slot.hasBuffered()) return undefined;
    const buffers = slot.takeBuffers();
    const marker = slot.marker(now, {});
    const tx = await slot.producer!.begin();
    const send = (topic: string, records: ProduceRecord[]) => tx.produce(topic, records);
    try {
      for (const [topic, records] of buffers) await this.produceInRequests(topic, records, send);
      if (changelogTopic) await this.produceInRequests(changelogTopic, changelogRecords(slot.id, changes, marker), send, 'checkpoint.request');
      await tx.commitOffsets(feed.groupId, [...slot.positions.values()].map((p) => ({ ...p })));
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      // Fenced (another worker owns the task now) or moved by a rebalance: the new owner
      // redoes this work from the last committed transaction. Anything else is a failure.
      const moved = !feed.assignment().some((tp) => this.target.taskOf(tp.topic, tp.partition) === slot.id);
      if (!moved && !isFencing(error)) throw error;
      this.target.emit({ type: 'warning', module: this.target.name, message: `partition ${slot.id} moved to another worker; its uncommitted work is dropped (${errorMessage(error)})` });
      await this.target.drop(slot.id);
      return undefined;
    }
    slot.checkpointed(marker);
    return this.count(buffers);
  }

  /** Produces records in requests under the topic's size limit, in order; `point`: the crash point passed after each. */
  private async produceInRequests(topic: string, records: ProduceRecord[], send: (topic: string, records: ProduceRecord[]) => Promise<unknown>, point?: string): Promise<void> {
    const maxBytes = this.maxBytes.get(topic) ?? (await this.prepare(topic), this.maxBytes.get(topic)!);
    for (const request of splitIntoRequests(topic, records, maxBytes)) {
      await send(topic, request);
      if (point) crashPoint(point);
    }
  }

  private count(buffers: Map<string, ProduceRecord[]>): { outputs: number; deadLetters: number } {
    const deadLetters = this.target.deadLetterTopic ? (buffers.get(this.target.deadLetterTopic)?.length ?? 0) : 0;
    return { outputs: [...buffers.values()].reduce((n, r) => n + r.length, 0) - deadLetters, deadLetters };
  }
}

/** Every task's buffers as one list per topic. */
function merge(all: Map<string, ProduceRecord[]>[]): Map<string, ProduceRecord[]> {
  const byTopic = new Map<string, ProduceRecord[]>();
  for (const buffers of all) {
    for (const [topic, records] of buffers) {
      if (records.length === 0) continue;
      const into = byTopic.get(topic);
      // Appended one by one: a spread of 5,000 arguments would be slower and has a size limit.
      if (into) for (let i = 0; i < records.length; i++) into.push(records[i]!);
      else byTopic.set(topic, records);
    }
  }
  return byTopic;
}

/** A transactional producer replaced by a newer one with the same id (a zombie worker). */
function isFencing(error: unknown): boolean {
  const text = `${errorMessage(error)} ${errorMessage((error as { cause?: unknown })?.cause)}`;
  return /fenced|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|INVALID_PRODUCER_ID_MAPPING/i.test(text);
}
