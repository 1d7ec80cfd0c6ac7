import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaColumns, schemaStatements } from './cassandra-client.ts';

test('users.cql is applied with the configured names and replication', () => {
  const statements = schemaStatements({
    keyspace: 'ks_test',
    table: 'people',
    replication: "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
  });
  assert.equal(statements.length, 2);
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
  assert.ok(!statements.join('\n').includes('userstream'), 'no default name is left behind');
});

test("users.cql's columns and types are read from the file, in order", () => {
  const columns = schemaColumns();
  assert.equal(columns.size, 17);
  assert.deepEqual([...columns].slice(0, 2), [
    ['id', 'uuid'],
    ['first_name', 'text'],
  ]);
  assert.equal(columns.get('dob'), 'timestamp');
  assert.equal(columns.get('kafka_offset'), 'bigint');
  assert.equal(columns.get('ingested_at'), 'timestamp');
});
