// Cassandra helpers: a connected client for the local stack, and reading a table back.
import cassandra from 'cassandra-driver';
import { stack } from './stack.ts';

/** A connected cassandra-driver client for the stack's contact points (or `endpoints`). */
export async function cassandraClient(
  endpoints: { CASSANDRA_CONTACT_POINTS: string; CASSANDRA_LOCAL_DC: string } = stack,
): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: endpoints.CASSANDRA_CONTACT_POINTS.split(','),
    localDataCenter: endpoints.CASSANDRA_LOCAL_DC,
  });
  await client.connect();
  return client;
}

/** Every row of `keyspace.table`, as plain objects. */
export async function allRows(
  client: cassandra.Client,
  keyspace: string,
  table = 'users',
): Promise<cassandra.types.Row[]> {
  const rows: cassandra.types.Row[] = [];
  await new Promise<void>((resolve, reject) => {
    client.eachRow(
      `SELECT * FROM ${keyspace}.${table}`,
      [],
      { prepare: true, autoPage: true, fetchSize: 5_000 },
      (_n, row) => rows.push(row),
      (error) => (error ? reject(error) : resolve()),
    );
  });
  return rows;
}
