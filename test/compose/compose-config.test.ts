// `docker compose config` (the pinned Compose, see compose-model.ts) accepts the repository's files for
// every way they are meant to be run: no profile, `--profile offline` and COMPOSE_PROFILES=offline, each
// with no .env, with .env.example as --env-file and with every *_HOST_PORT changed; and the model it
// renders in each case keeps the rules below (loopback ports, health-checked dependencies, a scalable
// consumer, the init container's order, pinned images, a memory limit on every service).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effective, readDockerfile } from '../docker/dockerfile.ts';
import {
  COMPOSE_BIN,
  REPO_ROOT,
  composeSkip,
  composeVariables,
  environmentOf,
  once,
  renderModel,
  runCompose,
  type RenderedModel,
  type RenderedService,
} from './compose-model.ts';

const scratch = mkdtempSync(join(tmpdir(), 'userstream-compose-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** "No .env": the repository's own .env, when a developer has one, is replaced by an empty file. */
const noEnvFile = existsSync(join(REPO_ROOT, '.env'))
  ? (() => {
      const empty = join(scratch, 'empty.env');
      writeFileSync(empty, '');
      return ['--env-file', empty];
    })()
  : [];

/** Each *_HOST_PORT the files read, moved up by 10000 (so 9092 -> 19092). */
function changedHostPorts(): Record<string, string> {
  return once('changed ports', () => {
    const ports = [...composeVariables()].filter(([name]) => name.endsWith('_HOST_PORT'));
    assert.ok(ports.length >= 6, `the files read ${ports.length} *_HOST_PORT variables`);
    return Object.fromEntries(ports.map(([name, value]) => [name, String(Number(value) + 10_000)]));
  });
}

interface Case {
  name: string;
  args: string[];
  env: () => Record<string, string>;
  offline: boolean;
}

const PROFILES: { name: string; args: string[]; env: Record<string, string>; offline: boolean }[] = [
  { name: 'no profile', args: [], env: {}, offline: false },
  { name: '--profile offline', args: ['--profile', 'offline'], env: {}, offline: true },
  { name: 'COMPOSE_PROFILES=offline', args: [], env: { COMPOSE_PROFILES: 'offline' }, offline: true },
];
const ENVIRONMENTS = [
  { name: noEnvFile.length ? 'no .env (an empty --env-file)' : 'no .env', args: noEnvFile, env: () => ({}) },
  { name: '.env.example as --env-file', args: ['--env-file', '.env.example'], env: () => ({}) },
  { name: 'every *_HOST_PORT changed', args: noEnvFile, env: changedHostPorts },
];
const CASES: Case[] = PROFILES.flatMap((profile) =>
  ENVIRONMENTS.map((environment) => ({
    name: `${profile.name}, ${environment.name}`,
    args: [...profile.args, ...environment.args],
    env: () => ({ ...profile.env, ...environment.env() }),
    offline: profile.offline,
  })),
);

const ALWAYS = [
  'broker',
  'schema-registry',
  'control-center',
  'cassandra',
  'cassandra-init',
  'producer',
  'consumer',
  'status',
];
const dockerfile = readDockerfile();

/** The image's tag, or undefined; digests (`@sha256:...`) are allowed after a tag. */
function tagOf(image: string): string | undefined {
  const match = /^(?:[^/]+\/)*[^/:@]+(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
  assert.ok(match, `cannot read image ${image}`);
  return match[1];
}

/** True when the service has a health check: its own, or its image's (a Dockerfile target's HEALTHCHECK). */
function hasHealthcheck(service: RenderedService): boolean {
  if (service.healthcheck) return service.healthcheck.disable !== true && Boolean(service.healthcheck.test);
  const target = service.build?.target;
  return target !== undefined && effective(dockerfile, target, 'HEALTHCHECK') !== undefined;
}

function service(model: RenderedModel, name: string): RenderedService {
  const found = model.services[name];
  assert.ok(found, `service ${name} is in the model`);
  return found;
}

describe('docker compose config', { skip: composeSkip }, () => {
  it(`runs the pinned Docker Compose 5.6.0 (${COMPOSE_BIN})`, () => {
    const run = runCompose(['version', '--short']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '5.6.0');
  });

  it('rejects what the Compose specification rejects (so a pass means something)', () => {
    const bad = join(scratch, 'bad.yaml');
    for (const [name, text] of Object.entries({
      'unknown key': 'services:\n  a:\n    image: x:1\n    restart_policy: always\n',
      'unknown condition':
        'services:\n  a:\n    image: x:1\n    depends_on:\n      b: {condition: healthy}\n  b:\n    image: y:1\n',
      'undefined dependency': 'services:\n  a:\n    image: x:1\n    depends_on: [b]\n',
      'bad interpolation': 'services:\n  a:\n    image: x:${TAG:-1\n',
    })) {
      writeFileSync(bad, text);
      const run = runCompose(['-f', bad, 'config', '--quiet']);
      assert.notEqual(run.status, 0, `${name}: compose accepted it`);
    }
  });

  for (const testCase of CASES) {
    describe(testCase.name, () => {
      const model = () => once(`model ${testCase.name}`, () => renderModel(testCase.args, testCase.env()));

      it('config --quiet passes with no warning (every variable has a default)', () => {
        const run = runCompose([...testCase.args, 'config', '--quiet'], testCase.env());
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stderr, '', 'compose warned');
      });

      it('runs the services of its profiles: randomuser-source only with offline', () => {
        const expected = testCase.offline ? [...ALWAYS, 'randomuser-source'] : ALWAYS;
        assert.deepEqual(Object.keys(model().services).sort(), [...expected].sort());
      });

      it('publishes every port on 127.0.0.1 only, each host port once', () => {
        const seen = new Set<string>();
        for (const [name, svc] of Object.entries(model().services)) {
          for (const port of svc.ports ?? []) {
            assert.equal(port.host_ip, '127.0.0.1', `${name}: port ${port.target} on loopback only`);
            assert.ok(port.published, `${name}: port ${port.target} has a fixed host port`);
            assert.ok(!seen.has(port.published), `host port ${port.published} published twice`);
            seen.add(port.published);
          }
        }
        assert.equal(seen.size, testCase.offline ? 7 : 6);
      });

      it('every service_healthy dependency has a health check (its own or its image’s)', () => {
        const { services } = model();
        for (const [name, svc] of Object.entries(services)) {
          for (const [target, dep] of Object.entries(svc.depends_on ?? {})) {
            const other = services[target];
            if (!other) {
              assert.equal(dep.required, false, `${name} needs ${target}, which is not in the model`);
              continue;
            }
            if (dep.condition === 'service_healthy') {
              assert.ok(hasHealthcheck(other), `${name} waits for ${target} to be healthy: no health check`);
            }
          }
        }
      });

      it('the consumer scales: no container_name anywhere and no host port on the consumer', () => {
        for (const [name, svc] of Object.entries(model().services)) {
          assert.equal(svc.container_name, undefined, `${name}: container_name`);
        }
        assert.deepEqual(service(model(), 'consumer').ports ?? [], []);
      });

      it('cassandra-init runs once, after Cassandra is healthy and before the consumer', () => {
        const { services } = model();
        const init = service(model(), 'cassandra-init');
        assert.deepEqual(init.depends_on, { cassandra: { condition: 'service_healthy', required: true } });
        assert.equal(init.restart, 'no');
        assert.equal(init.healthcheck, undefined, 'a one-shot has no health check');
        assert.deepEqual(service(model(), 'consumer').depends_on?.['cassandra-init'], {
          condition: 'service_completed_successfully',
          required: true,
        });
        for (const [name, svc] of Object.entries(services)) {
          const dep = svc.depends_on?.['cassandra-init'];
          if (dep) assert.equal(dep.condition, 'service_completed_successfully', `${name} on cassandra-init`);
        }
      });

      it('every image has a pinned tag (not latest); the others are built from docker/Dockerfile', () => {
        for (const [name, svc] of Object.entries(model().services)) {
          if (svc.image === undefined) {
            assert.equal(svc.build?.dockerfile, 'docker/Dockerfile', `${name}: neither image nor build`);
            continue;
          }
          const tag = tagOf(svc.image);
          assert.ok(tag, `${name}: image ${svc.image} has no tag`);
          assert.match(tag, /^\d+(\.\d+){2}$/, `${name}: image ${svc.image} is not pinned to a release`);
        }
      });

      it('every service has a memory limit', () => {
        for (const [name, svc] of Object.entries(model().services)) {
          assert.ok(Number(svc.mem_limit) > 0, `${name}: mem_limit`);
        }
      });

      if (testCase.name.includes('*_HOST_PORT')) {
        it('every published port follows its *_HOST_PORT, and the broker advertises the new one', () => {
          const ports = changedHostPorts();
          const published = Object.values(model().services).flatMap((svc) =>
            (svc.ports ?? []).map((port) => port.published ?? ''),
          );
          const wanted = new Set(Object.values(ports));
          for (const port of published) assert.ok(wanted.has(port), `host port ${port} is not a *_HOST_PORT`);
          const kafka = ports.KAFKA_HOST_PORT ?? '';
          assert.ok(published.includes(kafka));
          assert.match(
            environmentOf(service(model(), 'broker')).KAFKA_ADVERTISED_LISTENERS ?? '',
            new RegExp(`PLAINTEXT_HOST://127\\.0\\.0\\.1:${kafka}(,|$)`),
          );
        });
      }
    });
  }
});
