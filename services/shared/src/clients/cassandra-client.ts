import { readFileSync } from 'node:fs';
import cassandra from 'cassandra-driver';

export interface CassandraConfig {
  contactPoints: string[];
  localDataCenter: string;
  username?: string | undefined;
  password?: string | undefined;
  keyspace?: string;
}

/** A cassandra-driver client tuned for many small prepared writes. */
export function createCassandraClient(config: CassandraConfig): cassandra.Client {
  const auth =
    config.username !== undefined && config.password !== undefined
      ? new cassandra.auth.PlainTextAuthProvider(config.username, config.password)
      : undefined;
  return new cassandra.Client({
    contactPoints: config.contactPoints,
    localDataCenter: config.localDataCenter,
    ...(auth ? { authProvider: auth } : {}),
    ...(config.keyspace ? { keyspace: config.keyspace } : {}),
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    socketOptions: { readTimeout: 12_000, connectTimeout: 5_000 },
  });
}

/** Path of the CQL schema file shared by compose, the local stack and the tests. */
export const USERS_CQL_PATH = new URL('../../schemas/users.cql', import.meta.url);

export interface SchemaNames {
  keyspace: string;
  table: string;
  /** A CQL replication map, e.g. {'class': 'SimpleStrategy', 'replication_factor': 1}. */
  replication: string;
}

/** The statements of users.cql with the keyspace, table and replication substituted. */
export function schemaStatements(names: SchemaNames): string[] {
  const source = readFileSync(USERS_CQL_PATH, 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return source
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0)
    .map((statement) =>
      statement
        .replace(/KEYSPACE IF NOT EXISTS userstream\b/, `KEYSPACE IF NOT EXISTS ${names.keyspace}`)
        .replace(/replication = \{[^}]*\}/, `replication = ${names.replication}`)
        .replace(/\buserstream\.users\b/, `${names.keyspace}.${names.table}`),
    );
}

/** Applies users.cql idempotently (every statement is IF NOT EXISTS). */
export async function applySchema(client: cassandra.Client, names: SchemaNames): Promise<void> {
  for (const statement of schemaStatements(names)) await client.execute(statement);
}

/**
 * Number of rows in `keyspace.table`, counted page by page: a plain COUNT(*) is one request and times out
 * on the server for large tables.
 */
export async function countRows(client: cassandra.Client, keyspace: string, table: string): Promise<number> {
  let count = 0;
  let pageState: string | undefined;
  do {
    const page = await client.execute(`SELECT id FROM ${keyspace}.${table}`, [], {
      prepare: true,
      fetchSize: 10_000,
      readTimeout: 60_000,
      ...(pageState ? { pageState } : {}),
    });
    count += page.rowLength;
    pageState = page.pageState ?? undefined;
  } while (pageState);
  return count;
}
