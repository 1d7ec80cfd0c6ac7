import cassandra from 'cassandra-driver';
import type { UserRecord } from '@userstream/shared/record';
import { asPermissionError, isPermanentWriteError } from './write-errors.ts';

/** A record plus where it came from in Kafka (the lineage columns). */
export interface RowToWrite {
  record: UserRecord;
  partition: number;
  offset: string;
}

/** What happened to each row of a write, by index into the input. */
export interface WriteOutcome {
  written: number[];
  /** When each row of `written` was acknowledged (epoch ms), in the same order: its own request's end. */
  writtenAt: number[];
  permanent: { index: number; error: unknown }[];
  transient: { index: number; error: unknown }[];
}

const COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'gender',
  'address',
  'postcode',
  'email',
  'username',
  'dob',
  'registered_date',
  'phone',
  'picture',
  'nat',
  'cell',
  'latitude',
  'longitude',
  'timezone_offset',
  'produced_at',
  'kafka_partition',
  'kafka_offset',
  'ingested_at',
] as const;

/** The prepared upsert. USING TIMESTAMP produced_at makes a replay of an older record unable to win. */
export function upsertStatement(keyspace: string, table: string): string {
  const placeholders = COLUMNS.map(() => '?').join(', ');
  return `INSERT INTO ${keyspace}.${table} (${COLUMNS.join(', ')}) VALUES (${placeholders}) USING TIMESTAMP ?`;
}

const toDate = (millis: number | null): Date | null => (millis === null ? null : new Date(millis));

/** The bound values of the upsert for one row, in COLUMNS order plus the write timestamp. */
export function upsertParams(row: RowToWrite, ingestedAt: Date): unknown[] {
  const r = row.record;
  return [
    r.id,
    r.first_name,
    r.last_name,
    r.gender,
    r.address,
    r.postcode,
    r.email,
    r.username,
    toDate(r.dob),
    toDate(r.registered_date),
    r.phone,
    r.picture,
    r.nat,
    r.cell,
    r.latitude,
    r.longitude,
    r.timezone_offset,
    new Date(r.produced_at),
    row.partition,
    cassandra.types.Long.fromString(row.offset),
    ingestedAt,
    // Microseconds, as Cassandra's own write timestamps are (exact: epoch ms x 1000 stays below 2^53).
    cassandra.types.Long.fromNumber(r.produced_at * 1000),
  ];
}

/** Writes rows as idempotent upserts, `concurrency` requests at a time, and sorts each row's outcome. */
export interface CassandraSink {
  write(rows: readonly RowToWrite[]): Promise<WriteOutcome>;
}

export interface SinkOptions {
  keyspace: string;
  table: string;
  /** Requests in flight at once. */
  concurrency: number;
  /**
   * Rows per request. 1 writes each row as its own prepared upsert. More groups rows that live on the same
   * replicas into one UNLOGGED batch, which saves a round trip and request handling per row without adding
   * coordinator fan-out (the coordinator owns every row of the batch). Keep it at or below Cassandra's
   * unlogged_batch_across_partitions_warn_threshold (10).
   */
  batchRows: number;
}

const queryOptions = { prepare: true, logged: false } as const;

/** Creates a sink for `keyspace.table` on a connected client. */
export function createCassandraSink(client: cassandra.Client, options: SinkOptions): CassandraSink {
  const query = upsertStatement(options.keyspace, options.table);

  /** Row indexes grouped by the replicas that own them, in groups of at most batchRows. */
  function groupByReplicas(rows: readonly RowToWrite[]): number[][] {
    // Single-row requests, or one node owning every row: no need to hash each key to find its replicas.
    const replicaKey =
      options.batchRows <= 1 || client.hosts.length <= 1
        ? () => ''
        : (row: RowToWrite) =>
            client
              .getReplicas(options.keyspace, cassandra.types.Uuid.fromString(row.record.id).getBuffer())
              ?.map((host) => host.address)
              .join(',') ?? '';
    const open = new Map<string, number[]>();
    const groups: number[][] = [];
    rows.forEach((row, index) => {
      const key = replicaKey(row);
      let group = open.get(key);
      if (!group) {
        group = [];
        open.set(key, group);
      }
      group.push(index);
      if (group.length >= options.batchRows) {
        groups.push(group);
        open.delete(key);
      }
    });
    groups.push(...open.values());
    return groups;
  }

  async function writeGroup(group: number[], params: unknown[][], outcome: WriteOutcome): Promise<void> {
    try {
      if (group.length === 1) {
        await client.execute(query, params[group[0]!], queryOptions);
      } else {
        await client.batch(
          group.map((index) => ({ query, params: params[index]! })),
          queryOptions,
        );
      }
      const at = Date.now();
      for (const index of group) {
        outcome.written.push(index);
        outcome.writtenAt.push(at);
      }
    } catch (error) {
      if (group.length > 1 && isPermanentWriteError(error)) {
        // One bad row refuses the whole batch: write the rows one by one to find it.
        for (const index of group) await writeGroup([index], params, outcome);
        return;
      }
      const target = isPermanentWriteError(error) ? outcome.permanent : outcome.transient;
      const reported = asPermissionError(error) ?? error;
      for (const index of group) target.push({ index, error: reported });
    }
  }

  return {
    async write(rows) {
      const outcome: WriteOutcome = { written: [], writtenAt: [], permanent: [], transient: [] };
      if (rows.length === 0) return outcome;
      const ingestedAt = new Date();
      const params = rows.map((row) => upsertParams(row, ingestedAt));
      const groups = groupByReplicas(rows);
      // A fixed pool of workers keeps `concurrency` requests in flight without holding result sets.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < groups.length) await writeGroup(groups[next++]!, params, outcome);
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, groups.length) }, worker));
      return outcome;
    },
  };
}
