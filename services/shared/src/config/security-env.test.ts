import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/pipeline-errors.ts';
import { cassandraEnvShape, kafkaEnvShape, parseEnv } from './env.ts';
import { cassandraSecurityRules, kafkaSecurityRules } from './security-env.ts';
import { cassandraSecurityFrom, kafkaSecurityFrom } from '../clients/security-options.ts';
import { registryConfigFrom } from '../clients/registry-client.ts';

const schema = z
  .object({ ...kafkaEnvShape, ...cassandraEnvShape })
  .superRefine(kafkaSecurityRules)
  .superRefine(cassandraSecurityRules);

const dir = mkdtempSync(join(tmpdir(), 'userstream-security-env-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const ca = file('ca.pem', PEM);
const cert = file('cert.pem', PEM);
const key = file('key.pem', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
const SECRET = 'Sx-distinctive-secret-42';
const secretFile = file('password', `${SECRET}\n`);
const missing = join(dir, 'nope.pem');

/** The problems parseEnv reports for `env`; fails the test when it accepts it. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    parseEnv(schema, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    for (const problem of error.problems) {
      assert.doesNotMatch(problem, new RegExp(SECRET), 'a secret in a message');
      assert.doesNotMatch(problem, /\n/, 'one line per problem');
    }
    return [...error.problems];
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

/** Asserts that exactly one problem names `setting` and matches `message`. */
function assertProblem(env: NodeJS.ProcessEnv, setting: string, message: RegExp): void {
  const found = problems(env);
  const mine = found.filter((problem) => problem.startsWith(`${setting}:`));
  assert.equal(mine.length, 1, found.join('\n'));
  assert.match(mine[0]!, message);
}

describe('Kafka TLS and SASL settings', () => {
  it('are off by default', () => {
    const config = parseEnv(schema, {});
    assert.equal(config.KAFKA_SSL, false);
    assert.deepEqual(kafkaSecurityFrom(config), {});
  });

  it('build kafkajs ssl and sasl options (Confluent Cloud: TLS, plain, key and secret)', () => {
    const config = parseEnv(schema, {
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'KEY123',
      KAFKA_SASL_PASSWORD: SECRET,
    });
    assert.deepEqual(kafkaSecurityFrom(config), {
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'plain', username: 'KEY123', password: SECRET },
    });
  });

  it('read the CA, certificate and key files (mutual TLS)', () => {
    const config = parseEnv(schema, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
    });
    const { ssl } = kafkaSecurityFrom(config);
    assert.equal(ssl?.ca, PEM);
    assert.equal(ssl?.cert, PEM);
    assert.match(typeof ssl?.key === 'string' ? ssl.key : '', /PRIVATE KEY/);
    assert.equal(ssl?.rejectUnauthorized, false);
  });

  it('refuse a missing CA file, naming the setting and the path', () => {
    assertProblem(
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: missing },
      'KAFKA_SSL_CA_FILE',
      /cannot read .*nope\.pem \(no such file\)/,
    );
  });

  it('refuse an unreadable file (a directory) and a file that is not PEM', () => {
    assertProblem({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: dir }, 'KAFKA_SSL_CA_FILE', /a directory/);
    assertProblem(
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: secretFile },
      'KAFKA_SSL_CA_FILE',
      /not a PEM file/,
    );
  });

  it('refuse a certificate without its key, and a key without its certificate', () => {
    assertProblem(
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: cert },
      'KAFKA_SSL_KEY_FILE',
      /required when KAFKA_SSL_CERT_FILE/,
    );
    assertProblem(
      { KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: key },
      'KAFKA_SSL_CERT_FILE',
      /required when KAFKA_SSL_KEY_FILE/,
    );
  });

  it('refuse TLS settings while KAFKA_SSL is false, rather than connect in plaintext', () => {
    assertProblem({ KAFKA_SSL_CA_FILE: ca }, 'KAFKA_SSL_CA_FILE', /KAFKA_SSL is false/);
    assertProblem(
      { KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' },
      'KAFKA_SSL_REJECT_UNAUTHORIZED',
      /only applies to TLS/,
    );
  });

  it('refuse a mechanism without credentials, credentials without a mechanism, and an unknown mechanism', () => {
    const withoutPassword = problems({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' });
    assert.ok(
      withoutPassword.some((p) => /^KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM/.test(p)),
      withoutPassword.join('\n'),
    );
    const withoutBoth = problems({ KAFKA_SASL_MECHANISM: 'plain' });
    assert.equal(withoutBoth.length, 2, withoutBoth.join('\n'));
    assertProblem(
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET },
      'KAFKA_SASL_MECHANISM',
      /required when KAFKA_SASL_USERNAME/,
    );
    assertProblem(
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET },
      'KAFKA_SASL_MECHANISM',
      /plain, scram-sha-256 or scram-sha-512/,
    );
  });
});

describe('secrets from files (<NAME>_FILE)', () => {
  it('read the secret without its trailing line break', () => {
    const config = parseEnv(schema, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME_FILE: file('user', 'pipeline\n'),
      KAFKA_SASL_PASSWORD_FILE: secretFile,
      CASSANDRA_USERNAME: 'c',
      CASSANDRA_PASSWORD_FILE: secretFile,
      SCHEMA_REGISTRY_USERNAME: 'r',
      SCHEMA_REGISTRY_PASSWORD_FILE: secretFile,
    });
    assert.equal(config.KAFKA_SASL_USERNAME, 'pipeline');
    assert.equal(config.KAFKA_SASL_PASSWORD, SECRET);
    assert.equal(config.CASSANDRA_PASSWORD, SECRET);
    assert.equal(config.SCHEMA_REGISTRY_PASSWORD, SECRET);
  });

  it('refuse a variable and its _FILE both set', () => {
    assertProblem(
      { CASSANDRA_USERNAME: 'c', CASSANDRA_PASSWORD: SECRET, CASSANDRA_PASSWORD_FILE: secretFile },
      'CASSANDRA_PASSWORD_FILE',
      /both CASSANDRA_PASSWORD and CASSANDRA_PASSWORD_FILE are set/,
    );
  });

  it('refuse a missing, unreadable or empty secret file', () => {
    assertProblem(
      { KAFKA_SASL_PASSWORD_FILE: missing },
      'KAFKA_SASL_PASSWORD_FILE',
      /cannot read .* \(no such file\)/,
    );
    assertProblem({ SCHEMA_REGISTRY_PASSWORD_FILE: dir }, 'SCHEMA_REGISTRY_PASSWORD_FILE', /a directory/);
    assertProblem({ CASSANDRA_PASSWORD_FILE: file('empty', '\n') }, 'CASSANDRA_PASSWORD_FILE', /is empty/);
  });

  it('leave file settings that are not secrets alone (KAFKA_SSL_KEY_FILE is a path, not KAFKA_SSL_KEY)', () => {
    const config = parseEnv(schema, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
    });
    assert.equal(config.KAFKA_SSL_KEY_FILE, key);
  });
});

describe('Cassandra TLS settings and the secure connect bundle', () => {
  it('verify certificates and host names (the driver would not by default)', () => {
    const config = parseEnv(schema, { CASSANDRA_SSL: 'true', CASSANDRA_SSL_CA_FILE: ca });
    assert.deepEqual(cassandraSecurityFrom(config), { sslOptions: { rejectUnauthorized: true, ca: PEM } });
    assert.deepEqual(cassandraSecurityFrom(parseEnv(schema, {})), {});
  });

  it('refuse TLS files without CASSANDRA_SSL, and a certificate without its key', () => {
    assertProblem({ CASSANDRA_SSL_CA_FILE: ca }, 'CASSANDRA_SSL_CA_FILE', /CASSANDRA_SSL is false/);
    assertProblem(
      { CASSANDRA_SSL: 'true', CASSANDRA_SSL_CERT_FILE: cert },
      'CASSANDRA_SSL_KEY_FILE',
      /required/,
    );
    assertProblem(
      { CASSANDRA_SSL: 'true', CASSANDRA_SSL_KEY_FILE: missing, CASSANDRA_SSL_CERT_FILE: cert },
      'CASSANDRA_SSL_KEY_FILE',
      /no such file/,
    );
  });

  it('pass a bundle as cloud.secureConnectBundle; refuse it with CASSANDRA_SSL or without credentials', () => {
    const bundle = file('secure-connect.zip', 'PK');
    const config = parseEnv(schema, {
      CASSANDRA_SECURE_CONNECT_BUNDLE: bundle,
      CASSANDRA_USERNAME: 'token',
      CASSANDRA_PASSWORD: SECRET,
    });
    assert.deepEqual(cassandraSecurityFrom(config), { cloud: { secureConnectBundle: bundle } });
    assertProblem(
      { CASSANDRA_SECURE_CONNECT_BUNDLE: missing },
      'CASSANDRA_SECURE_CONNECT_BUNDLE',
      /no such file/,
    );
    assertProblem(
      {
        CASSANDRA_SECURE_CONNECT_BUNDLE: bundle,
        CASSANDRA_SSL: 'true',
        CASSANDRA_USERNAME: 'token',
        CASSANDRA_PASSWORD: SECRET,
      },
      'CASSANDRA_SSL',
      /bundle carries its own TLS/,
    );
    assertProblem(
      { CASSANDRA_SECURE_CONNECT_BUNDLE: bundle },
      'CASSANDRA_USERNAME',
      /required with CASSANDRA_SECURE_CONNECT_BUNDLE/,
    );
  });
});

describe('the registry CA', () => {
  it('is read into the registry settings; a missing file is refused by name', () => {
    const config = parseEnv(schema, {
      SCHEMA_REGISTRY_URL: 'https://127.0.0.1:8443/apis/ccompat/v7',
      SCHEMA_REGISTRY_SSL_CA_FILE: ca,
    });
    assert.equal(registryConfigFrom(config).ca, PEM);
    assertProblem({ SCHEMA_REGISTRY_SSL_CA_FILE: missing }, 'SCHEMA_REGISTRY_SSL_CA_FILE', /no such file/);
  });
});
