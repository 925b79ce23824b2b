/**
 * What the processor host keeps for one task besides the task itself: where each of its
 * lanes stands, its event time, its checkpoint epochs, what it buffered for the next
 * checkpoint, and the lanes it is reading again.
 */
import type { ProduceRecord, TopicPartition, TopicPartitionOffset, TransactionalProducer } from '../../log/types.js';
import type { CheckpointMarker, StateEntry } from './changelog.js';
import type { TaskEventTime } from './event-time.js';
import { EPOCH_HEADER, type OutputDedupe, TASK_HEADER } from './output-dedupe.js';
import { type HostedTask, laneKey } from './processor.js';

export interface HostCounters {
  records: number;
  outputs: number;
  late: number;
  deadLettered: number;
  /** Records refused for an event time beyond maxFutureSkew (also in deadLettered). */
  future: number;
  /** Restored checkpoints whose watermark was beyond maxFutureSkew, and was not restored. */
  watermarkResets: number;
}

export const noCounts = (): HostCounters => ({ records: 0, outputs: 0, late: 0, deadLettered: 0, future: 0, watermarkResets: 0 });

export class TaskSlot<T extends HostedTask> {
  readonly id: number;
  /** `processor/id`: the origin header of its outputs. */
  readonly name: string;
  task!: T;
  readonly lanes: TopicPartition[] = [];
  /** Next offset to read per lane (what markers and commits record). */
  readonly positions = new Map<string, TopicPartitionOffset>();
  time: TaskEventTime | undefined;
  /** Epoch of the last complete checkpoint, and of the next one (above every epoch seen, torn ones included). */
  epoch: number;
  nextEpoch: number;
  /** Keys a torn checkpoint touched, rewritten first by the next one (changelog.ts). */
  repair: StateEntry[];
  /** The restored marker, for lanes assigned after the task was created. */
  readonly restored: CheckpointMarker | undefined;
  /** Something happened since the last checkpoint. */
  dirty = false;
  /**
   * Lanes read again from an earlier offset (a sink that could not write everything, a
   * registry that did not answer), until the records from there arrive: `to`, where the
   * lane was sought; `from`, where it stood before. Batches fetched before the seek start at
   * `from` or later, and are dropped; the replay starts below `from` (at `to`, or at the log
   * start if retention deleted `to` meanwhile).
   */
  readonly rewound = new Map<string, { to: number; from: number }>();
  /** Encoded outputs and dead letters since the last checkpoint, per topic, so a task that moves takes only its own. */
  private buffers = new Map<string, ProduceRecord[]>();
  /** Records in `buffers`. */
  pending = 0;
  readonly dedupe: OutputDedupe | undefined;
  readonly producer: TransactionalProducer | undefined;
  private origin: { epoch: number; headers: Record<string, string> } | undefined;
  readonly counters = noCounts();

  constructor(name: string, id: number, restored: { marker: CheckpointMarker | undefined; repair: StateEntry[]; nextEpoch: number } | undefined, dedupe: OutputDedupe | undefined, producer: TransactionalProducer | undefined) {
    this.name = name;
    this.id = id;
    this.restored = restored?.marker;
    this.epoch = restored?.marker?.epoch ?? 0;
    this.nextEpoch = restored?.nextEpoch ?? 1;
    this.repair = restored?.repair ?? [];
    this.dedupe = dedupe && dedupe.size > 0 ? dedupe : undefined;
    this.producer = producer;
  }

  /**
   * The task and epoch headers of the task's outputs. One object per epoch, shared by its
   * outputs, which the log then encodes once per produce call rather than once per record.
   */
  originHeaders(): Record<string, string> {
    if (this.origin?.epoch !== this.nextEpoch) this.origin = { epoch: this.nextEpoch, headers: { [TASK_HEADER]: this.name, [EPOCH_HEADER]: String(this.nextEpoch) } };
    return this.origin.headers;
  }

  /** Buffers a record for `topic`; false when it was written before a crash and is now accounted for (output-dedupe.ts). */
  buffer(topic: string, record: ProduceRecord): boolean {
    if (this.dedupe !== undefined && this.dedupe.size > 0 && this.dedupe.suppress(topic, keyBytes(record.key), valueBytes(record.value))) return false;
    let buffer = this.buffers.get(topic);
    if (!buffer) this.buffers.set(topic, (buffer = []));
    buffer.push(record);
    this.pending++;
    return true;
  }

  hasBuffered(): boolean {
    return this.pending > 0;
  }

  /** What was buffered, by topic, and a fresh buffer. */
  takeBuffers(): Map<string, ProduceRecord[]> {
    const taken = this.buffers;
    this.buffers = new Map();
    this.pending = 0;
    return taken;
  }

  /**
   * Reads a lane again from `offset` (see `rewound`): its position goes back, so no commit
   * passes it, and the dead letters buffered for its records from there on are dropped (the
   * replay makes them again). `fetchedTo`: where batches fetched before the seek start.
   */
  rewind(position: TopicPartitionOffset, offset: number, fetchedTo: number, deadLetterTopic: string | undefined): void {
    const key = laneKey(position.topic, position.partition);
    const from = Math.max(this.rewound.get(key)?.from ?? fetchedTo, fetchedTo);
    this.rewound.set(key, { to: offset, from });
    position.offset = offset;
    const letters = deadLetterTopic ? this.buffers.get(deadLetterTopic) : undefined;
    if (letters) {
      const kept = letters.filter((r) => !isFromLane(r, position.topic, position.partition, offset));
      this.pending -= letters.length - kept.length;
      this.buffers.set(deadLetterTopic!, kept);
    }
  }

  /** The marker that closes the next checkpoint. */
  marker(now: number, outputEnds: Record<string, number[]>): CheckpointMarker {
    const meta = this.task.checkpointMeta?.();
    return {
      epoch: this.nextEpoch,
      positions: [...this.positions.values()].map((p) => ({ ...p })),
      watermarks: this.time?.snapshot() ?? {},
      outputEnds,
      at: now,
      ...(meta === undefined ? {} : { meta }),
    };
  }

  /** The checkpoint that `marker` closed is durable. */
  checkpointed(marker: CheckpointMarker): void {
    this.epoch = marker.epoch;
    this.nextEpoch = marker.epoch + 1;
    this.repair = [];
    this.dirty = false;
  }
}

/** A dead letter (deadLetterRecord's headers) of a record of this lane at or past `offset`. */
function isFromLane(record: ProduceRecord, topic: string, partition: number, offset: number): boolean {
  const h = record.headers;
  return h?.['fastdata.source.topic'] === topic && h['fastdata.source.partition'] === String(partition) && Number(h['fastdata.source.offset']) >= offset;
}

const keyBytes = (key: ProduceRecord['key']): Buffer | null => (key === undefined || key === null ? null : typeof key === 'string' ? Buffer.from(key) : key);
const valueBytes = (value: ProduceRecord['value']): Buffer | null => (value === null ? null : typeof value === 'string' ? Buffer.from(value) : value);
