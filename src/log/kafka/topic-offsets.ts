/**
 * A topic's offsets from kafkajs, asked again while some partition has no leader the
 * client knows of. kafkajs's `admin.fetchTopicOffsets` then fails with a TypeError of its
 * own ("Cannot destructure property 'partitions' of 'high.pop(...)'"): it groups the
 * partitions by leader, finds none for a partition whose leader was still being elected
 * when the client cached the topic's metadata (a topic created a moment before, by this
 * process or another worker), and destructures an empty answer. The cache is kept for
 * minutes (metadataMaxAge) and nothing public refreshes it, except the calls that begin
 * with a refresh: `listGroups` is the cheapest of them (one request per broker).
 */
import type { Admin } from 'kafkajs';

/** kafkajs's failure on a partition without a known leader (see the file comment). */
export function isLeaderlessOffsets(error: unknown): boolean {
  return error instanceof TypeError && /of '(high|low)\.pop\(\.\.\.\)'/.test(error.message);
}

type Offsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

export async function fetchTopicOffsets(admin: Admin, topic: string, timeoutMs = 10_000): Promise<Offsets> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(1000, wait * 2)) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!isLeaderlessOffsets(error) || Date.now() + wait > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    // Refreshes the client's metadata (see the file comment); the groups are not needed.
    await admin.listGroups().catch(() => undefined);
  }
}
