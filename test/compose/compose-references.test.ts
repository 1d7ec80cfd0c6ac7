// What the model Docker Compose renders (compose-model.ts) must say beyond the rules every profile keeps
// (compose-config.test.ts): the dependencies, images, builds, ports and volumes of each service, the
// broker's listeners, heaps against memory limits, the versions the files need, and each service's
// environment against the zod schema the service parses it with (the same parseEnv, so "starts with these
// settings" is checked, not guessed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { SERVICE_SCHEMAS } from '../../scripts/docs/config-catalog.ts';
import { parseEnv } from '@userstream/shared';
import {
  REPO_ROOT,
  composeSkip,
  composeVariables,
  defaultModel,
  durationMs,
  environmentOf,
  once,
  readYaml,
  renderModel,
  type RenderedModel,
  type RenderedService,
} from './compose-model.ts';
import { effective, environmentOfTarget, execForm, readDockerfile } from '../docker/dockerfile.ts';

const dockerfile = readDockerfile();
const MiB = 1024 * 1024;

function service(name: string, model: RenderedModel = defaultModel()): RenderedService {
  const found = model.services[name];
  assert.ok(found, `service ${name} exists`);
  return found;
}

const offlineModel = () => once('offline', () => renderModel(['--profile', 'offline']));

/** The services built from docker/Dockerfile, with the zod schema each one parses its environment with. */
const APP: Record<string, z.ZodObject> = SERVICE_SCHEMAS;

/** An app service from the offline model (the only one with randomuser-source). */
function appService(name: string): RenderedService {
  return service(name, offlineModel());
}

/** A JVM or Cassandra size (`1g`, `1536m`, `1G`, `512M`, `-Xmx1g`'s value) in bytes. */
function jvmBytes(text: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text);
  assert.ok(match, `not a JVM size: ${text}`);
  const unit = { '': 1, k: 1024, m: MiB, g: 1024 * MiB }[(match[2] ?? '').toLowerCase()] ?? 0;
  return Number(match[1]) * unit;
}

/** The last -Xmx in a JVM option string. */
function xmx(options: string): number {
  const all = [...options.matchAll(/-Xmx(\S+)/g)];
  assert.ok(all.length > 0, `no -Xmx in ${JSON.stringify(options)}`);
  return jvmBytes(all.at(-1)?.[1] ?? '');
}

/** The maximum heap of each JVM service, read from the variable its image takes it from. */
const JVM_HEAP: Record<string, (env: Record<string, string>) => number> = {
  broker: (env) => xmx(env.KAFKA_HEAP_OPTS ?? ''),
  'schema-registry': (env) => xmx(env.SCHEMA_REGISTRY_HEAP_OPTS ?? ''),
  'control-center': (env) => xmx(env.CONTROL_CENTER_HEAP_OPTS ?? ''),
  // cassandra-env.sh sets both -Xms and -Xmx from it.
  cassandra: (env) => jvmBytes(env.MAX_HEAP_SIZE ?? ''),
};

/** A container's limit leaves room beside the heap: half the heap again, and at least 256 MiB. */
function assertHeapFits(name: string, heap: number, limit: number): void {
  assert.ok(
    limit >= heap * 1.5 && limit - heap >= 256 * MiB,
    `${name}: heap ${heap / MiB} MiB does not fit under mem_limit ${limit / MiB} MiB with room to spare`,
  );
}

/** The "Needs Docker Compose X or newer with Docker Engine Y or newer" line of compose.yaml's header. */
function statedMinimum(): { compose: number[]; engine: number } {
  const header = readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8');
  const match = /Needs Docker Compose (\d+(?:\.\d+)+) or newer with Docker Engine (\d+) or newer/.exec(
    header.replace(/\n#\s*/g, ' '),
  );
  assert.ok(match, 'compose.yaml states the minimum Compose and Engine versions');
  return { compose: (match[1] ?? '').split('.').map(Number), engine: Number(match[2]) };
}

function atLeast(version: number[], minimum: number[]): boolean {
  for (let i = 0; i < minimum.length; i += 1) {
    const a = version[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

describe('the rendered compose model', { skip: composeSkip }, () => {
  describe('compose.yaml', () => {
    it('names the project and only includes the three files, which exist', () => {
      const root = readYaml('compose.yaml');
      assert.equal(defaultModel().name, 'userstream');
      assert.deepEqual(root.include, ['compose.kafka.yaml', 'compose.cassandra.yaml', 'compose.app.yaml']);
      for (const path of root.include) assert.ok(existsSync(join(REPO_ROOT, path)), path);
      assert.equal(root.services, undefined, 'compose.yaml only includes');
    });

    it('states a minimum Compose and Engine that run these files: Compose ≥ 2.24, Engine ≥ 25', () => {
      const { compose, engine } = statedMinimum();
      // Compose before 2.21 (compose-go 1.18.2) drops included services of disabled profiles, so the
      // producer's optional dependency on randomuser-source fails the default `up`.
      assert.ok(atLeast(compose, [2, 21]), `Compose ${compose.join('.')} breaks include with profiles`);
      const startInterval = Object.values(defaultModel().services).some(
        (svc) => svc.healthcheck?.start_interval !== undefined,
      );
      if (startInterval) {
        // Compose 2.24+ refuses start_interval on an Engine older than 25 (API 1.44).
        assert.ok(atLeast(compose, [2, 24]), `start_interval needs Compose 2.24, not ${compose.join('.')}`);
        assert.ok(engine >= 25, `start_interval needs Docker Engine 25, not ${engine}`);
      }
    });

    it('README states no lower Compose minimum than compose.yaml', () => {
      const { compose } = statedMinimum();
      const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
      const stated = [...readme.matchAll(/Docker Compose (?:≥ ?|to )?(\d+\.\d+(?:\.\d+)?)/g)];
      assert.ok(stated.length > 0, 'README names a Compose version');
      for (const match of stated) {
        const version = (match[1] ?? '').split('.').map(Number);
        assert.ok(atLeast(version, compose), `README says Compose ${match[1]}, below ${compose.join('.')}`);
      }
    });
  });

  describe('depends_on and restarts', () => {
    it('producer waits for broker and registry, and for randomuser-source only when its profile is on', () => {
      assert.deepEqual(service('producer').depends_on, {
        broker: { condition: 'service_healthy', required: true },
        'schema-registry': { condition: 'service_healthy', required: true },
        'randomuser-source': { condition: 'service_healthy', required: false },
      });
    });

    it('consumer waits for broker, registry, cassandra and the finished cassandra-init', () => {
      assert.deepEqual(service('consumer').depends_on, {
        broker: { condition: 'service_healthy', required: true },
        'schema-registry': { condition: 'service_healthy', required: true },
        cassandra: { condition: 'service_healthy', required: true },
        'cassandra-init': { condition: 'service_completed_successfully', required: true },
      });
    });

    it('every long-running service has a health check (its own or its image’s)', () => {
      for (const [name, svc] of Object.entries(offlineModel().services)) {
        if (name === 'cassandra-init') continue;
        const target = svc.build?.target;
        const own = svc.healthcheck?.test !== undefined && svc.healthcheck.disable !== true;
        const image = target !== undefined && effective(dockerfile, target, 'HEALTHCHECK') !== undefined;
        assert.ok(own || image, `${name} has no health check`);
      }
    });

    it('app services: restart unless-stopped, init, and a stop_grace_period longer than SHUTDOWN_TIMEOUT_MS', () => {
      for (const name of Object.keys(APP)) {
        const svc = appService(name);
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
      assert.ok(durationMs(service('consumer').stop_grace_period ?? '0s') >= 60_000, 'consumer drains 60 s');
    });
  });

  describe('images, builds, ports and volumes', () => {
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
        const build = appService(name).build;
        assert.ok(build, `${name}: build`);
        assert.equal(build.context.replace(/\/$/, ''), REPO_ROOT.replace(/\/$/, ''));
        assert.equal(build.dockerfile, 'docker/Dockerfile');
        assert.equal(build.target, name, `${name}: target`);
        assert.ok(stages.has(name), `docker/Dockerfile has a stage ${name}`);
      }
    });

    it('each published port reaches its server’s own port, by default the same number', () => {
      const expected: Record<string, [string, number]> = {
        broker: ['9092', 9092],
        'schema-registry': ['8081', 8081],
        'control-center': ['9021', 9021],
        cassandra: ['9042', 9042],
        producer: ['8080', 8080],
        'randomuser-source': ['8088', 8088],
        status: ['8070', 8070],
      };
      for (const [name, svc] of Object.entries(offlineModel().services)) {
        const ports = (svc.ports ?? []).map((port) => [port.published, port.target]);
        assert.deepEqual(ports, expected[name] ? [expected[name]] : [], `${name} ports`);
      }
    });

    it('bind-mount sources exist and are read-only; named volumes are declared; data lives in named volumes', () => {
      const model = defaultModel();
      const declared = new Set(Object.keys(model.volumes ?? {}));
      for (const [name, svc] of Object.entries(model.services)) {
        for (const volume of svc.volumes ?? []) {
          if (volume.type === 'bind') {
            assert.ok(existsSync(volume.source ?? ''), `${name}: ${volume.source} exists`);
            assert.equal(volume.read_only, true, `${name}: ${volume.source} mounted read-only`);
          } else {
            assert.equal(volume.type, 'volume', `${name}: ${volume.type} mount`);
            assert.ok(declared.has(volume.source ?? ''), `${name}: volume ${volume.source} is declared`);
          }
        }
      }
      const mounts = (name: string) => (service(name).volumes ?? []).map((v) => `${v.source}:${v.target}`);
      assert.ok(mounts('broker').includes('kafka-data:/var/lib/kafka/data'));
      assert.equal(environmentOf(service('broker')).KAFKA_LOG_DIRS, '/var/lib/kafka/data');
      assert.ok(mounts('cassandra').includes('cassandra-data:/var/lib/cassandra'));
    });
  });

  describe('Kafka, registry and Control Center settings', () => {
    const broker = () => environmentOf(service('broker'));

    it('one broker in KRaft mode, no ZooKeeper', () => {
      assert.equal(broker().KAFKA_PROCESS_ROLES, 'broker,controller');
      assert.equal(broker().KAFKA_CONTROLLER_QUORUM_VOTERS, `${broker().KAFKA_NODE_ID}@broker:29093`);
      assert.match(broker().CLUSTER_ID ?? '', /^[A-Za-z0-9_-]{22}$/);
      for (const key of Object.keys(broker())) assert.doesNotMatch(key, /ZOOKEEPER/);
      assert.ok(!('zookeeper' in defaultModel().services));
    });

    it('the controller listens on the voter’s own host:port, not 0.0.0.0 (Kafka 3.9.0 refuses that)', () => {
      // KAFKA-18281: `kafka-storage format` in 3.9.0 (CP 7.9.0) rejects a controller listener on 0.0.0.0.
      const listeners = new Map(
        (broker().KAFKA_LISTENERS ?? '').split(',').map((listener) => {
          const match = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(listener);
          assert.ok(match, `listener ${listener}`);
          return [match[1] ?? '', `${match[2]}:${match[3]}`];
        }),
      );
      const voter = (broker().KAFKA_CONTROLLER_QUORUM_VOTERS ?? '').replace(/^\d+@/, '');
      for (const name of (broker().KAFKA_CONTROLLER_LISTENER_NAMES ?? '').split(',')) {
        assert.equal(listeners.get(name), voter, `${name} listener`);
      }
      assert.equal(voter, 'broker:29093');
    });

    it('listens on broker:29092 for containers and advertises 127.0.0.1:9092 (where it is published) to the host', () => {
      assert.equal(
        broker().KAFKA_ADVERTISED_LISTENERS,
        'PLAINTEXT://broker:29092,PLAINTEXT_HOST://127.0.0.1:9092',
      );
      assert.match(broker().KAFKA_LISTENERS ?? '', /PLAINTEXT:\/\/0\.0\.0\.0:29092/);
      assert.match(broker().KAFKA_LISTENERS ?? '', /PLAINTEXT_HOST:\/\/0\.0\.0\.0:9092/);
      assert.equal(broker().KAFKA_INTER_BROKER_LISTENER_NAME, 'PLAINTEXT');
      for (const listener of (broker().KAFKA_ADVERTISED_LISTENERS ?? '').split(',')) {
        const name = listener.split(':')[0] ?? '';
        assert.match(
          broker().KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '',
          new RegExp(`(^|,)${name}:PLAINTEXT`),
        );
      }
      assert.equal(broker().KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
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

    it('cassandra-init applies the repository’s users.cql with cqlsh', () => {
      const init = service('cassandra-init');
      assert.deepEqual(init.entrypoint, ['cqlsh']);
      assert.ok(init.command?.includes('--file=/schema/users.cql'));
      assert.ok(init.command?.includes('cassandra'));
      const schema = (init.volumes ?? []).find((volume) => volume.target === '/schema/users.cql');
      assert.equal(schema?.source, join(REPO_ROOT, 'services/shared/schemas/users.cql'));
      assert.deepEqual(service('cassandra').healthcheck?.test?.slice(0, 2), ['CMD', 'cqlsh']);
    });
  });

  describe('memory', () => {
    it('every JVM service’s heaps (its server’s and its health check’s) fit under its mem_limit with room to spare', () => {
      for (const [name, svc] of Object.entries(defaultModel().services)) {
        const jvm = /^(confluentinc\/|cassandra:)/.test(svc.image ?? '') && name !== 'cassandra-init';
        if (!jvm) continue;
        const heapOf = JVM_HEAP[name];
        assert.ok(heapOf, `${name} runs a JVM: give it a heap and a line in JVM_HEAP`);
        // A health check that starts a JVM (Kafka's tools) runs it in the same container, beside the server.
        const check = (svc.healthcheck?.test ?? []).join(' ');
        const checkHeap = /-Xmx/.test(check) ? xmx(check) : 0;
        assertHeapFits(name, heapOf(environmentOf(svc)) + checkHeap, Number(svc.mem_limit));
      }
    });

    it('heaps set through .env must be raised with the limit: a bigger heap fails the check', () => {
      const model = renderModel([], { KAFKA_HEAP_OPTS: '-Xms1g -Xmx2g', CASSANDRA_MAX_HEAP_SIZE: '2G' });
      for (const name of ['broker', 'cassandra']) {
        const svc = service(name, model);
        const heap = JVM_HEAP[name]?.(environmentOf(svc)) ?? 0;
        assert.throws(() => assertHeapFits(name, heap, Number(svc.mem_limit)), /does not fit/);
      }
      const raised = renderModel([], { KAFKA_HEAP_OPTS: '-Xmx2g', KAFKA_MEM_LIMIT: '3g' });
      assertHeapFits('broker', 2048 * MiB, Number(service('broker', raised).mem_limit));
    });

    it('the Node services’ V8 heap (--max-old-space-size in their image) fits under their mem_limit', () => {
      for (const name of ['producer', 'consumer', 'status']) {
        const cmd = execForm(effective(dockerfile, name, 'CMD')?.args ?? '') ?? [];
        const flag = cmd.find((arg) => arg.startsWith('--max-old-space-size='));
        assert.ok(flag, `${name}: its CMD sets --max-old-space-size`);
        assertHeapFits(name, Number(flag.split('=')[1]) * MiB, Number(service(name).mem_limit));
      }
    });

    it('Cassandra 5.0 gets MAX_HEAP_SIZE only: HEAP_NEWSIZE is ignored under its G1 collector', () => {
      const env = environmentOf(service('cassandra'));
      assert.match(service('cassandra').image ?? '', /^cassandra:5\./);
      assert.match(env.MAX_HEAP_SIZE ?? '', /^\d+[MG]$/);
      assert.equal(env.HEAP_NEWSIZE, undefined);
    });

    it('compose.yaml states the sum of the limits, with and without the offline profile', () => {
      const total = (model: RenderedModel) =>
        Object.values(model.services).reduce((sum, svc) => sum + Number(svc.mem_limit ?? 0), 0) / 1024 / MiB;
      const header = readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8').replace(/\n#\s*/g, ' ');
      const match = /add up to ([\d.]+) GiB \(([\d.]+) GiB with the offline profile\)/.exec(header);
      assert.ok(match, 'compose.yaml states the total of the memory limits');
      assert.equal(Number(match[1]), total(defaultModel()));
      assert.equal(Number(match[2]), total(offlineModel()));
    });
  });

  describe('service environments against the services’ own config schemas', () => {
    for (const [name, schema] of Object.entries(APP)) {
      const env = () => environmentOf(appService(name));

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
      const producer = parseEnv(SERVICE_SCHEMAS.producer, environmentOf(service('producer')));
      const consumer = parseEnv(SERVICE_SCHEMAS.consumer, environmentOf(service('consumer')));
      for (const config of [producer, consumer]) {
        assert.deepEqual(config.KAFKA_BROKERS, ['broker:29092']);
        assert.equal(config.SCHEMA_REGISTRY_URL, 'http://schema-registry:8081');
        assert.equal(config.KAFKA_TOPIC, 'users_created');
        assert.equal(config.KAFKA_DLQ_TOPIC, 'users_created.dlq');
      }
      assert.deepEqual(consumer.CASSANDRA_CONTACT_POINTS, ['cassandra:9042']);
      assert.equal(consumer.CASSANDRA_LOCAL_DC, 'datacenter1');
      assert.equal(producer.RANDOMUSER_URL, 'https://randomuser.me/api/1.4/');
      const variables = composeVariables();
      const expected: Record<string, string> = {
        KAFKA_BROKERS: 'broker:29092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        CASSANDRA_CONTACT_POINTS: 'cassandra:9042',
        CASSANDRA_LOCAL_DC: 'datacenter1',
        RANDOMUSER_URL: 'https://randomuser.me/api/1.4/',
      };
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(variables.get(key), value, `${key} is \${${key}:-${value}}`);
      }
    });

    it('offline mode: RANDOMUSER_URL=http://randomuser-source:8088/api/1.4/ names the profiled service and its port', () => {
      const source = appService('randomuser-source');
      assert.deepEqual(source.profiles, ['offline']);
      const offline = renderModel(['--profile', 'offline'], {
        RANDOMUSER_URL: 'http://randomuser-source:8088/api/1.4/',
      });
      const producer = parseEnv(SERVICE_SCHEMAS.producer, environmentOf(service('producer', offline)));
      const url = new URL(producer.RANDOMUSER_URL);
      assert.equal(url.hostname, 'randomuser-source');
      assert.equal(url.port, environmentOf(source).HTTP_PORT);
      assert.equal(url.pathname, '/api/1.4/');
      for (const [name, svc] of Object.entries(offlineModel().services)) {
        if (name !== 'randomuser-source')
          assert.equal(svc.profiles, undefined, `${name} starts without a profile`);
      }
    });

    it('.env values reach the services (interpolation), e.g. LOG_LEVEL and KAFKA_TOPIC', () => {
      const custom = renderModel([], { LOG_LEVEL: 'debug', KAFKA_TOPIC: 'other_topic' });
      for (const name of ['producer', 'consumer']) {
        const env = environmentOf(service(name, custom));
        assert.equal(env.LOG_LEVEL, 'debug');
        assert.equal(env.KAFKA_TOPIC, 'other_topic');
      }
    });
  });
});
