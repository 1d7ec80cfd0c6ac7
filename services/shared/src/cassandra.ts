// @userstream/shared/cassandra: the Cassandra client, the table's schema and its checks.
export * from './clients/cassandra-client.ts';
