/**
 * kafkajs, as fastdata loads it: with a linear grouping of a send's messages by partition.
 *
 * kafkajs 2.2.4 (its last release, February 2023) groups the messages of every send by
 * partition with `[...current, message]` for each message, quadratic in the messages per
 * partition. fastdata sends a checkpoint's outputs and state changes in requests of up to
 * max.message.bytes (1 MiB: 10,000 small records and more), where that grouping alone cost
 * 7 µs a message at 10,000 per send and 13 µs at 16,000 (measured on this project's CI
 * machine), more than encoding them. The linear version is what upstream's open pull
 * request (tulios/kafkajs#1576) proposes.
 *
 * kafkajs's producer takes the grouping with `require('./groupMessagesPerPartition')` when
 * it loads, so the linear one is put in Node's module cache under that file's name before
 * kafkajs is first required. Every fastdata module takes kafkajs from here. When something
 * else loaded kafkajs first (an application that imports it before fastdata), its own
 * grouping stays: correct, only slower (`groupingIsLinear` says which).
 */
import { Module, createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface GroupingArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

/** The messages of one send by partition, each partition's in their order: kafkajs's result, in linear time. */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupingArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list === undefined) result[partition] = [message];
    else list.push(message);
  }
  return result;
}

const GROUPING_FILE = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

if (require.cache[GROUPING_FILE] === undefined) {
  const linear = new Module(GROUPING_FILE);
  linear.filename = GROUPING_FILE;
  linear.loaded = true;
  linear.exports = groupMessagesPerPartition;
  require.cache[GROUPING_FILE] = linear;
}

/** Whether kafkajs's producer uses the linear grouping (false: kafkajs was loaded before fastdata). */
export const groupingIsLinear: boolean = require.cache[GROUPING_FILE]?.exports === groupMessagesPerPartition;

const kafkajs = require('kafkajs') as typeof import('kafkajs');
export default kafkajs;
