import type { CliContext } from '../context.ts';
import { readRange, topicOffsets, type OffsetRange } from '../kafka/read-range.ts';
import { toLetter, type Letter } from './letter.ts';

/**
 * The letters of the dead-letter topic from `start` (per partition; the earliest retained where absent),
 * or from `sinceMs` when later, up to the topic's end as it was when the read began. Ordered by partition,
 * then offset. Also returns the end offsets it read to.
 */
export async function readLetters(
  ctx: CliContext,
  options: { sinceMs?: number | undefined; start?: Map<number, number> } = {},
): Promise<{ letters: Letter[]; end: Map<number, number> }> {
  const admin = await ctx.admin();
  const topic = ctx.config.KAFKA_DLQ_TOPIC;
  const offsets = await topicOffsets(admin, topic);
  const since =
    options.sinceMs === undefined
      ? new Map<number, number>()
      : new Map(
          (await admin.fetchTopicOffsetsByTimestamp(topic, options.sinceMs)).map((o) => [
            o.partition,
            Number(o.offset),
          ]),
        );
  const ranges: OffsetRange = new Map();
  for (const [partition, { low, high }] of offsets) {
    const start = Math.max(low, options.start?.get(partition) ?? low, since.get(partition) ?? low);
    ranges.set(partition, { start, end: high });
  }
  const letters: Letter[] = [];
  await readRange(ctx.kafka, admin, topic, ranges, (partition, message) =>
    letters.push(toLetter(partition, message)),
  );
  letters.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  return { letters, end: new Map([...offsets].map(([partition, { high }]) => [partition, high])) };
}
