// KAFKA_VERSION in scripts/stack.sh: 4.x or 3.9.x (the Kafka of Confluent Platform 7.9, which compose runs;
// scripts/ci/kafka-lane.sh runs the Kafka-facing tests on it). Other versions, and a data directory
// formatted by the other major version, are refused with a clear message before anything starts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareKafkaHome, runStack, show, type KafkaHome } from './stack-runner.ts';
import { shellcheck, shellcheckSkip } from '../../dev/shellcheck.ts';

describe('scripts/stack.sh KAFKA_VERSION', () => {
  let home: KafkaHome | undefined;
  before(async () => {
    home = await prepareKafkaHome('userstream-kafka-version-');
  });
  after(async () => {
    await home?.remove();
  });

  for (const [version, message] of [
    ['3.8.0', /KAFKA_VERSION=3\.8\.0: of the 3\.x line only 3\.9\.x/],
    ['2.8.2', /KAFKA_VERSION=2\.8\.2: only 3\.9\.x and 4\.x run in KRaft mode here/],
  ] as const) {
    it(`refuses KAFKA_VERSION=${version} before resolving anything`, async () => {
      const run = await runStack(['up', 'kafka'], { ...home!.env, KAFKA_VERSION: version });
      assert.equal(run.code, 1, show(run));
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stdout + run.stderr, /starting/);
    });
  }

  it('refuses to start Kafka 4.x on data that Kafka 3.9 formatted, naming both', async () => {
    const data = join(home!.stackHome, 'kafka', 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'meta.properties'), 'version=1\n');
    await writeFile(join(data, '.stack-formatted'), `controller-port=${home!.env.KAFKA_CONTROLLER_PORT}\n`);
    await writeFile(join(data, '.stack-kafka-major'), '3\n');
    const run = await runStack(['up', 'kafka'], { ...home!.env, KAFKA_VERSION: '4.4.0' });
    assert.equal(run.code, 1, show(run));
    assert.match(run.stderr, /formatted by Kafka 3\.x, not KAFKA_VERSION=4\.4\.0/);
    assert.match(run.stderr, /down --wipe kafka/);
  });
});

describe('scripts/ci/kafka-lane.sh', () => {
  const lane = new URL('../../scripts/ci/kafka-lane.sh', import.meta.url).pathname;
  const root = new URL('../..', import.meta.url).pathname;

  it('passes shellcheck', { skip: shellcheckSkip() }, () => {
    const result = shellcheck(['-x', lane]);
    assert.equal(result.status, 0, result.output);
  });

  it('lists test files that exist, all of them integration tests against Kafka', () => {
    const list = /LANE_TESTS=\(\n([\s\S]*?)\n\)/.exec(readFileSync(lane, 'utf8'))?.[1] ?? '';
    const files = list.split('\n').map((line) => line.trim());
    assert.ok(files.length >= 4, list);
    for (const file of files) {
      assert.match(file, /^test\/integration\/[\w-]+\.test\.ts$/);
      assert.ok(existsSync(join(root, file)), `${file} exists`);
    }
  });
});
