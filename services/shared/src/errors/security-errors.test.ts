import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './pipeline-errors.ts';
import { explainSecurityError, securityStep, type SecurityContext } from './security-errors.ts';

const kafka: SecurityContext = { address: '127.0.0.1:9092', tls: true, mechanism: 'scram-sha-512' };
const plain: SecurityContext = { address: '127.0.0.1:9042', tls: false };

/** An error shaped like the clients' (kafkajs's retries, cassandra-driver's NoHostAvailableError). */
function wrapped(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('outer'), { originalError: Object.assign(new Error(message), extra) });
}

describe('explainSecurityError', () => {
  it('names the setting, the server and the cause of a refused Kafka login, never the secret', () => {
    const line = explainSecurityError(
      'kafka',
      wrapped('SASL SCRAM SHA512 authentication failed: invalid credentials'),
      kafka,
    );
    assert.match(
      line ?? '',
      /^KAFKA_SASL_PASSWORD: Kafka \(127\.0\.0\.1:9092\) refused the SCRAM-SHA-512 login/,
    );
  });

  it('tells an unsupported mechanism, an untrusted certificate and a missing ACL apart', () => {
    assert.match(
      explainSecurityError(
        'kafka',
        new Error('The broker does not support the requested SASL mechanism'),
        kafka,
      ) ?? '',
      /^KAFKA_SASL_MECHANISM: .*does not offer SCRAM-SHA-512/,
    );
    assert.match(
      explainSecurityError(
        'kafka',
        wrapped('Connection error: self-signed certificate in certificate chain'),
        kafka,
      ) ?? '',
      /^KAFKA_SSL_CA_FILE: .*\(self-signed certificate\)/,
    );
    const aggregate = Object.assign(new Error('Topic creation errors'), {
      errors: [Object.assign(new Error('Not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' })],
    });
    assert.match(
      explainSecurityError('kafka', aggregate, kafka) ?? '',
      /^KAFKA_SASL_USERNAME: .*TOPIC_AUTHORIZATION_FAILED/,
    );
  });

  it('tells plaintext against TLS, and TLS against plaintext', () => {
    assert.match(
      explainSecurityError('kafka', wrapped('Closed connection'), { address: 'b:9092', tls: false }) ?? '',
      /^KAFKA_SSL: .*closed every connection: the listener probably expects TLS/,
    );
    assert.match(
      explainSecurityError('cassandra', new Error('write EPROTO ...:wrong version number:...'), {
        ...plain,
        tls: true,
      }) ?? '',
      /^CASSANDRA_SSL: the TLS handshake with Cassandra .*\(wrong version number\)/,
    );
  });

  it("explains Cassandra's refusals from the driver's inner errors", () => {
    const noHost = (inner: Error) =>
      Object.assign(new Error('All host(s) tried for query failed'), {
        innerErrors: { '127.0.0.1:9042': inner },
      });
    assert.match(
      explainSecurityError(
        'cassandra',
        noHost(
          Object.assign(new Error('Provided username x and/or password are incorrect'), {
            name: 'AuthenticationError',
          }),
        ),
        plain,
      ) ?? '',
      /^CASSANDRA_PASSWORD: Cassandra \(127\.0\.0\.1:9042\) refused the login/,
    );
    assert.match(
      explainSecurityError(
        'cassandra',
        noHost(new Error('SSL routines:ssl3_read_bytes:tlsv13 alert certificate required')),
        { ...plain, tls: true },
      ) ?? '',
      /^CASSANDRA_SSL_CERT_FILE: .*alert certificate required/,
    );
    assert.match(
      explainSecurityError(
        'cassandra',
        new Error('User r has no CREATE permission on <all keyspaces> or any of its parents'),
        plain,
      ) ?? '',
      /^CASSANDRA_USERNAME: .*no CREATE permission/,
    );
  });

  it("explains the registry's 401 and leaves other failures alone", () => {
    const registry = { address: 'https://r/apis/ccompat/v7', tls: true };
    assert.match(
      explainSecurityError('registry', new Error('Confluent_Schema_Registry - Unauthorized'), registry) ?? '',
      /^SCHEMA_REGISTRY_PASSWORD: The schema registry \(https:\/\/r\/apis\/ccompat\/v7\) refused the credentials/,
    );
    assert.equal(explainSecurityError('registry', new Error('status 500'), registry), undefined);
    assert.equal(
      explainSecurityError('kafka', new Error('This server does not host this topic-partition'), kafka),
      undefined,
    );
  });
});

describe('securityStep', () => {
  it('turns an explained failure into a ConfigError of one line, and rethrows the others unchanged', async () => {
    await assert.rejects(
      securityStep('kafka', kafka, () => Promise.reject(wrapped('invalid credentials'))),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 1,
    );
    const other = new Error('boom');
    await assert.rejects(
      securityStep('kafka', kafka, () => Promise.reject(other)),
      (error: unknown) => error === other,
    );
    assert.equal(await securityStep('kafka', kafka, () => Promise.resolve(7)), 7);
  });
});
