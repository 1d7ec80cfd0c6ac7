// Cross-references the JSON schema cannot see: depends_on targets and conditions, health checks, images and
// tags, bind-mount sources, build targets, and each service's environment against the zod schema the
// service parses it with (the same parseEnv, so "starts with these settings" is checked, not guessed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { parseEnv } from '@userstream/shared/config';
import { producerEnvSchema } from '../../services/producer/src/config.ts';
import { consumerEnvSchema } from '../../services/consumer/src/config.ts';
import { sourceEnvSchema } from '../../services/randomuser-source/src/config.ts';
import { statusEnvSchema } from '../../services/status/src/config.ts';
import {
  COMPOSE_FILES,
  REPO_ROOT,
  dependenciesOf,
  durationMs,
  environmentOf,
  includePaths,
  loadModel,
  readYaml,
  type ServiceModel,
  type VariableUse,
} from './compose-model.ts';
import { effective, environmentOfTarget, readDockerfile } from '../docker/dockerfile.ts';

const uses: VariableUse[] = [];
const model = loadModel('compose.yaml', {}, uses);
const services = model.services ?? {};
const dockerfile = readDockerfile();

function service(name: string): ServiceModel {
  const found = services[name];
  assert.ok(found, `service ${name} exists`);
  return found;
}

/** The services built from docker/Dockerfile, with the zod schema each one parses its environment with. */
const APP: Record<string, z.ZodObject> = {
  producer: producerEnvSchema,
  consumer: consumerEnvSchema,
  'randomuser-source': sourceEnvSchema,
  status: statusEnvSchema,
};

function buildTarget(svc: ServiceModel): string | undefined {
  return typeof svc.build === 'object' ? svc.build.target : undefined;
}

/** True when the service has a health check: its own, or its image's (a Dockerfile target's HEALTHCHECK). */
function hasHealthcheck(svc: ServiceModel): boolean {
  if (svc.healthcheck) return svc.healthcheck.disable !== true && svc.healthcheck.test !== undefined;
  const target = buildTarget(svc);
  return target !== undefined && effective(dockerfile, target, 'HEALTHCHECK') !== undefined;
}

/** Host side of the published ports: `ip:hostPort:containerPort` short syntax. */
function published(svc: ServiceModel): { ip: string; host: number; container: number }[] {
  return (svc.ports ?? []).map((port) => {
    assert.ok(typeof port === 'string', `port ${JSON.stringify(port)}: short syntax`);
    const match = /^(?:([\d.]+):)?(\d+):(\d+)(?:\/tcp)?$/.exec(port);
    assert.ok(match, `port ${JSON.stringify(port)} in ip:host:container form`);
    return { ip: match[1] ?? '0.0.0.0', host: Number(match[2]), container: Number(match[3]) };
  });
}

describe('compose.yaml', () => {
  it('names the project and includes the three files, which exist', () => {
    const root = readYaml('compose.yaml');
    assert.equal(root.name, 'userstream');
    assert.deepEqual(includePaths(root), [
      'compose.kafka.yaml',
      'compose.cassandra.yaml',
      'compose.app.yaml',
    ]);
    for (const path of includePaths(root)) assert.ok(existsSync(join(REPO_ROOT, path)), `${path} exists`);
    assert.equal(root.services, undefined, 'compose.yaml only includes');
  });

  it('needs no .env: every ${VAR} has a default, none is required', () => {
    assert.ok(uses.length > 0);
    for (const use of uses) {
      assert.ok(use.defaultValue !== undefined, `\${${use.name}} has no default`);
      assert.equal(use.required, false, `\${${use.name}:?...} demands a .env`);
    }
  });

  it('the raw files interpolate the same way (no stray `$` that Compose would eat)', () => {
    for (const file of COMPOSE_FILES) {
      const raw = JSON.stringify(readYaml(file));
      for (const match of raw.matchAll(/\$(?!\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\})/g)) {
        assert.fail(
          `${file}: a "$" that is not a \${VAR...} reference near ${raw.slice(match.index, match.index + 30)}`,
        );
      }
    }
  });
});

describe('depends_on, health checks and restarts', () => {
  it('every depends_on target exists', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const target of Object.keys(dependenciesOf(svc))) {
        assert.ok(target in services, `${name} depends on undefined service ${target}`);
      }
    }
  });

  it('service_healthy only on services with a health check; service_completed_successfully only on one-shots', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [target, dep] of Object.entries(dependenciesOf(svc))) {
        const other = service(target);
        if (dep.condition === 'service_healthy') {
          assert.ok(
            hasHealthcheck(other),
            `${name} waits for ${target} to be healthy, but it has no health check`,
          );
        }
        if (dep.condition === 'service_completed_successfully') {
          assert.ok([undefined, 'no'].includes(other.restart), `${target} is a one-shot: restart "no"`);
        }
      }
    }
  });

  it('health checks on broker, schema-registry, control-center and cassandra; every long-running service has one', () => {
    for (const name of ['broker', 'schema-registry', 'control-center', 'cassandra']) {
      assert.ok(service(name).healthcheck?.test, `${name} has a healthcheck`);
    }
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'cassandra-init') continue;
      assert.ok(hasHealthcheck(svc), `${name} has a health check (its own or its image's)`);
    }
  });

  it('producer waits for broker and registry, and for randomuser-source only when its profile is on', () => {
    assert.deepEqual(dependenciesOf(service('producer')), {
      broker: { condition: 'service_healthy', required: true },
      'schema-registry': { condition: 'service_healthy', required: true },
      'randomuser-source': { condition: 'service_healthy', required: false },
    });
  });

  it('consumer waits for broker, registry, cassandra and the finished cassandra-init', () => {
    assert.deepEqual(dependenciesOf(service('consumer')), {
      broker: { condition: 'service_healthy', required: true },
      'schema-registry': { condition: 'service_healthy', required: true },
      cassandra: { condition: 'service_healthy', required: true },
      'cassandra-init': { condition: 'service_completed_successfully', required: true },
    });
  });

  it('app services: restart unless-stopped, init, and a stop_grace_period longer than SHUTDOWN_TIMEOUT_MS', () => {
    for (const name of Object.keys(APP)) {
      const svc = service(name);
      assert.equal(svc.restart, 'unless-stopped', `${name}: restart`);
      assert.equal(svc.init, true, `${name}: init`);
      assert.ok(svc.stop_grace_period, `${name}: stop_grace_period`);
      const grace = durationMs(svc.stop_grace_period);
      const timeout = Number(environmentOf(svc).SHUTDOWN_TIMEOUT_MS);
      assert.ok(
        timeout > 0 && timeout + 5_000 <= grace,
        `${name}: SHUTDOWN_TIMEOUT_MS ${timeout} vs ${grace} ms`,
      );
    }
    assert.ok(
      durationMs(service('consumer').stop_grace_period ?? '0s') >= 60_000,
      'consumer drains for up to 60 s',
    );
  });
});

describe('images, builds, ports and volumes', () => {
  it('every image has an explicit tag other than latest (built services may have none)', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (svc.image === undefined) {
        assert.ok(svc.build, `${name} has neither image nor build`);
        continue;
      }
      const match = /^(?:[^/]+\/)*[^/:@]+(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(svc.image);
      assert.ok(match, `${name}: cannot read image ${svc.image}`);
      assert.ok(match[1], `${name}: image ${svc.image} has no tag`);
      assert.notEqual(match[1], 'latest', `${name}: image ${svc.image}`);
      assert.doesNotMatch(match[1], /latest/, `${name}: image ${svc.image}`);
    }
  });

  it('Confluent images share one pinned Confluent Platform 7.9.x version; Cassandra is a pinned 5.0.x', () => {
    const cp = ['broker', 'schema-registry', 'control-center'].map((name) => service(name).image ?? '');
    assert.deepEqual(
      cp.map((image) => image.split(':')[0]),
      [
        'confluentinc/cp-server',
        'confluentinc/cp-schema-registry',
        'confluentinc/cp-enterprise-control-center',
      ],
    );
    const versions = new Set(cp.map((image) => image.split(':')[1]));
    assert.equal(versions.size, 1, `one CP version: ${[...versions].join(', ')}`);
    assert.match([...versions][0] ?? '', /^7\.9\.\d+$/);
    for (const name of ['cassandra', 'cassandra-init'])
      assert.match(service(name).image ?? '', /^cassandra:5\.0\.\d+$/);
  });

  it('built services use docker/Dockerfile from the repository root, one existing target each', () => {
    const stages = new Set(dockerfile.stages.map((stage) => stage.name));
    for (const name of Object.keys(APP)) {
      const build = service(name).build;
      assert.ok(typeof build === 'object', `${name}: long build syntax`);
      assert.equal(build.context, '.');
      assert.equal(build.dockerfile, 'docker/Dockerfile');
      assert.equal(build.target, name, `${name}: target`);
      assert.ok(stages.has(name), `docker/Dockerfile has a stage ${name}`);
    }
  });

  it('no container_name anywhere, and no host port on the consumer, so --scale consumer=N works', () => {
    for (const [name, svc] of Object.entries(services)) assert.equal(svc.container_name, undefined, name);
    assert.equal(service('consumer').ports, undefined);
  });

  it('published ports are on 127.0.0.1, distinct, and reach each server’s own port', () => {
    const expected: Record<string, [number, number]> = {
      broker: [9092, 9092],
      'schema-registry': [8081, 8081],
      'control-center': [9021, 9021],
      cassandra: [9042, 9042],
      producer: [8080, 8080],
      'randomuser-source': [8088, 8088],
      status: [8070, 8070],
      prometheus: [9090, 9090],
    };
    const seen = new Set<number>();
    for (const [name, svc] of Object.entries(services)) {
      for (const port of published(svc)) {
        assert.equal(port.ip, '127.0.0.1', `${name}: published on loopback only`);
        assert.ok(!seen.has(port.host), `host port ${port.host} published twice`);
        seen.add(port.host);
        assert.deepEqual([port.host, port.container], expected[name], `${name} ports`);
      }
    }
    assert.equal(seen.size, Object.keys(expected).length);
  });

  it('bind-mount sources exist; named volumes are declared; data lives in named volumes', () => {
    const declared = new Set(Object.keys(model.volumes ?? {}));
    for (const [name, svc] of Object.entries(services)) {
      for (const volume of svc.volumes ?? []) {
        assert.ok(typeof volume === 'string', `${name}: short volume syntax`);
        const [source = '', target = '', mode] = volume.split(':');
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(join(REPO_ROOT, source)), `${name}: ${source} exists`);
          assert.equal(mode, 'ro', `${name}: ${source} mounted read-only`);
        } else {
          assert.ok(declared.has(source), `${name}: volume ${source} is declared`);
          assert.ok(target.startsWith('/'));
        }
      }
    }
    assert.ok(service('broker').volumes?.includes('kafka-data:/var/lib/kafka/data'));
    assert.equal(environmentOf(service('broker')).KAFKA_LOG_DIRS, '/var/lib/kafka/data');
    assert.ok(service('cassandra').volumes?.includes('cassandra-data:/var/lib/cassandra'));
  });
});

describe('Kafka, registry and Control Center settings', () => {
  const broker = environmentOf(service('broker'));

  it('one broker in KRaft mode, no ZooKeeper', () => {
    assert.equal(broker.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.equal(broker.KAFKA_CONTROLLER_QUORUM_VOTERS, `${broker.KAFKA_NODE_ID}@broker:29093`);
    assert.match(broker.CLUSTER_ID ?? '', /^[A-Za-z0-9_-]{22}$/);
    for (const key of Object.keys(broker)) assert.doesNotMatch(key, /ZOOKEEPER/);
    assert.ok(!('zookeeper' in services));
  });

  it('listens on broker:29092 for containers and advertises 127.0.0.1:9092 (where it is published) to the host', () => {
    assert.equal(
      broker.KAFKA_ADVERTISED_LISTENERS,
      'PLAINTEXT://broker:29092,PLAINTEXT_HOST://127.0.0.1:9092',
    );
    assert.match(broker.KAFKA_LISTENERS ?? '', /PLAINTEXT:\/\/0\.0\.0\.0:29092/);
    assert.match(broker.KAFKA_LISTENERS ?? '', /PLAINTEXT_HOST:\/\/0\.0\.0\.0:9092/);
    assert.equal(broker.KAFKA_INTER_BROKER_LISTENER_NAME, 'PLAINTEXT');
    for (const listener of (broker.KAFKA_ADVERTISED_LISTENERS ?? '').split(',')) {
      const name = listener.split(':')[0] ?? '';
      assert.match(broker.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '', new RegExp(`(^|,)${name}:PLAINTEXT`));
    }
    assert.equal(broker.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
  });

  it('sets laptop-sized heaps for every JVM', () => {
    assert.match(broker.KAFKA_HEAP_OPTS ?? '', /-Xmx\d+[mg]/);
    assert.match(environmentOf(service('schema-registry')).SCHEMA_REGISTRY_HEAP_OPTS ?? '', /-Xmx\d+[mg]/);
    assert.match(environmentOf(service('control-center')).CONTROL_CENTER_HEAP_OPTS ?? '', /-Xmx\d+[mg]/);
    const cassandra = environmentOf(service('cassandra'));
    assert.match(cassandra.MAX_HEAP_SIZE ?? '', /^\d+[MG]$/);
    assert.match(cassandra.HEAP_NEWSIZE ?? '', /^\d+[MG]$/);
  });

  it('registry and Control Center reach the broker on its container listener', () => {
    const registry = environmentOf(service('schema-registry'));
    assert.equal(registry.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS, 'PLAINTEXT://broker:29092');
    assert.equal(registry.SCHEMA_REGISTRY_LISTENERS, 'http://0.0.0.0:8081');
    const c3 = environmentOf(service('control-center'));
    assert.equal(c3.CONTROL_CENTER_BOOTSTRAP_SERVERS, 'broker:29092');
    assert.equal(c3.CONTROL_CENTER_SCHEMA_REGISTRY_URL, 'http://schema-registry:8081');
    assert.equal(c3.PORT, '9021');
  });

  it('cassandra-init applies the repository’s users.cql with cqlsh once Cassandra is healthy', () => {
    const init = service('cassandra-init');
    assert.deepEqual(init.entrypoint, ['cqlsh']);
    assert.ok(Array.isArray(init.command));
    assert.ok(init.command.includes('--file=/schema/users.cql'));
    assert.ok(init.command.includes('cassandra'));
    assert.ok(init.volumes?.includes('./services/shared/schemas/users.cql:/schema/users.cql:ro'));
    assert.deepEqual(service('cassandra').healthcheck?.test?.slice(0, 1), ['CMD']);
    assert.equal(service('cassandra').healthcheck?.test?.[1], 'cqlsh');
  });
});

describe('service environments against the services’ own config schemas', () => {
  for (const [name, schema] of Object.entries(APP)) {
    const env = () => environmentOf(service(name));

    it(`${name}: parses with its config schema as compose sets it, with no .env`, () => {
      assert.doesNotThrow(() => parseEnv(schema, env()));
    });

    it(`${name}: every variable without a default in the schema is set in compose`, () => {
      for (const [key, field] of Object.entries(schema.shape)) {
        if ((field as z.ZodType).safeParse(undefined).success) continue;
        assert.ok((env()[key] ?? '') !== '', `${name}: ${key} is required by the service and not set`);
      }
    });

    it(`${name}: every variable compose sets is one the service reads, and every one it reads is wired`, () => {
      const keys = new Set(Object.keys(schema.shape));
      for (const key of Object.keys(env()))
        assert.ok(keys.has(key), `${name}: ${key} is not read by the service`);
      for (const key of keys) assert.ok(key in env(), `${name}: ${key} cannot be set through compose`);
    });

    it(`${name}: listens on 0.0.0.0 on the port its image declares`, () => {
      const config = parseEnv(schema, env()) as { HTTP_HOST: string; HTTP_PORT: number };
      assert.equal(config.HTTP_HOST, '0.0.0.0');
      assert.equal(String(config.HTTP_PORT), environmentOfTarget(dockerfile, name).HTTP_PORT);
    });
  }

  it('containers reach Kafka, the Confluent registry and Cassandra by service name, overridable from .env', () => {
    const producer = parseEnv(producerEnvSchema, environmentOf(service('producer')));
    const consumer = parseEnv(consumerEnvSchema, environmentOf(service('consumer')));
    for (const config of [producer, consumer]) {
      assert.deepEqual(config.KAFKA_BROKERS, ['broker:29092']);
      assert.equal(config.SCHEMA_REGISTRY_URL, 'http://schema-registry:8081');
      assert.equal(config.KAFKA_TOPIC, 'users_created');
      assert.equal(config.KAFKA_DLQ_TOPIC, 'users_created.dlq');
    }
    assert.deepEqual(consumer.CASSANDRA_CONTACT_POINTS, ['cassandra:9042']);
    assert.equal(consumer.CASSANDRA_LOCAL_DC, 'datacenter1');
    assert.equal(producer.RANDOMUSER_URL, 'https://randomuser.me/api/1.4/');
    const raw = (file: string, svc: string) => environmentOf(readYaml(file).services?.[svc] ?? {});
    const app = { ...raw('compose.app.yaml', 'producer'), ...raw('compose.app.yaml', 'consumer') };
    for (const key of [
      'KAFKA_BROKERS',
      'SCHEMA_REGISTRY_URL',
      'CASSANDRA_CONTACT_POINTS',
      'CASSANDRA_LOCAL_DC',
      'RANDOMUSER_URL',
    ]) {
      assert.match(app[key] ?? '', new RegExp(`^\\$\\{${key}:-[^}]+\\}$`), `${key} uses \${${key}:-default}`);
    }
  });

  it('offline mode: RANDOMUSER_URL=http://randomuser-source:8088/api/1.4/ names the profiled service and its port', () => {
    const source = service('randomuser-source');
    assert.deepEqual(source.profiles, ['offline']);
    const offline = loadModel('compose.yaml', { RANDOMUSER_URL: 'http://randomuser-source:8088/api/1.4/' });
    const producer = parseEnv(producerEnvSchema, environmentOf(offline.services?.producer ?? {}));
    const url = new URL(producer.RANDOMUSER_URL);
    assert.equal(url.hostname, 'randomuser-source');
    assert.equal(url.port, environmentOf(source).HTTP_PORT);
    assert.equal(url.pathname, '/api/1.4/');
    for (const [name, svc] of Object.entries(services)) {
      if (name !== 'randomuser-source' && name !== 'prometheus')
        assert.equal(svc.profiles, undefined, `${name} starts without a profile`);
    }
  });

  it('.env values reach the services (interpolation), e.g. LOG_LEVEL and KAFKA_TOPIC', () => {
    const custom = loadModel('compose.yaml', { LOG_LEVEL: 'debug', KAFKA_TOPIC: 'other_topic' });
    for (const name of ['producer', 'consumer']) {
      const env = environmentOf(custom.services?.[name] ?? {});
      assert.equal(env.LOG_LEVEL, 'debug');
      assert.equal(env.KAFKA_TOPIC, 'other_topic');
    }
  });
});
