/**
 * The windowed stream-stream join on the embedded log with 4 partitions: orders (keyed by
 * customer, so repartitioned to their order id) and payments (keyed by order id), joined
 * when their times are at most a minute apart, compared with every pair the test finds
 * itself by brute force. Across a stop and a restart the join state is restored: no pair
 * lost, none twice; a left join also gives each order that met no payment, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineStream, joinStream, keyBy } from 'fastdata';
import { TestDriver } from 'fastdata/testing';
import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { partitionForStringKey } from '../../../src/log/partitioner.js';
import { AvroSerde } from '../../../src/schema/serde.js';
import type { RunnerEvent } from '../../../src/stream/runner-events.js';
import { readAll } from '../../conformance/log.js';
import { EmbeddedRuntime } from '../../helpers/embedded-runtime.js';
import { eventually } from '../../helpers/eventually.js';

interface Order {
  orderId: string;
  customer: string;
  ts: number;
  amount: number;
}
interface Payment {
  paymentId: string;
  orderId: string;
  ts: number;
}
interface Paid {
  orderId: string;
  paymentId: string | null;
  amount: number;
  at: number;
}

const orderSchema = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'amount', type: 'double' },
  ],
};
const paymentSchema = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'paymentId', type: 'string' },
    { name: 'orderId', type: 'string' },
    { name: 'ts', type: 'long' },
  ],
};
const paidSchema = {
  type: 'record',
  name: 'Paid',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'paymentId', type: ['null', 'string'] },
    { name: 'amount', type: 'double' },
    { name: 'at', type: 'long' },
  ],
};

const PARTITIONS = 4;
const ORDERS = 4_000;
const WITHIN = 60_000;
const BASE = 1_700_000_000_000;

/** A key with this prefix that Kafka places on `partition`. */
function keyOn(partition: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionForStringKey(`${prefix}${i}`, PARTITIONS) === partition) return `${prefix}${i}`;
}

/** A pseudo-random stream (the same every run). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/** Orders, and for most of them one or two payments, up to 30 s before or 90 s after (some beyond the minute). */
function data(): { orders: Order[]; payments: Payment[] } {
  const next = random(7);
  const orders: Order[] = [];
  const payments: Payment[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const order = { orderId: `o${i}`, customer: `c${i % 97}`, ts: BASE + i * 50, amount: Math.round(next() * 10_000) / 100 };
    orders.push(order);
    const n = next() < 0.15 ? 0 : next() < 0.2 ? 2 : 1;
    for (let p = 0; p < n; p++) payments.push({ paymentId: `p${i}-${p}`, orderId: order.orderId, ts: order.ts + Math.round(-30_000 + next() * 120_000) });
  }
  return { orders, payments };
}

/** Every pair of one order and one payment at most WITHIN apart, by brute force; and the orders in none. */
function truth(orders: Order[], payments: Payment[]): { pairs: Map<string, Paid>; alone: Map<string, Paid> } {
  const pairs = new Map<string, Paid>();
  const alone = new Map<string, Paid>();
  for (const o of orders) {
    let met = false;
    for (const p of payments) {
      if (p.orderId !== o.orderId || Math.abs(p.ts - o.ts) > WITHIN) continue;
      met = true;
      pairs.set(`${o.orderId}/${p.paymentId}`, { orderId: o.orderId, paymentId: p.paymentId, amount: o.amount, at: Math.max(o.ts, p.ts) });
    }
    if (!met) alone.set(`${o.orderId}/-`, { orderId: o.orderId, paymentId: null, amount: o.amount, at: o.ts });
  }
  return { pairs, alone };
}

describe('joinStream: orders with their payments within a minute (embedded log, 4 partitions)', () => {
  let rt: EmbeddedRuntime;
  let log: EmbeddedLog;
  let serde: AvroSerde;
  let events: RunnerEvent[];

  beforeEach(async () => {
    rt = await EmbeddedRuntime.open();
    ({ log, serde, events } = rt);
    await log.createTopic({ name: 'orders', partitions: PARTITIONS });
    await log.createTopic({ name: 'payments', partitions: PARTITIONS });
  });
  afterEach(() => rt.close());

  /** Idle inputs move the watermark to the wall clock; the restart test closes its windows with records instead. */
  const paid = (kind: 'inner' | 'left', idleTimeout: '300ms' | '1h' = '300ms') =>
    defineStream<{ orders: Order; payments: Payment }, Paid>({
      name: `paid-${kind}`,
      inputs: { orders: 'orders', payments: 'payments' },
      output: { topic: `paid.${kind}`, schema: paidSchema, key: (p) => p.orderId },
      eventTime: (r) => r.ts,
      watermark: { idleTimeout },
      commitInterval: 20,
      pipeline: ({ orders, payments }) => {
        const byOrder = payments.pipe(keyBy((p) => p.orderId, { partitioned: 'input' }));
        const options = { within: '1m', grace: '10m', name: 'order-payment' } as const;
        return orders.pipe(
          keyBy((o) => o.orderId),
          kind === 'inner'
            ? joinStream(byOrder, (o, p) => ({ orderId: o.orderId, paymentId: p.paymentId, amount: o.amount, at: Math.max(o.ts, p.ts) }), options)
            : joinStream(byOrder, (o, p) => ({ orderId: o.orderId, paymentId: p?.paymentId ?? null, amount: o.amount, at: p ? Math.max(o.ts, p.ts) : o.ts }), { ...options, kind: 'left' }),
        );
      },
    });

  const runner = (module: ReturnType<typeof paid>) => rt.runner(module, PARTITIONS);

  async function produce(orders: Order[], payments: Payment[]) {
    const orderEncoder = await serde.encoderFor('orders-value', orderSchema);
    const paymentEncoder = await serde.encoderFor('payments-value', paymentSchema);
    for (let i = 0; i < orders.length; i += 1000) await log.produce('orders', orders.slice(i, i + 1000).map((o) => ({ key: o.customer, value: orderEncoder.encode(o), timestamp: o.ts })));
    for (let i = 0; i < payments.length; i += 1000) await log.produce('payments', payments.slice(i, i + 1000).map((p) => ({ key: p.orderId, value: paymentEncoder.encode(p), timestamp: p.ts })));
  }

  async function outputs(topic: string): Promise<Map<string, Paid[]>> {
    const out = new Map<string, Paid[]>();
    for (const record of await readAll(log, topic)) {
      const p = (await serde.decode(record.value!)) as Paid;
      const id = `${p.orderId}/${p.paymentId ?? '-'}`;
      out.set(id, [...(out.get(id) ?? []), p]);
    }
    return out;
  }

  function expectEqual(got: Map<string, Paid[]>, expected: Map<string, Paid>) {
    const wrong = [...expected].filter(([id, p]) => JSON.stringify(got.get(id)) !== JSON.stringify([p]));
    expect(wrong.slice(0, 5).map(([id, p]) => ({ id, expected: p, got: got.get(id) }))).toEqual([]);
    expect([...got.keys()].filter((id) => !expected.has(id)).slice(0, 5)).toEqual([]);
  }

  it('inner: every pair within the minute, once, whichever side comes first', async () => {
    const { orders, payments } = data();
    const { pairs, alone } = truth(orders, payments);
    expect(alone.size).toBeGreaterThan(ORDERS / 10); // the premise: some orders meet no payment in time
    await produce(orders, payments);
    const r = runner(paid('inner'));
    await r.start();
    await eventually(async () => [...(await outputs('paid.inner')).values()].reduce((n, l) => n + l.length, 0) >= pairs.size, { timeoutMs: 20_000 });
    await r.stop();
    expectEqual(await outputs('paid.inner'), pairs);
    expect(events.filter((e) => e.type === 'dead-letter')).toEqual([]);
  });

  it('left, stopped and restarted halfway: every pair and every order alone, once, from the restored join state', async () => {
    const { orders, payments } = data();
    const { pairs, alone } = truth(orders, payments);
    const expected = new Map([...pairs, ...alone]);
    const module = paid('left', '1h');
    const halfOrders = orders.slice(0, ORDERS / 2);
    const halfPayments = payments.filter((p) => Number(p.orderId.slice(1)) < ORDERS / 2);
    await produce(halfOrders, halfPayments);
    const first = runner(module);
    await first.start();
    await eventually(async () => (await log.committed(module.groupId, 'payments')).reduce((n, c) => n + c.offset, 0) === halfPayments.length, { timeoutMs: 20_000 });
    await first.stop();
    // Some orders of the first half are still waiting in the join state when it stops.
    const restoredFrom = events.filter((e) => e.type === 'checkpoint').length;
    expect(restoredFrom).toBeGreaterThan(0);

    await produce(orders.slice(ORDERS / 2), payments.filter((p) => Number(p.orderId.slice(1)) >= ORDERS / 2));
    // A day later, an order and a payment on every partition: every window closes (they themselves never do).
    const later = BASE + 86_400_000;
    await produce(
      Array.from({ length: PARTITIONS }, (_, p) => ({ orderId: `close-o${p}`, customer: keyOn(p, 'close-c'), ts: later, amount: 0 })),
      Array.from({ length: PARTITIONS }, (_, p) => ({ paymentId: `close-p${p}`, orderId: keyOn(p, 'close-x'), ts: later })),
    );
    const second = runner(module);
    await second.start();
    await eventually(async () => [...(await outputs('paid.left')).values()].reduce((n, l) => n + l.length, 0) >= expected.size, { timeoutMs: 20_000 });
    await second.stop();
    expect(events.some((e) => e.type === 'restored' && e.entries > 0)).toBe(true);
    expectEqual(await outputs('paid.left'), expected);
  });
});

describe('joinStream in the TestDriver', () => {
  it('dead-letters a record older than its join window on arrival, and emits a left record alone only when its window closes', async () => {
    const module = defineStream<{ orders: Order; payments: Payment }, Paid>({
      name: 'paid-driver',
      inputs: { orders: 'orders', payments: 'payments' },
      output: { topic: 'paid', schema: paidSchema, key: (p) => p.orderId },
      eventTime: (r) => r.ts,
      pipeline: ({ orders, payments }) =>
        orders.pipe(
          keyBy((o) => o.orderId),
          joinStream(
            payments.pipe(keyBy((p) => p.orderId)),
            (o, p) => ({ orderId: o.orderId, paymentId: p?.paymentId ?? null, amount: o.amount, at: p ? Math.max(o.ts, p.ts) : o.ts }),
            { within: '1m', grace: '10s', kind: 'left' },
          ),
        ),
    });
    const driver = await TestDriver.create(module);
    driver.pipe('orders', { orderId: 'o1', customer: 'c', ts: BASE, amount: 5 });
    driver.pipe('orders', { orderId: 'o2', customer: 'c', ts: BASE + 1000, amount: 7 });
    driver.pipe('payments', { paymentId: 'p1', orderId: 'o1', ts: BASE + 60_000 });
    expect(driver.readValues()).toEqual([{ orderId: 'o1', paymentId: 'p1', amount: 5, at: BASE + 60_000 }]);
    // o2's window is open until BASE + 1 s + 1 min + 10 s: nothing alone before.
    driver.advanceWatermark(BASE + 71_000);
    expect(driver.readValues()).toEqual([]);
    driver.advanceWatermark(BASE + 71_001);
    expect(driver.readValues()).toEqual([{ orderId: 'o2', paymentId: null, amount: 7, at: BASE + 1000 }]);
    // A payment for o2 now is late: o2 is gone from the join state.
    driver.pipe('payments', { paymentId: 'p2', orderId: 'o2', ts: BASE + 1000 });
    expect(driver.readValues()).toEqual([]);
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual(['late']);
  });
});
