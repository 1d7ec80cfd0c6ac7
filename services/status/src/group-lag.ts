// The consumer group's lag as Kafka sees it: per partition, the end offset less the committed offset, and
// which member holds the partition. Only reads (admin requests); commits nothing.
import { AssignerProtocol, type Admin } from 'kafkajs';

/** One partition of the topic: its lag and the member consuming it. */
export interface PartitionLag {
  partition: number;
  end: number;
  committed: number | null;
  lag: number;
  member: string | null;
}

/** One member of the group: its client id, host and the partitions it holds. */
export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  partitions: number[];
  lag: number;
}

export interface GroupLag {
  state: string;
  partitions: PartitionLag[];
  members: GroupMember[];
}

/** Reads `groupId`'s committed offsets, the ends of `topic` and the group's members. */
export async function readGroupLag(admin: Admin, groupId: string, topic: string): Promise<GroupLag> {
  const [ends, [committed], described] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
    admin.describeGroups([groupId]),
  ]);
  const group = described.groups[0];
  const holder = new Map<number, string>();
  const members: GroupMember[] = (group?.members ?? []).map((member) => {
    const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    const partitions = [...(assignment?.assignment[topic] ?? [])].sort((a, b) => a - b);
    for (const partition of partitions) holder.set(partition, member.memberId);
    return {
      memberId: member.memberId,
      clientId: member.clientId,
      host: member.clientHost,
      partitions,
      lag: 0,
    };
  });
  const offsets = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  const partitions = ends
    .map((end): PartitionLag => {
      const high = Number(end.high);
      const at = offsets.get(end.partition);
      // -1: nothing committed yet, so the whole partition (from its low mark) is still to be read.
      const from = at === undefined || at < 0 ? Number(end.low) : at;
      return {
        partition: end.partition,
        end: high,
        committed: at === undefined || at < 0 ? null : at,
        lag: Math.max(0, high - from),
        member: holder.get(end.partition) ?? null,
      };
    })
    .sort((a, b) => a.partition - b.partition);
  for (const member of members) {
    member.lag = partitions.filter((p) => p.member === member.memberId).reduce((sum, p) => sum + p.lag, 0);
  }
  return { state: group?.state ?? 'Unknown', partitions, members };
}
