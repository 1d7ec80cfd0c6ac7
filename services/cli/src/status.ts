import { countRows, describeError, registryGetJson, subjectCompatibility } from '@userstream/shared';
import type { CliContext } from './context.ts';
import { topicOffsets } from './kafka/read-range.ts';
import { renderTable } from './render/table.ts';

/** One screen of the pipeline's state; a part that could not be read holds its error instead. */
export interface StatusReport {
  topic: {
    name: string;
    groupId: string;
    groupState?: string;
    members?: number;
    partitions?: { partition: number; committed: number; end: number; lag: number }[];
    lag?: number;
    error?: string;
  };
  deadLetters: { topic: string; count?: number; error?: string };
  registry: {
    subject: string;
    versions?: number[];
    latestId?: number;
    compatibility?: string | null;
    error?: string;
  };
  table: { name: string; rows?: number; error?: string };
}

/** The part's value, or its error message (the other parts are still read). */
async function part<T extends object>(read: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await read();
  } catch (error) {
    return { error: describeError(error) };
  }
}

/** Reads the status: the input topic and the group's lag, the dead-letter count, the subject, the rows. */
export async function readStatus(ctx: CliContext): Promise<StatusReport> {
  const { config } = ctx;
  const subject = `${config.KAFKA_TOPIC}-value`;
  const tableName = `${config.CASSANDRA_KEYSPACE}.${config.CASSANDRA_TABLE}`;
  const [topic, deadLetters, registry, table] = await Promise.all([
    part(async () => {
      const admin = await ctx.admin();
      const offsets = await topicOffsets(admin, config.KAFKA_TOPIC);
      const committed = new Map(
        (
          (await admin.fetchOffsets({ groupId: config.CONSUMER_GROUP_ID, topics: [config.KAFKA_TOPIC] }))[0]
            ?.partitions ?? []
        ).map((p) => [p.partition, Number(p.offset)]),
      );
      const group = (await admin.describeGroups([config.CONSUMER_GROUP_ID])).groups[0];
      const partitions = [...offsets].map(([partition, { low, high }]) => {
        const at = committed.get(partition) ?? -1;
        return { partition, committed: at, end: high, lag: Math.max(0, high - (at < 0 ? low : at)) };
      });
      return {
        groupState: group?.state ?? 'Unknown',
        members: group?.members.length ?? 0,
        partitions,
        lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      };
    }),
    part(async () => {
      const offsets = await topicOffsets(await ctx.admin(), config.KAFKA_DLQ_TOPIC);
      return { count: [...offsets.values()].reduce((sum, o) => sum + o.high - o.low, 0) };
    }),
    part(async () => {
      const versions = (await registryGetJson(
        ctx.registryConfig,
        `subjects/${encodeURIComponent(subject)}/versions`,
      )) as number[] | undefined;
      if (versions === undefined) return { versions: [], compatibility: null };
      const latest = (await registryGetJson(
        ctx.registryConfig,
        `subjects/${encodeURIComponent(subject)}/versions/latest`,
      )) as { id?: number } | undefined;
      return {
        versions,
        ...(latest?.id === undefined ? {} : { latestId: latest.id }),
        compatibility: (await subjectCompatibility(ctx.registryConfig, subject)) ?? null,
      };
    }),
    part(async () => ({
      rows: await countRows(await ctx.cassandra(), config.CASSANDRA_KEYSPACE, config.CASSANDRA_TABLE),
    })),
  ]);
  return {
    topic: { name: config.KAFKA_TOPIC, groupId: config.CONSUMER_GROUP_ID, ...topic },
    deadLetters: { topic: config.KAFKA_DLQ_TOPIC, ...deadLetters },
    registry: { subject, ...registry },
    table: { name: tableName, ...table },
  };
}

/** True when any part of the status could not be read. */
export function statusHasErrors(report: StatusReport): boolean {
  return [report.topic, report.deadLetters, report.registry, report.table].some((p) => p.error !== undefined);
}

/** The status screen for people. */
export function renderStatus(report: StatusReport): string {
  const { topic, deadLetters, registry, table } = report;
  const lines: string[] = [];
  if (topic.error !== undefined) {
    lines.push(`topic ${topic.name}: ERROR ${topic.error}`);
  } else {
    lines.push(
      `topic ${topic.name}, group ${topic.groupId} (${topic.groupState}, ${topic.members} member(s)), lag ${topic.lag}`,
      renderTable(
        ['PARTITION', 'COMMITTED', 'END', 'LAG'],
        (topic.partitions ?? []).map((p) => [p.partition, p.committed < 0 ? '-' : p.committed, p.end, p.lag]),
      ),
    );
  }
  lines.push('');
  lines.push(
    deadLetters.error !== undefined
      ? `dead letters ${deadLetters.topic}: ERROR ${deadLetters.error}`
      : `dead letters ${deadLetters.topic}: ${deadLetters.count}`,
  );
  if (registry.error !== undefined) {
    lines.push(`registry subject ${registry.subject}: ERROR ${registry.error}`);
  } else if ((registry.versions ?? []).length === 0) {
    lines.push(`registry subject ${registry.subject}: not registered yet`);
  } else {
    lines.push(
      `registry subject ${registry.subject}: versions ${registry.versions?.join(', ')} (latest schema id ${registry.latestId ?? '?'}), compatibility ${registry.compatibility ?? 'registry default'}`,
    );
  }
  lines.push(
    table.error !== undefined
      ? `table ${table.name}: ERROR ${table.error}`
      : `table ${table.name}: ${table.rows} rows`,
  );
  return lines.join('\n');
}
