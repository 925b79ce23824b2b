/**
 * Transactions on Kafka through @platformatic/kafka: outputs, state and the input offsets of
 * a consumer group written together or not at all (exactly-once processing).
 *
 * Opening the producer registers its transactional id at once (InitProducerId, inside the
 * library's first beginTransaction), which fences an older producer with the same id and
 * aborts its open transaction, so what is read next (a task's changelog, by its new owner)
 * no longer waits for that transaction to time out. A transaction that wrote nothing ends
 * without a request: the broker refuses EndTxn for a transaction it never saw begin.
 *
 * The library commits offsets in a transaction only for a message its own consumer read
 * (TxnOffsetCommit takes the group, its coordinator, generation and member from the
 * message); the Log commits for a group by name, so each offset goes as such a message,
 * without generation or member (-1, ''): the broker then checks the producer's epoch only,
 * as it does for kafkajs's sendOffsets.
 */
import { FindCoordinatorKeyTypes, Producer, type Admin, type Message } from '@platformatic/kafka';
import { FastdataError } from '../../errors.js';
import type { LogTransaction, ProduceRecord, TransactionalProducer } from '../types.js';
import type { BaseClientOptions } from './client-options.js';
import { fromPlatformaticError } from './errors.js';
import { toMessage } from './records.js';

export interface TransactionHost {
  base: BaseClientOptions;
  admin: Admin;
  /** Partitions records as the Log's produce does (checks included). */
  place(topic: string, records: ProduceRecord[]): Promise<{ partitions: number[] }>;
  compressionOf(topic: string): 'none' | 'gzip' | 'lz4' | 'zstd' | 'snappy';
  onClose(producer: TransactionalProducer): void;
}

export async function openTransactionalProducer(transactionalId: string, host: TransactionHost): Promise<TransactionalProducer> {
  const producer = new Producer({ ...host.base, transactionalId, idempotent: true, acks: -1, autocreateTopics: false });
  try {
    // producerId and epoch -1: a new producer for this id, which bumps the epoch and fences
    // the last one. The library's default (0, 0) asks to continue producer 0 instead, which
    // the broker refuses (PRODUCER_FENCED) for an id that was used before: a task's id always
    // is once it moves. Only here: should this producer be fenced later, its next begin()
    // fails rather than fencing the newer one in turn.
    const first = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    await first.cancel();
  } catch (error) {
    await producer.close().catch(() => undefined);
    throw fromPlatformaticError(error, `cannot open the transactional producer ${transactionalId}`);
  }
  const coordinators = new Map<string, number>();
  const coordinatorOf = async (groupId: string) => {
    let node = coordinators.get(groupId);
    if (node === undefined) {
      const [found] = await host.admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
      if (!found) throw new FastdataError('FD_LOG_IO', `no coordinator found for consumer group ${groupId}`, { retriable: true });
      node = found.nodeId;
      coordinators.set(groupId, node);
    }
    return node;
  };
  const handle: TransactionalProducer = {
    async begin(): Promise<LogTransaction> {
      let tx: Awaited<ReturnType<Producer['beginTransaction']>>;
      try {
        tx = await producer.beginTransaction();
      } catch (error) {
        throw fromPlatformaticError(error, `cannot begin a transaction of ${transactionalId}`);
      }
      let written = false;
      return {
        async produce(topic, records) {
          if (records.length === 0) return;
          const { partitions } = await host.place(topic, records);
          const now = Date.now();
          try {
            await tx.send({ messages: records.map((r, i) => toMessage(topic, r, partitions[i]!, now)), compression: host.compressionOf(topic) });
          } catch (error) {
            throw fromPlatformaticError(error, `cannot produce to ${topic} in a transaction of ${transactionalId}`, { topic });
          }
          written = true;
        },
        async commitOffsets(groupId, offsets) {
          if (offsets.length === 0) return;
          try {
            const coordinatorId = await coordinatorOf(groupId);
            await tx.addConsumer({ groupId } as never);
            // One request per partition (the library's), one after the other: it runs one at a time per producer.
            for (const o of offsets) {
              const message = {
                topic: o.topic,
                partition: o.partition,
                offset: BigInt(o.offset) - 1n, // the library commits the offset after the message's
                metadata: { consumer: { groupId, generationId: -1, memberId: '', coordinatorId } },
              } as unknown as Message;
              await tx.addOffset(message);
            }
          } catch (error) {
            coordinators.delete(groupId);
            throw fromPlatformaticError(error, `cannot commit offsets of group ${groupId} in a transaction of ${transactionalId}`);
          }
          written = true;
        },
        async commit() {
          try {
            if (written) await tx.commit();
            else await tx.cancel();
          } catch (error) {
            throw fromPlatformaticError(error, `cannot commit transaction of ${transactionalId}`);
          }
        },
        async abort() {
          try {
            if (written) await tx.abort();
            else await tx.cancel();
          } catch (error) {
            // Nothing more to do with it here: the next begin() or the broker's timeout ends it.
            await tx.cancel().catch(() => undefined);
            throw fromPlatformaticError(error, `cannot abort transaction of ${transactionalId}`);
          }
        },
      };
    },
    async close() {
      host.onClose(handle);
      await producer.close(true);
    },
  };
  return handle;
}
