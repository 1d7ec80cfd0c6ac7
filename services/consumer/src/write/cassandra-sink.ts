import cassandra from 'cassandra-driver';
import type { UserRecord } from '@userstream/shared';
import { isPermanentWriteError } from './write-errors.ts';

/** A record plus where it came from in Kafka (the lineage columns). */
export interface RowToWrite {
  record: UserRecord;
  partition: number;
  offset: string;
}

/** What happened to each row of a write, by index into the input. */
export interface WriteOutcome {
  written: number[];
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
    new Date(r.produced_at),
    row.partition,
    cassandra.types.Long.fromString(row.offset),
    ingestedAt,
    // Microseconds, as Cassandra's own write timestamps are.
    cassandra.types.Long.fromNumber(r.produced_at).multiply(1000),
  ];
}

/** Writes rows as idempotent upserts, `concurrency` at a time, and sorts each row's outcome. */
export interface CassandraSink {
  write(rows: readonly RowToWrite[]): Promise<WriteOutcome>;
}

/** Creates a sink for `keyspace.table` on a connected client. */
export function createCassandraSink(
  client: cassandra.Client,
  options: { keyspace: string; table: string; concurrency: number },
): CassandraSink {
  const query = upsertStatement(options.keyspace, options.table);
  return {
    async write(rows) {
      const outcome: WriteOutcome = { written: [], permanent: [], transient: [] };
      if (rows.length === 0) return outcome;
      const ingestedAt = new Date();
      const params = rows.map((row) => upsertParams(row, ingestedAt));
      const result = await cassandra.concurrent.executeConcurrent(client, query, params, {
        concurrencyLevel: options.concurrency,
        raiseOnFirstError: false,
        collectResults: true,
        maxErrors: Number.MAX_SAFE_INTEGER,
      });
      result.resultItems.forEach((item, index) => {
        if (item instanceof Error) {
          (isPermanentWriteError(item) ? outcome.permanent : outcome.transient).push({ index, error: item });
        } else {
          outcome.written.push(index);
        }
      });
      return outcome;
    },
  };
}
