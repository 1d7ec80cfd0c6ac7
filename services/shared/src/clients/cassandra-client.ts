import { readFileSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { ConfigError } from '../errors/pipeline-errors.ts';
import type { CassandraConsistency } from '../config/env.ts';
import {
  cassandraSecurityFrom,
  type CassandraSecurity,
  type CassandraSecuritySettings,
} from './security-options.ts';
import { guardInstalledDriver } from './control-connection-guard.ts';

guardInstalledDriver();

export interface CassandraConfig extends CassandraSecurity {
  contactPoints: string[];
  localDataCenter: string;
  username?: string | undefined;
  password?: string | undefined;
  keyspace?: string;
  /** The consistency of every request; LOCAL_QUORUM when absent. */
  consistency?: CassandraConsistency;
}

const CONSISTENCIES: Record<CassandraConsistency, number> = {
  one: cassandra.types.consistencies.one,
  local_one: cassandra.types.consistencies.localOne,
  quorum: cassandra.types.consistencies.quorum,
  local_quorum: cassandra.types.consistencies.localQuorum,
  each_quorum: cassandra.types.consistencies.eachQuorum,
  all: cassandra.types.consistencies.all,
};

/**
 * How soon the driver tries a node it saw go down: 0.5 s, doubling, at most 5 s (with the driver's jitter).
 * The driver's default doubles from 1 s up to 10 minutes, and a lone node never announces that it is back,
 * so after a restart of a one-node cluster writes stayed paused for minutes after Cassandra was up.
 */
const RECONNECT_BASE_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** A client's settings out of a parsed environment (cassandraEnvShape): nodes, data center, login, TLS. */
export function cassandraConfigFrom(
  env: CassandraSecuritySettings & {
    CASSANDRA_CONTACT_POINTS: string[];
    CASSANDRA_LOCAL_DC: string;
    CASSANDRA_USERNAME?: string | undefined;
    CASSANDRA_PASSWORD?: string | undefined;
  },
  consistency: CassandraConsistency,
): CassandraConfig {
  return {
    contactPoints: env.CASSANDRA_CONTACT_POINTS,
    localDataCenter: env.CASSANDRA_LOCAL_DC,
    username: env.CASSANDRA_USERNAME,
    password: env.CASSANDRA_PASSWORD,
    consistency,
    ...cassandraSecurityFrom(env),
  };
}

/**
 * The CQL port of the nodes the driver discovers: the first contact point's, when it names one. The driver
 * reaches every peer it learns from system.peers on one port (protocolOptions.port, 9042 by default), so
 * a cluster on another port (the local stack's cluster mode) would otherwise look down but for its
 * contact point.
 */
export function discoveredPort(contactPoints: readonly string[]): number | undefined {
  const match = /:(\d+)$/.exec(contactPoints[0] ?? '');
  return match ? Number(match[1]) : undefined;
}

/** A cassandra-driver client tuned for many small prepared writes. */
export function createCassandraClient(config: CassandraConfig): cassandra.Client {
  const auth =
    config.username !== undefined && config.password !== undefined
      ? new cassandra.auth.PlainTextAuthProvider(config.username, config.password)
      : undefined;
  const port = discoveredPort(config.contactPoints);
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    // A secure connect bundle names the nodes, their port and the data center itself; the driver refuses all
    // three with it.
    ...(config.cloud
      ? { cloud: config.cloud }
      : {
          contactPoints: config.contactPoints,
          localDataCenter: config.localDataCenter,
          ...(port === undefined ? {} : { protocolOptions: { port } }),
        }),
    ...(config.sslOptions ? { sslOptions: config.sslOptions } : {}),
    ...(auth ? { authProvider: auth } : {}),
    ...(config.keyspace ? { keyspace: config.keyspace } : {}),
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    socketOptions: { readTimeout: 12_000, connectTimeout: 5_000 },
    policies: {
      reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(
        RECONNECT_BASE_MS,
        RECONNECT_MAX_MS,
        false,
      ),
      // Token-aware: each prepared write goes straight to a replica of its row (the partition key is
      // known), in the local data centre; no coordinator hop, and a dead node is skipped at once. With a
      // bundle the data centre comes from the bundle, so the driver's default (also token-aware) is kept.
      ...(config.cloud
        ? {}
        : {
            loadBalancing: new loadBalancing.TokenAwarePolicy(
              new loadBalancing.DCAwareRoundRobinPolicy(config.localDataCenter),
            ),
          }),
    },
    // Not the driver's LOCAL_ONE: one replica's acknowledgement could be lost with that node.
    queryOptions: { consistency: CONSISTENCIES[config.consistency ?? 'local_quorum'] },
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

/** The columns of users.cql's table and their CQL types, in the file's order. */
export function schemaColumns(): Map<string, string> {
  const table = schemaStatements({ keyspace: 'k', table: 't', replication: '{}' }).find((statement) =>
    statement.startsWith('CREATE TABLE'),
  );
  const body = table?.slice(table.indexOf('(') + 1, table.lastIndexOf(')')) ?? '';
  const columns = new Map<string, string>();
  for (const line of body.split(',')) {
    const match = /^\s*([a-z_][a-z0-9_]*)\s+([a-z]+)/i.exec(line);
    if (match) columns.set(match[1]!, match[2]!);
  }
  return columns;
}

/** What verifyTable needs from a cassandra-driver client. */
export type SchemaReader = Pick<cassandra.Client, 'execute'>;

/**
 * Checks that `keyspace.table`, if it exists, has every column of users.cql with its type and `id` as its
 * whole primary key: `CREATE TABLE IF NOT EXISTS` leaves an older or unrelated table as it is, and every
 * write to it (or every one that sets a drifted column) would fail the same way. Returns false when the
 * table does not exist (yet).
 */
export async function verifyTable(client: SchemaReader, keyspace: string, table: string): Promise<boolean> {
  // Unquoted CQL names are stored in lower case, and the services never quote them.
  const result = await client.execute(
    'SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
    [keyspace.toLowerCase(), table.toLowerCase()],
    { prepare: true },
  );
  if (result.rowLength === 0) return false;
  const actual = new Map(result.rows.map((row) => [String(row['column_name']), row]));
  const problems: string[] = [];
  for (const [name, type] of schemaColumns()) {
    const column = actual.get(name);
    if (!column) problems.push(`column ${name} is missing (expected ${type})`);
    else if (String(column['type']) !== type)
      problems.push(`column ${name} is ${String(column['type'])}, expected ${type}`);
  }
  // A clustering column would make every upsert incomplete, as a different partition key would.
  const primaryKey = result.rows
    .filter((row) => row['kind'] === 'partition_key' || row['kind'] === 'clustering')
    .map((row) => String(row['column_name']));
  if (primaryKey.join(',') !== 'id')
    problems.push(`the primary key is (${primaryKey.join(', ')}), expected (id)`);
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map(
        (problem) =>
          `CASSANDRA_TABLE: ${keyspace}.${table} does not match services/shared/schemas/users.cql: ${problem}`,
      ),
    );
  }
  return true;
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
