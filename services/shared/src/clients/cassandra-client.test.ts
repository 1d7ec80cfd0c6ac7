import { test } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { ConfigError } from '../errors/pipeline-errors.ts';
import {
  cassandraConfigFrom,
  createCassandraClient,
  discoveredPort,
  schemaColumns,
  schemaStatements,
  verifyTable,
  type SchemaReader,
} from './cassandra-client.ts';

test('users.cql is applied with the configured names and replication', () => {
  const statements = schemaStatements({
    keyspace: 'ks_test',
    table: 'people',
    replication: "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
  });
  assert.equal(statements.length, 6);
  assert.match(
    statements[0]!,
    /^CREATE KEYSPACE IF NOT EXISTS ks_test\s+WITH replication = \{'class': 'NetworkTopologyStrategy', 'dc1': 3\}$/,
  );
  assert.match(statements[1]!, /^CREATE TABLE IF NOT EXISTS ks_test\.people \(/);
  for (const column of [
    'id uuid PRIMARY KEY',
    'kafka_partition int',
    'kafka_offset bigint',
    'ingested_at timestamp',
  ]) {
    assert.ok(statements[1]!.includes(column), column);
  }
  // Schema v2 on a table created from v1: added columns, each idempotent, none dropping anything.
  assert.deepEqual(statements.slice(2), [
    'ALTER TABLE ks_test.people ADD IF NOT EXISTS cell text',
    'ALTER TABLE ks_test.people ADD IF NOT EXISTS latitude double',
    'ALTER TABLE ks_test.people ADD IF NOT EXISTS longitude double',
    'ALTER TABLE ks_test.people ADD IF NOT EXISTS timezone_offset text',
  ]);
  assert.ok(!statements.join('\n').includes('userstream'), 'no default name is left behind');
  assert.ok(!/\bDROP\b/i.test(statements.join('\n')), 'no statement drops anything');
});

test('every column an ALTER TABLE adds is in the CREATE TABLE too (a new table and a migrated one agree)', () => {
  const columns = schemaColumns();
  const added = schemaStatements({ keyspace: 'k', table: 't', replication: '{}' })
    .map((statement) => /^ALTER TABLE k\.t ADD IF NOT EXISTS (\w+) (\w+)$/.exec(statement))
    .filter((match) => match !== null);
  assert.equal(added.length, 4);
  for (const [, name, type] of added) assert.equal(columns.get(name!), type, name);
});

test("users.cql's columns and types are read from the file, in order", () => {
  const columns = schemaColumns();
  assert.equal(columns.size, 21);
  assert.deepEqual([...columns].slice(0, 2), [
    ['id', 'uuid'],
    ['first_name', 'text'],
  ]);
  assert.equal(columns.get('dob'), 'timestamp');
  assert.equal(columns.get('kafka_offset'), 'bigint');
  assert.equal(columns.get('ingested_at'), 'timestamp');
});

/** A client double whose system_schema.columns holds `rows`; records the names it was asked about. */
function schemaReader(rows: { column_name: string; type: string; kind: string }[]) {
  const asked: unknown[] = [];
  const client: SchemaReader = {
    execute: ((_query: string, params: unknown[]) => {
      asked.push(...params);
      return Promise.resolve({ rowLength: rows.length, rows });
    }) as unknown as SchemaReader['execute'],
  };
  return { client, asked };
}

const usersTable = () =>
  [...schemaColumns()].map(([column_name, type]) => ({
    column_name,
    type,
    kind: column_name === 'id' ? 'partition_key' : 'regular',
  }));

test("verifyTable accepts users.cql's table (extra columns allowed) and reports a missing one as false", async () => {
  const matching = schemaReader([...usersTable(), { column_name: 'note', type: 'text', kind: 'regular' }]);
  assert.equal(await verifyTable(matching.client, 'UserStream', 'Users'), true);
  assert.deepEqual(matching.asked, ['userstream', 'users'], 'unquoted names are looked up in lower case');
  assert.equal(await verifyTable(schemaReader([]).client, 'ks', 'users'), false);
});

test('verifyTable names every difference: a missing column, a wrong type, a different primary key', async () => {
  const drifted = usersTable()
    .filter((column) => column.column_name !== 'nat')
    .map((column) => (column.column_name === 'dob' ? { ...column, type: 'text' } : column));
  drifted.push({ column_name: 'created', type: 'timestamp', kind: 'clustering' });
  await assert.rejects(verifyTable(schemaReader(drifted).client, 'ks', 'users'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(
      error.problems.map((problem) => problem.replace(/^.*users\.cql: /, '')),
      [
        'column dob is text, expected timestamp',
        'column nat is missing (expected text)',
        'the primary key is (id, created), expected (id)',
      ],
    );
    assert.match(error.problems[0]!, /^CASSANDRA_TABLE: ks\.users does not match/);
    return true;
  });
});

test('a node seen down is tried again within 5 s, not on the driver default schedule that grows to 10 minutes', async () => {
  // Never connected: the options are what the driver will use.
  const client = createCassandraClient({ contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1' });
  try {
    // `options` is the client's public field at run time; the driver's type declarations leave it out.
    const { options } = client as unknown as { options: cassandra.ClientOptions };
    const schedule = options.policies!.reconnection!.newSchedule();
    const delays = Array.from({ length: 12 }, () => schedule.next().value as number);
    assert.ok(delays[0]! >= 500 && delays[0]! <= 600, `first delay ${delays[0]}`);
    assert.ok(
      delays.every((delay) => delay <= 5_000),
      `delays: ${delays.join(', ')}`,
    );
    assert.ok(delays.at(-1)! >= 4_250, `the schedule still backs off: ${delays.join(', ')}`);
  } finally {
    await client.shutdown();
  }
});

test('cassandraConfigFrom: nodes, data center, login and the given consistency; TLS only when set', () => {
  const env = {
    CASSANDRA_CONTACT_POINTS: ['10.0.0.1:9042', '10.0.0.2:9042'],
    CASSANDRA_LOCAL_DC: 'dc1',
    CASSANDRA_USERNAME: 'app',
    CASSANDRA_PASSWORD: 'pw',
    CASSANDRA_SSL: false,
  };
  assert.deepEqual(cassandraConfigFrom(env, 'one'), {
    contactPoints: ['10.0.0.1:9042', '10.0.0.2:9042'],
    localDataCenter: 'dc1',
    username: 'app',
    password: 'pw',
    consistency: 'one',
  });
  const bundle = cassandraConfigFrom(
    { ...env, CASSANDRA_SECURE_CONNECT_BUNDLE: '/secrets/bundle.zip' },
    'local_quorum',
  );
  assert.deepEqual(bundle.cloud, { secureConnectBundle: '/secrets/bundle.zip' });
  assert.equal(bundle.consistency, 'local_quorum');
});

test("peers are reached on the first contact point's port, and writes are routed token-aware in the local DC", async () => {
  assert.equal(discoveredPort(['127.0.0.1:26042', '127.0.0.2:26042']), 26042);
  assert.equal(discoveredPort(['cassandra']), undefined);
  const client = createCassandraClient({
    contactPoints: ['127.0.0.1:26042', '127.0.0.2:26042'],
    localDataCenter: 'dc1',
  });
  try {
    const { options } = client as unknown as { options: cassandra.ClientOptions };
    assert.equal(options.protocolOptions?.port, 26042);
    const policy = options.policies!.loadBalancing!;
    assert.equal(policy.constructor.name, 'TokenAwarePolicy');
    const child = (policy as unknown as { childPolicy: { localDc: string } }).childPolicy;
    assert.equal(child.constructor.name, 'DCAwareRoundRobinPolicy');
    assert.equal(child.localDc, 'dc1');
  } finally {
    await client.shutdown();
  }
  // A secure connect bundle names the nodes, their port and the data centre: none of them is taken from
  // the contact points, and the driver's default policy (token-aware too) learns the DC from the bundle.
  const cloud = createCassandraClient({
    contactPoints: ['127.0.0.1:26042'],
    localDataCenter: 'dc1',
    cloud: { secureConnectBundle: '/secrets/bundle.zip' },
  });
  try {
    const { options } = cloud as unknown as { options: cassandra.ClientOptions };
    assert.notEqual(options.protocolOptions?.port, 26042);
    assert.equal(options.contactPoints, undefined);
    assert.notEqual(options.policies!.loadBalancing!.constructor.name, 'TokenAwarePolicy');
  } finally {
    await cloud.shutdown();
  }
});
