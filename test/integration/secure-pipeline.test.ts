// The pipeline end to end against the secure local stack: Kafka over TLS + SCRAM-SHA-512 with prefix ACLs,
// Cassandra over TLS with a client certificate and a role that may only read and write its keyspace, the
// registry over HTTPS with basic auth. Then: no secret anywhere the services write; mutual TLS to Kafka.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { countRows } from '@userstream/shared';
import { killLeftovers, opsPort, produceUsers, startService, uniqueName, waitFor } from './support.ts';
import {
  adminCassandra,
  adminKafka,
  assertNoSecret,
  assertSecureEnv,
  createTable,
  file,
  groupProgress,
  secureNames,
  skipUnlessSecure,
  topicCount,
} from './secure-support.ts';

describe('secure stack: the pipeline over TLS, SCRAM and basic auth', { skip: skipUnlessSecure }, () => {
  const names = secureNames('pipe');
  const USERS = 1_000;
  const SEED = 'secure-pipeline';
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let db: cassandra.Client;
  let kafka: Kafka;
  let consumer: ReturnType<typeof startService>;
  const outputs: string[] = [];
  const rows = () => countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE);

  before(async () => {
    assertSecureEnv();
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    db = await adminCassandra();
    kafka = adminKafka();
    // The consumer's role may write the keyspace but not create tables in it.
    await createTable(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE);
    consumer = startService('consumer', { ...names, CASSANDRA_APPLY_SCHEMA: 'false' });
    await consumer.waitForOutput(/"msg":"consuming"/);
  });
  after(async () => {
    await consumer?.stop();
    await killLeftovers();
    await db?.execute(`DROP TABLE IF EXISTS ${names.CASSANDRA_KEYSPACE}.${names.CASSANDRA_TABLE}`);
    await db?.shutdown();
    await source?.close();
  });

  test('1,000 users become 1,000 rows, and a replay adds none', async () => {
    const first = await produceUsers(names, source.url, SEED, USERS);
    outputs.push(first.output());
    assert.match(first.output(), /"msg":"run finished"/);
    await waitFor('1000 rows', async () => ((await rows()) === USERS ? true : undefined), 120_000);

    const replay = await produceUsers(names, source.url, SEED, USERS);
    outputs.push(replay.output());
    assert.equal(await topicCount(kafka, names.KAFKA_TOPIC), 2 * USERS);
    await waitFor(
      'the consumer to commit the replay',
      async () =>
        (await groupProgress(kafka, names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)).toEnd ? true : undefined,
      120_000,
    );
    assert.equal(await rows(), USERS);
    assert.equal(await topicCount(kafka, names.KAFKA_DLQ_TOPIC), 0);
  });

  test('a record that is not Avro is dead-lettered; its headers hold no secret', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: names.KAFKA_TOPIC, messages: [{ key: 'poison', value: 'not avro' }] });
    await producer.disconnect();
    await waitFor('one dead letter', async () =>
      (await topicCount(kafka, names.KAFKA_DLQ_TOPIC)) === 1 ? true : undefined,
    );
    const reader = kafka.consumer({ groupId: uniqueName('users_created_reader') });
    await reader.connect();
    const headers: string[] = [];
    try {
      await reader.subscribe({ topic: names.KAFKA_DLQ_TOPIC, fromBeginning: true });
      await reader.run({
        eachMessage: ({ message }) => {
          for (const [name, value] of Object.entries(message.headers ?? {}))
            headers.push(`${name}=${String(value)}`);
          return Promise.resolve();
        },
      });
      await waitFor('the dead letter', () => Promise.resolve(headers.length > 0 ? true : undefined));
    } finally {
      await reader.disconnect();
    }
    assert.ok(
      headers.some((header) => header.startsWith('dlq.')),
      headers.join('\n'),
    );
    assertNoSecret(headers.join('\n'), 'a dead-letter header');
  });

  test('no secret in the services output, /readyz, /metrics or the registry proxy log', async () => {
    const port = await opsPort(consumer);
    const readyz = await (await fetch(`http://127.0.0.1:${port}/readyz`)).text();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(readyz, /cassandra|kafka/);
    assertNoSecret(readyz, '/readyz');
    assertNoSecret(metrics, '/metrics');
    for (const output of [...outputs, consumer.output()]) assertNoSecret(output, 'a service log');
    // The producer and consumer really logged their settings (masked), so the check above saw them.
    assert.match(outputs[0] ?? '', /"KAFKA_SASL_PASSWORD":"\*\*\*"/);
    const proxyLog = file('../registry-proxy/logs/proxy.log');
    assertNoSecret(readFileSync(proxyLog, 'utf8'), proxyLog);
  });

  test('mutual TLS to Kafka: the client certificate (CN=userstream) is the user, with its ACLs', async () => {
    const mtls = secureNames('mtls');
    const port = process.env.KAFKA_MTLS_PORT ?? '9094';
    const producer = await produceUsers(
      {
        ...mtls,
        KAFKA_BROKERS: `127.0.0.1:${port}`,
        KAFKA_SASL_MECHANISM: '',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD_FILE: '',
        KAFKA_SSL_CERT_FILE: file('client.pem'),
        KAFKA_SSL_KEY_FILE: file('client.key'),
      },
      source.url,
      'secure-mtls',
      100,
    );
    assert.match(producer.output(), /"msg":"run finished"/);
    assert.equal(await topicCount(kafka, mtls.KAFKA_TOPIC), 100);
  });

  test('first start with the role that may create: the consumer makes its keyspace and writes', async () => {
    const first = { ...secureNames('create'), CASSANDRA_TABLE: 'users' };
    first.CASSANDRA_KEYSPACE = first.KAFKA_TOPIC.replace(/\W/g, '_').slice(0, 40);
    const creator = startService('consumer', {
      ...first,
      CASSANDRA_USERNAME: 'userstream_creator',
      CASSANDRA_PASSWORD_FILE: file('cassandra-userstream_creator.password'),
      CASSANDRA_APPLY_SCHEMA: 'true',
    });
    try {
      await creator.waitForOutput(/"msg":"consuming"/);
      await produceUsers(first, source.url, 'secure-create', 50);
      await waitFor('50 rows', async () =>
        (await countRows(db, first.CASSANDRA_KEYSPACE, 'users')) === 50 ? true : undefined,
      );
    } finally {
      await creator.stop();
      await db.execute(`DROP KEYSPACE IF EXISTS ${first.CASSANDRA_KEYSPACE}`);
    }
  });
});
