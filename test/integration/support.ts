// Helpers for the integration tests: they run the real services as processes against the real local stack
// (npm run stack:up), each test with its own topic, consumer group and keyspace. The helpers themselves are
// the dev harness's (dev/), shared with the bench and scripts; this file keeps the names the tests import.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import type { Producer } from 'kafkajs';
import { createRegistry, createUserEncoder, registerUserSchema, type UserRecord } from '@userstream/shared';
import {
  cassandraClient,
  createTopics,
  kafkaClient,
  killLeftovers,
  stack,
  startService as startHarnessService,
  type ServiceName,
  type ServiceProcess,
  type StartOptions,
} from '../../dev/index.ts';

export * from '../../dev/index.ts';

/**
 * The consumer's durability delay in the integration tests that do not kill Cassandra: 1 s instead of the
 * default 15 s, so that waiting for commits does not dominate the suite. durability.test.ts sets its own.
 */
export const TEST_DURABILITY_DELAY_MS = '1000';

/** Starts a service as the harness does, with the tests' shorter durability delay unless `env` sets one. */
export function startService(
  name: ServiceName,
  env: Record<string, string>,
  args: string[] = [],
  options: StartOptions = {},
): ServiceProcess {
  return startHarnessService(
    name,
    { CASSANDRA_DURABILITY_DELAY_MS: TEST_DURABILITY_DELAY_MS, ...env },
    args,
    options,
  );
}

/**
 * Runs the real producer once (`--once`) with `env`, publishing `count` users of `seed` (the producer's
 * default seed when undefined) from the source at `sourceUrl`; fails unless it exits 0.
 */
export async function produceUsers(
  env: Record<string, string>,
  sourceUrl: string,
  seed: string | undefined,
  count: number,
): Promise<ServiceProcess> {
  const producer = startService(
    'producer',
    {
      ...env,
      RANDOMUSER_URL: sourceUrl,
      ...(seed === undefined ? {} : { RANDOMUSER_SEED: seed }),
      PRODUCER_BATCH_SIZE: String(count),
    },
    ['--once'],
  );
  assert.equal(await producer.exited, 0, producer.output().slice(-3_000));
  return producer;
}

/** The stack's clients a suite shares: read them inside its tests (they exist once its `before` has run). */
export interface SuiteClients {
  readonly db: cassandra.Client;
  readonly producer: Producer;
}

/**
 * Registers, in the calling suite, a `before` that opens a Cassandra client and connects a producer, and an
 * `after` that kills leftover services and closes both.
 */
export function suiteClients(): SuiteClients {
  let db: cassandra.Client | undefined;
  let producer: Producer | undefined;
  before(async () => {
    db = await cassandraClient();
    producer = kafkaClient().producer();
    await producer.connect();
  });
  after(async () => {
    await killLeftovers();
    await producer?.disconnect();
    await db?.shutdown();
  });
  const opened = <T>(client: T | undefined): T => {
    if (client === undefined) throw new Error('the suite clients are read before the suite started');
    return client;
  };
  return {
    get db() {
      return opened(db);
    },
    get producer() {
      return opened(producer);
    },
  };
}

/** Creates `names`' input topic (`partitions` partitions) and its one-partition dead-letter topic. */
export async function createPipelineTopics(
  names: { KAFKA_TOPIC: string; KAFKA_DLQ_TOPIC: string },
  partitions = 1,
): Promise<void> {
  await createTopics([
    { topic: names.KAFKA_TOPIC, numPartitions: partitions, replicationFactor: 1 },
    { topic: names.KAFKA_DLQ_TOPIC, numPartitions: 1, replicationFactor: 1 },
  ]);
}

/** Registers the user schema for `topic`'s value subject: its id, and an encoder framing records with it. */
export async function registerUserEncoder(
  topic: string,
): Promise<{ schemaId: number; encode: (user: UserRecord) => Buffer }> {
  const registryConfig = { url: stack.SCHEMA_REGISTRY_URL };
  const { id: schemaId } = await registerUserSchema(
    createRegistry(registryConfig),
    registryConfig,
    `${topic}-value`,
  );
  return { schemaId, encode: createUserEncoder(schemaId) };
}

/** users.cql's table in `keyspace` (made if missing), except that postcode is an int: schema drift. */
export async function createDriftedTable(db: cassandra.Client, keyspace: string): Promise<void> {
  await db.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await db.execute(
    `CREATE TABLE ${keyspace}.users (id uuid PRIMARY KEY, first_name text, last_name text, gender text,
      address text, postcode int, email text, username text, dob timestamp, registered_date timestamp, phone text,
      picture text, nat text, cell text, latitude double, longitude double, timezone_offset text,
      produced_at timestamp, kafka_partition int, kafka_offset bigint, ingested_at timestamp)`,
  );
}
