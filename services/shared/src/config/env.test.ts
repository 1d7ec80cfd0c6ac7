import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError } from '../errors/pipeline-errors.ts';
import { cassandraEnvShape, credentialPairs, kafkaEnvShape, parseEnv, redactConfig } from './env.ts';

const schema = z.object({ ...kafkaEnvShape, ...cassandraEnvShape });

test('defaults suit the local stack', () => {
  const config = parseEnv(schema, {});
  assert.deepEqual(config.KAFKA_BROKERS, ['127.0.0.1:9092']);
  assert.equal(config.KAFKA_TOPIC, 'users_created');
  assert.equal(config.KAFKA_DLQ_TOPIC, 'users_created.dlq');
  assert.equal(config.KAFKA_TOPIC_PARTITIONS, 3);
  assert.equal(config.SCHEMA_REGISTRY_URL, 'http://127.0.0.1:8081/apis/ccompat/v7');
  assert.deepEqual(config.CASSANDRA_CONTACT_POINTS, ['127.0.0.1:9042']);
  assert.equal(config.CASSANDRA_LOCAL_DC, 'datacenter1');
});

test('lists every bad variable by name, and treats empty strings as unset', () => {
  const env = {
    KAFKA_BROKERS: 'a:1, b c',
    KAFKA_TOPIC_PARTITIONS: 'three',
    SCHEMA_REGISTRY_URL: 'not a url',
    CASSANDRA_KEYSPACE: '1bad',
    KAFKA_TOPIC: '',
  };
  assert.throws(
    () => parseEnv(schema, env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const names = error.problems.map((p) => p.split(':')[0]);
      assert.ok(
        names.some((n) => n?.startsWith('KAFKA_BROKERS')),
        error.message,
      );
      assert.ok(names.includes('KAFKA_TOPIC_PARTITIONS'), error.message);
      assert.ok(names.includes('SCHEMA_REGISTRY_URL'), error.message);
      assert.ok(names.includes('CASSANDRA_KEYSPACE'), error.message);
      assert.ok(!names.includes('KAFKA_TOPIC'), 'empty KAFKA_TOPIC falls back to its default');
      assert.match(error.message, /"three"/);
      return true;
    },
  );
});

test('a bad secret is reported by name without its value', () => {
  const secretSchema = z.object({ CASSANDRA_PASSWORD: z.string().min(12) });
  assert.throws(
    () => parseEnv(secretSchema, { CASSANDRA_PASSWORD: 'hunter2' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /CASSANDRA_PASSWORD/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    },
  );
});

test('redactConfig masks secret-named values only; user names count (on a hosted registry, the API key)', () => {
  const shown = redactConfig({
    CASSANDRA_PASSWORD: 's3cret',
    SCHEMA_REGISTRY_USERNAME: 'API-KEY',
    KAFKA_TOPIC: 'users',
    TOKEN_X: undefined,
  });
  assert.deepEqual(shown, {
    CASSANDRA_PASSWORD: '***',
    SCHEMA_REGISTRY_USERNAME: '***',
    KAFKA_TOPIC: 'users',
    TOKEN_X: undefined,
  });
});

test('redactConfig and config errors mask the credentials of URLs, and only those', () => {
  const shown = redactConfig({
    SCHEMA_REGISTRY_URL: 'https://key:s3cret@registry.example.com:8081/apis',
    RANDOMUSER_URL: 'http://token@source.local/api/',
    AT_URL: 'https://key:p@ss@registry.example.com/',
    SLASH_URL: 'https://key:ab/cd@registry.example.com/',
    KAFKA_BROKERS: ['b1:9092'],
    PLAIN: 'http://source.local/api/1.4/',
  });
  assert.deepEqual(shown, {
    SCHEMA_REGISTRY_URL: 'https://***@registry.example.com:8081/apis',
    RANDOMUSER_URL: 'http://***@source.local/api/',
    AT_URL: 'https://***@registry.example.com/',
    SLASH_URL: 'https://***@registry.example.com/',
    KAFKA_BROKERS: ['b1:9092'],
    PLAIN: 'http://source.local/api/1.4/',
  });
  // A password with a space passes the URL parser; the setting is masked whole, not up to the space.
  assert.deepEqual(redactConfig({ SPACE_URL: 'https://key:pa ss@reg/', SCHEDULE: '@hourly' }), {
    SPACE_URL: 'https://***@reg/',
    SCHEDULE: '@hourly',
  });
  // Invalid URLs are shown in the error, masked whatever their scheme (or none).
  for (const value of ['user:s3cret@reg:8081', 'http:/user:s3cret@reg:8081']) {
    assert.throws(
      () => parseEnv(z.object({ URL_X: z.url({ protocol: /^https?$/ }) }), { URL_X: value }),
      (error: Error) => {
        assert.match(error.message, /URL_X: .*\*\*\*@reg/);
        assert.doesNotMatch(error.message, /s3cret|user|ss@/);
        return true;
      },
      value,
    );
  }
  assert.throws(
    // A secret with a '/' makes the URL invalid, so it is shown in the error: masked still.
    () => parseEnv(z.object({ URL_X: z.url() }), { URL_X: 'https://key:s3/cret@registry.example.com/' }),
    (error: Error) => {
      assert.match(error.message, /URL_X/);
      assert.match(error.message, /https:\/\/\*\*\*@registry/);
      assert.doesNotMatch(error.message, /s3|cret/);
      return true;
    },
  );
});

test('Kafka brokers need a port from 1 to 65535; Cassandra contact points may leave it out', () => {
  const problems = (env: Record<string, string>): readonly string[] => {
    try {
      parseEnv(schema, env);
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };
  assert.match(problems({ KAFKA_BROKERS: 'broker' }).join('\n'), /^KAFKA_BROKERS.*host:port/);
  assert.match(problems({ KAFKA_BROKERS: 'broker:70000' }).join('\n'), /^KAFKA_BROKERS.*1-65535/);
  assert.match(
    problems({ CASSANDRA_CONTACT_POINTS: 'db:0' }).join('\n'),
    /^CASSANDRA_CONTACT_POINTS.*1-65535/,
  );
  assert.deepEqual(
    problems({ KAFKA_BROKERS: 'a:9092,b:19092', CASSANDRA_CONTACT_POINTS: 'db1,db2:9042' }),
    [],
  );
});

test('SCHEMA_REGISTRY_URL must be http(s): a host:port without a scheme is refused', () => {
  for (const url of ['schema-registry:8081', 'ftp://registry/']) {
    assert.throws(
      () => parseEnv(schema, { SCHEMA_REGISTRY_URL: url }),
      (error: unknown) =>
        error instanceof ConfigError && /^SCHEMA_REGISTRY_URL/.test(error.problems.join('\n')),
      url,
    );
  }
});

test('a user name without its password (or the reverse) is refused, naming the missing one', () => {
  const paired = schema.superRefine(
    credentialPairs(
      ['CASSANDRA_USERNAME', 'CASSANDRA_PASSWORD'],
      ['SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_URL'],
    ),
  );
  assert.throws(
    () => parseEnv(paired, { CASSANDRA_USERNAME: 'app', SCHEMA_REGISTRY_PASSWORD: 's3cret-value' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), [
        'CASSANDRA_PASSWORD',
        'SCHEMA_REGISTRY_USERNAME',
      ]);
      assert.doesNotMatch(error.message, /s3cret-value/);
      return true;
    },
  );
  assert.equal(
    parseEnv(paired, { CASSANDRA_USERNAME: 'app', CASSANDRA_PASSWORD: 'pw' }).CASSANDRA_USERNAME,
    'app',
  );
  assert.equal(parseEnv(paired, {}).CASSANDRA_CONSISTENCY, 'local_quorum');
  // The registry's user may come from the URL, its password from the variable (registryConfigFrom).
  const urlUser = { SCHEMA_REGISTRY_URL: 'https://apikey@registry.example/', SCHEMA_REGISTRY_PASSWORD: 'pw' };
  assert.equal(parseEnv(paired, urlUser).SCHEMA_REGISTRY_PASSWORD, 'pw');
  assert.throws(
    () => parseEnv(paired, { SCHEMA_REGISTRY_URL: 'https://apikey@registry.example/' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /^SCHEMA_REGISTRY_PASSWORD: required when/.test(error.problems.join('\n')),
  );
});
