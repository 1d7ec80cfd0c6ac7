// Names unique to one run, so that tests and bench runs never share a topic, group or keyspace.
import { randomBytes } from 'node:crypto';

/** A name unique to this run, valid as a topic, group, keyspace or table name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The names a run points the services at: its own topic, dead-letter topic, group and keyspace. */
export function freshNames(prefix: string) {
  const base = uniqueName(prefix);
  return {
    KAFKA_TOPIC: `${base}_users`,
    KAFKA_DLQ_TOPIC: `${base}_users.dlq`,
    CONSUMER_GROUP_ID: `${base}_group`,
    CASSANDRA_KEYSPACE: base,
    CASSANDRA_TABLE: 'users',
  };
}

/** The names `freshNames` returns. */
export type RunNames = ReturnType<typeof freshNames>;
