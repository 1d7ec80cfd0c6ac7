import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaStatements } from './cassandra-client.ts';

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
