// The Cassandra node of the local stack: a client creates a keyspace and a table, writes a row and reads
// it back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC, uniqueName } from './settings.ts';

describe('Cassandra node', () => {
  const client = new cassandra.Client({
    contactPoints: CASSANDRA_CONTACT_POINTS,
    localDataCenter: CASSANDRA_LOCAL_DC,
    socketOptions: { readTimeout: 30_000 },
  });
  const keyspace = uniqueName('stack_test');

  before(async () => {
    await client.connect();
  });

  after(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it(`is one node in data center ${CASSANDRA_LOCAL_DC}`, async () => {
    const local = (await client.execute('SELECT data_center, release_version FROM system.local')).first();
    assert.equal(local.get('data_center'), CASSANDRA_LOCAL_DC);
    assert.match(String(local.get('release_version')), /^5\.0\./);
    assert.equal(client.getState().getConnectedHosts().length, 1);
  });

  it('creates a keyspace and a table, writes a row and reads it back', async () => {
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${keyspace}.users (id uuid PRIMARY KEY, name text, age int, tags set<text>, seen timestamp)`,
    );
    const id = cassandra.types.Uuid.random();
    const seen = new Date('2024-05-06T07:08:09.123Z');
    await client.execute(
      `INSERT INTO ${keyspace}.users (id, name, age, tags, seen) VALUES (?, ?, ?, ?, ?)`,
      [id, 'Zoë Ångström', 42, ['a', 'b'], seen],
      { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
    );
    const row = (
      await client.execute(`SELECT id, name, age, tags, seen FROM ${keyspace}.users WHERE id = ?`, [id], {
        prepare: true,
      })
    ).first();
    assert.ok(row, 'row not found');
    assert.equal(String(row.get('id')), String(id));
    assert.equal(row.get('name'), 'Zoë Ångström');
    assert.equal(row.get('age'), 42);
    assert.deepEqual([...(row.get('tags') as string[])].sort(), ['a', 'b']);
    assert.equal((row.get('seen') as Date).toISOString(), seen.toISOString());
  });
});
