// Where the servers of the local stack are: the variables `scripts/stack.sh env` prints, with the same
// defaults, so these tests run against `npm run stack:up` without any setup.

function list(value: string | undefined, fallback: string): string[] {
  return (value ?? fallback)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export const KAFKA_BROKERS = list(process.env.KAFKA_BROKERS, '127.0.0.1:9092');
export const SCHEMA_REGISTRY_URL = (
  process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
).replace(/\/+$/, '');
export const CASSANDRA_CONTACT_POINTS = list(process.env.CASSANDRA_CONTACT_POINTS, '127.0.0.1:9042');
export const CASSANDRA_LOCAL_DC = process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1';

/** A name no earlier run used: lower-case letters, digits and `_`, safe for topics and CQL. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
