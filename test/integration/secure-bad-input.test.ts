// What bad security settings get against the secure local stack: each stops the service at start with one
// line naming the setting, the server and the cause (exit 2), shows no secret, and publishes or writes
// nothing; a Cassandra role without write rights dead-letters nothing and commits nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { countRows } from '@userstream/shared';
import { killLeftovers, produceUsers, startService, waitFor } from './support.ts';
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

const WRONG = 'Wrong-Secret-7f3a9c';

// Four at a time: a TLS failure costs about a minute of kafkajs's own connection retries.
describe('secure stack: bad security settings', { skip: skipUnlessSecure, concurrency: 4 }, () => {
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let kafka: Kafka;
  let db: cassandra.Client;
  let plaintext: Server;
  let plaintextPort = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'userstream-secure-bad-'));
  const wrongFile = join(scratch, 'wrong');
  writeFileSync(wrongFile, `${WRONG}\n`);

  before(async () => {
    assertSecureEnv();
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    kafka = adminKafka();
    db = await adminCassandra();
    // A plaintext server (HTTP) for the TLS-against-plaintext cases.
    plaintext = createServer((_req, res) => res.end('plain'));
    await new Promise<void>((resolve) => plaintext.listen(0, '127.0.0.1', resolve));
    plaintextPort = (plaintext.address() as { port: number }).port;
  });
  after(async () => {
    await killLeftovers();
    await db?.shutdown();
    await source?.close();
    await new Promise((resolve) => plaintext?.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
  });

  /**
   * Runs a service with `env` and checks it exits 2 with a line `<service>: invalid configuration: <setting>:
   * ...` matching `message`, that no secret shows, and that nothing was published to its topics.
   */
  async function refused(
    service: 'producer' | 'consumer',
    env: Record<string, string>,
    setting: string,
    message: RegExp,
    timeoutMs = 150_000,
  ): Promise<void> {
    const names = secureNames('bad');
    const run = startService(
      service,
      { ...names, RANDOMUSER_URL: source.url, PRODUCER_BATCH_SIZE: '10', ...env },
      ['--once'],
    );
    const code = await Promise.race([
      run.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), timeoutMs)),
    ]);
    if (code === 'still running') await run.stop('SIGKILL');
    const output = run.output();
    assert.equal(code, 2, output.slice(-3_000));
    const line = output
      .split('\n')
      .find((l) => l.startsWith(`${service}: invalid configuration: ${setting}:`));
    assert.ok(line, `no "${setting}:" line in:\n${output.slice(-3_000)}`);
    assert.match(line, message);
    assertNoSecret(output, `${service} output`);
    assert.ok(!output.includes(WRONG), 'the wrong password shows in the output');
    assert.equal(await topicCount(kafka, names.KAFKA_TOPIC), 0, 'nothing may be published');
  }

  it('wrong Kafka password', () =>
    refused(
      'producer',
      { KAFKA_SASL_PASSWORD_FILE: wrongFile },
      'KAFKA_SASL_PASSWORD',
      /Kafka \(127\.0\.0\.1:\d+\) refused the SCRAM-SHA-512 login/,
    ));

  it('wrong SASL mechanism', () =>
    refused(
      'producer',
      { KAFKA_SASL_MECHANISM: 'scram-sha-256' },
      'KAFKA_SASL_MECHANISM',
      /does not offer SCRAM-SHA-256/,
    ));

  it("Kafka's certificate not trusted (another CA)", () =>
    refused(
      'producer',
      { KAFKA_SSL_CA_FILE: file('other-ca.pem') },
      'KAFKA_SSL_CA_FILE',
      /does not trust \(self-signed certificate/,
    ));

  it('a plaintext client against the SASL_SSL port', () =>
    refused(
      'producer',
      {
        KAFKA_SSL: 'false',
        KAFKA_SSL_CA_FILE: '',
        KAFKA_SASL_MECHANISM: '',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD_FILE: '',
      },
      'KAFKA_SSL',
      /closed every connection: the listener probably expects TLS/,
    ));

  it('a TLS client against a plaintext port (Kafka and the registry)', async () => {
    await refused(
      'producer',
      { KAFKA_BROKERS: `127.0.0.1:${plaintextPort}` },
      'KAFKA_SSL',
      /\(wrong version number\): the port does not speak TLS/,
    );
    await refused(
      'producer',
      { SCHEMA_REGISTRY_URL: `https://127.0.0.1:${plaintextPort}/apis/ccompat/v7` },
      'SCHEMA_REGISTRY_URL',
      /\(wrong version number\): the port does not speak TLS/,
    );
  });

  it('a missing CA file, and a password given both as a variable and a file', async () => {
    await refused(
      'producer',
      { KAFKA_SSL_CA_FILE: join(scratch, 'absent.pem') },
      'KAFKA_SSL_CA_FILE',
      /cannot read .*absent\.pem \(no such file\)/,
    );
    await refused(
      'producer',
      { KAFKA_SASL_PASSWORD: WRONG },
      'KAFKA_SASL_PASSWORD_FILE',
      /both KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are set/,
    );
  });

  it('a Kafka user without rights on the topic (outsider)', () =>
    refused(
      'producer',
      { KAFKA_SASL_USERNAME: 'outsider', KAFKA_SASL_PASSWORD_FILE: file('kafka-outsider.password') },
      'KAFKA_SASL_USERNAME',
      /denied this user access to a topic \(TOPIC_AUTHORIZATION_FAILED\)/,
    ));

  it('wrong registry password', () =>
    refused(
      'producer',
      { SCHEMA_REGISTRY_PASSWORD_FILE: wrongFile },
      'SCHEMA_REGISTRY_PASSWORD',
      /refused the credentials \(HTTP 401\)/,
    ));

  it('wrong Cassandra password, and a client certificate Cassandra does not trust (mutual TLS)', async () => {
    await refused(
      'consumer',
      { CASSANDRA_PASSWORD_FILE: wrongFile },
      'CASSANDRA_PASSWORD',
      /Cassandra \(127\.0\.0\.1:\d+\) refused the login/,
    );
    await refused(
      'consumer',
      { CASSANDRA_SSL_CERT_FILE: file('other-client.pem'), CASSANDRA_SSL_KEY_FILE: file('other-client.key') },
      'CASSANDRA_SSL_CERT_FILE',
      /refused the TLS handshake/,
    );
    await refused(
      'consumer',
      { CASSANDRA_SSL_CERT_FILE: '', CASSANDRA_SSL_KEY_FILE: '' },
      'CASSANDRA_SSL_CERT_FILE',
      /alert certificate required/,
    );
  });

  it('mutual TLS to Kafka with a certificate from an untrusted CA', () =>
    refused(
      'producer',
      {
        KAFKA_BROKERS: `127.0.0.1:${process.env.KAFKA_MTLS_PORT ?? '9094'}`,
        KAFKA_SASL_MECHANISM: '',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD_FILE: '',
        KAFKA_SSL_CERT_FILE: file('other-client.pem'),
        KAFKA_SSL_KEY_FILE: file('other-client.key'),
      },
      'KAFKA_SSL_CERT_FILE',
      /refused the TLS handshake/,
    ));

  it('a Cassandra role that may not create the schema stops at start', () =>
    refused(
      'consumer',
      {
        CASSANDRA_USERNAME: 'userstream_reader',
        CASSANDRA_PASSWORD_FILE: file('cassandra-userstream_reader.password'),
        CASSANDRA_APPLY_SCHEMA: 'true',
      },
      'CASSANDRA_USERNAME',
      /denied the role a permission \(User userstream_reader has no CREATE permission/,
    ));

  it('a Cassandra role without write rights: no row, no dead letter, no commit; the refusal is reported', async () => {
    const names = secureNames('ro');
    await createTable(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE);
    try {
      await produceUsers(names, source.url, 'secure-read-only', 20);
      const consumer = startService('consumer', {
        ...names,
        CASSANDRA_USERNAME: 'userstream_reader',
        CASSANDRA_PASSWORD_FILE: file('cassandra-userstream_reader.password'),
        CASSANDRA_APPLY_SCHEMA: 'false',
        CONSUMER_RETRY_MAX_MS: '500',
      });
      try {
        await consumer.waitForOutput(
          /CASSANDRA_USERNAME: Cassandra denied the role a permission \(User userstream_reader has no MODIFY permission/,
          90_000,
        );
        // Several retries later, still nothing written, dead-lettered or committed.
        await waitFor('three refused attempts', () =>
          Promise.resolve(
            (consumer.output().match(/has no MODIFY permission/g) ?? []).length >= 3 ? true : undefined,
          ),
        );
        assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), 0);
        assert.equal(await topicCount(kafka, names.KAFKA_DLQ_TOPIC), 0);
        assert.equal(
          (await groupProgress(kafka, names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)).committedAny,
          false,
        );
        assertNoSecret(consumer.output(), 'consumer output');
      } finally {
        await consumer.stop();
      }
    } finally {
      await db.execute(`DROP TABLE IF EXISTS ${names.CASSANDRA_KEYSPACE}.${names.CASSANDRA_TABLE}`);
    }
  });
});
