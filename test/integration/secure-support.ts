// Helpers for the tests against the secure local stack (scripts/stack.sh up --secure; the CI's secure lane,
// scripts/ci/secure-lane.sh, starts it and exports `stack.sh env`). Outside that lane, against a plain
// stack, these tests are skipped, saying so; inside it (USERSTREAM_SECURE_LANE=1) a plain stack fails them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { cassandraSecurityFrom, kafkaSecurityFrom, schemaStatements } from '@userstream/shared';
import { uniqueName } from './support.ts';

/** True when the environment holds a secure stack's settings (`stack.sh env` in secure mode). */
const secureEnv = process.env.KAFKA_SSL === 'true' && process.env.KAFKA_SSL_CA_FILE !== undefined;

/** The `skip` option of a secure test: false in a secure environment, else why it does not run here. */
export const skipUnlessSecure: string | false =
  secureEnv || process.env.USERSTREAM_SECURE_LANE === '1'
    ? false
    : 'needs the secure stack: scripts/ci/secure-lane.sh runs it (npm run stack:up -- --secure, then eval stack:env)';

/** Fails at once in the secure lane when the environment is not a secure stack's. */
export function assertSecureEnv(): void {
  assert.ok(
    secureEnv,
    'USERSTREAM_SECURE_LANE=1 but KAFKA_SSL/KAFKA_SSL_CA_FILE are not set: eval "$(npm run -s stack:env)"',
  );
}

/** The stack's certificates and password files ($STACK_HOME/secure). */
export const SECURE_DIR = secureEnv ? dirname(process.env.KAFKA_SSL_CA_FILE ?? '') : '';
export const file = (name: string) => join(SECURE_DIR, name);
const password = (name: string) => readFileSync(file(`${name}.password`), 'utf8').trim();

/** Every secret of the stack: the passwords, and a line from the middle of each private key. */
export function stackSecrets(): string[] {
  const passwords = readdirSync(SECURE_DIR)
    .filter((name) => name.endsWith('.password'))
    .map((name) => readFileSync(join(SECURE_DIR, name), 'utf8').trim());
  const keyLines = ['client.key', 'server.key'].map(
    (name) => readFileSync(file(name), 'utf8').split('\n')[5] ?? 'missing key line',
  );
  return [...passwords, ...keyLines];
}

/** Asserts that `text` (named `where`) holds none of the stack's secrets. */
export function assertNoSecret(text: string, where: string): void {
  for (const secret of stackSecrets()) {
    assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 4)}...)`);
  }
}

/** Topic, group and table names the pipeline's user and roles may use (prefix users_created, keyspace userstream). */
export function secureNames(tag: string) {
  const base = uniqueName(`users_created_${tag}`);
  return {
    KAFKA_TOPIC: `${base}_users`,
    KAFKA_DLQ_TOPIC: `${base}_users.dlq`,
    CONSUMER_GROUP_ID: `${base}_group`,
    CASSANDRA_KEYSPACE: 'userstream',
    CASSANDRA_TABLE: uniqueName('t').toLowerCase(),
  };
}

/** A kafkajs client as the stack's Kafka super user (to look at topics and offsets). */
export function adminKafka(): Kafka {
  return new Kafka({
    clientId: 'it-secure-admin',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
    ...kafkaSecurityFrom({
      KAFKA_SSL: true,
      KAFKA_SSL_CA_FILE: file('ca.pem'),
      KAFKA_SSL_REJECT_UNAUTHORIZED: true,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'admin',
      KAFKA_SASL_PASSWORD: password('kafka-admin'),
    }),
  });
}

/** A Cassandra session as the stack's administrator (to make tables and count rows). */
export async function adminCassandra(): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '').split(','),
    localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
    authProvider: new cassandra.auth.PlainTextAuthProvider('stack_admin', password('cassandra-stack_admin')),
    ...cassandraSecurityFrom({
      CASSANDRA_SSL: true,
      CASSANDRA_SSL_CA_FILE: file('ca.pem'),
      CASSANDRA_SSL_CERT_FILE: file('client.pem'),
      CASSANDRA_SSL_KEY_FILE: file('client.key'),
    }),
  });
  await client.connect();
  return client;
}

/** Creates keyspace.table from users.cql as the administrator (the consumer's role may not). */
export async function createTable(client: cassandra.Client, keyspace: string, table: string): Promise<void> {
  const statements = schemaStatements({
    keyspace,
    table,
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  });
  for (const statement of statements) await client.execute(statement);
}

/** Messages in `topic` (0 when it does not exist). */
export async function topicCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Whether `groupId` has committed to the end of `topic`, and whether it committed anything at all. */
export async function groupProgress(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ toEnd: boolean; committedAny: boolean }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return {
      toEnd: ends.every(
        (end) => Number(end.high) === 0 || byPartition.get(end.partition) === Number(end.high),
      ),
      committedAny: [...byPartition.values()].some((offset) => offset >= 0),
    };
  } finally {
    await admin.disconnect();
  }
}
