/**
 * A consumer that knows nothing of fastdata: kafkajs and @kafkajs/confluent-schema-registry
 * only, as any other team's service would read a fastdata output topic.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';

/** Every record of `topic` (read_committed), decoded with the schema its wire-format id names. */
export async function readWithPlainClients(brokers: string[], registryUrl: string, topic: string): Promise<{ key: string | null; value: Record<string, unknown> }[]> {
  const kafka = new Kafka({ clientId: 'plain-consumer', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const registry = new SchemaRegistry({ host: registryUrl });
  const consumer = kafka.consumer({ groupId: `plain-${Date.now()}-${Math.random().toString(36).slice(2)}`, readUncommitted: false });
  const records: { key: string | null; value: Record<string, unknown> }[] = [];
  const positions = new Map<number, number>();
  const done = () => [...ends].every(([p, end]) => (positions.get(p) ?? 0) >= end - 1 || end === 0);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    // Transaction markers never reach eachMessage; the end of each batch says how far it went.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      positions.set(payload.partition, Math.max(positions.get(payload.partition) ?? 0, Number(payload.lastOffset)));
      if (done()) finish();
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        records.push({ key: message.key?.toString() ?? null, value: (await registry.decode(message.value!)) as Record<string, unknown> });
      },
    });
    if (done()) finish();
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`plain consumer did not reach the end of ${topic} in 60 s`)), 60_000))]);
  } finally {
    await consumer.disconnect();
  }
  return records;
}
