import type { ReplayStart } from '../args.ts';
import type { CliContext } from '../context.ts';
import { RefusedError } from '../exit-codes.ts';
import { topicOffsets } from '../kafka/read-range.ts';
import { renderTable } from '../render/table.ts';

/** One partition of a group replay: the committed offset before and after, and the lag each leaves. */
export interface PartitionMove {
  partition: number;
  /** -1 when the group has committed nothing on the partition. */
  committed: number;
  end: number;
  lagBefore: number;
  target: number;
  lagAfter: number;
}

/** What `replay --from` did (or would do with --dry-run). */
export interface GroupReplayReport {
  groupId: string;
  topic: string;
  from: string;
  dryRun: boolean;
  partitions: PartitionMove[];
}

/** A live member of a consumer group, as the refusal names it. */
export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

/** The refusal's message: offsets of a group with live members cannot be moved (they would overwrite them). */
export function liveMembersMessage(groupId: string, members: readonly GroupMember[]): string {
  const names = members.map((m) => `${m.clientId} on ${m.clientHost} (${m.memberId})`).join(', ');
  return `consumer group ${groupId} has ${members.length} live member(s): ${names}. Stop the consumers first; the group's offsets can only be moved while it is empty`;
}

/** Lag for a committed offset (none committed: the whole retained partition). */
function lag(committed: number, low: number, end: number): number {
  return Math.max(0, end - (committed < 0 ? low : committed));
}

/**
 * Moves the consumer group's committed offsets on the input topic back to `from` (the earliest retained, or
 * the first offset at or after a time), so that the consumers read again from there when they start; rows
 * are upserts, so they are written again with the same values. Refuses (RefusedError) while the group has
 * live members, naming them.
 */
export async function replayGroup(
  ctx: CliContext,
  from: ReplayStart,
  options: { dryRun: boolean; groupId?: string | undefined },
): Promise<GroupReplayReport> {
  const admin = await ctx.admin();
  const topic = ctx.config.KAFKA_TOPIC;
  const groupId = options.groupId ?? ctx.config.CONSUMER_GROUP_ID;
  const { groups } = await admin.describeGroups([groupId]);
  const members = groups[0]?.members ?? [];
  if (members.length > 0) throw new RefusedError(liveMembersMessage(groupId, members));

  const offsets = await topicOffsets(admin, topic);
  const committed = new Map(
    ((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []).map((p) => [
      p.partition,
      Number(p.offset),
    ]),
  );
  const targets =
    from.kind === 'earliest'
      ? new Map([...offsets].map(([partition, { low }]) => [partition, low]))
      : new Map(
          (await admin.fetchTopicOffsetsByTimestamp(topic, from.millis)).map((o) => [
            o.partition,
            Number(o.offset),
          ]),
        );
  const partitions = [...offsets].map(([partition, { low, high }]): PartitionMove => {
    const before = committed.get(partition) ?? -1;
    const target = targets.get(partition) ?? high;
    return {
      partition,
      committed: before,
      end: high,
      lagBefore: lag(before, low, high),
      target,
      lagAfter: lag(target, low, high),
    };
  });
  if (!options.dryRun) {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.target) })),
    });
  }
  return {
    groupId,
    topic,
    from: from.kind === 'earliest' ? 'offset:earliest' : new Date(from.millis).toISOString(),
    dryRun: options.dryRun,
    partitions,
  };
}

/** The group replay for people: per partition, before and after. */
export function renderGroupReplay(report: GroupReplayReport): string {
  const total = (pick: (p: PartitionMove) => number) =>
    report.partitions.reduce((sum, p) => sum + pick(p), 0);
  const title = report.dryRun
    ? `dry run: would move group ${report.groupId} on ${report.topic} to ${report.from}`
    : `moved group ${report.groupId} on ${report.topic} to ${report.from}`;
  return [
    title,
    '',
    renderTable(
      ['PARTITION', 'COMMITTED', 'END', 'LAG BEFORE', 'NEW OFFSET', 'LAG AFTER'],
      report.partitions.map((p) => [
        p.partition,
        p.committed < 0 ? '-' : p.committed,
        p.end,
        p.lagBefore,
        p.target,
        p.lagAfter,
      ]),
    ),
    '',
    `lag before ${total((p) => p.lagBefore)}, after ${total((p) => p.lagAfter)}${report.dryRun ? ' (nothing moved)' : ''}`,
  ].join('\n');
}
