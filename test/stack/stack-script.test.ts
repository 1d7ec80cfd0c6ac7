// scripts/stack.sh itself, on Kafka alone (the cheapest server) with a temporary STACK_HOME and free
// ports, so the shared stack that the other tests use is left alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { prepareKafkaHome, runStack, show, type KafkaHome } from './stack-runner.ts';
import { hasShellcheck, shellcheck, shellcheckSkip } from '../../dev/shellcheck.ts';

/** Pids of processes whose command line names this STACK_HOME (what `down` must leave none of). */
async function processesOf(stackHome: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(`-Dstack.home=${stackHome}`)) pids.push(Number(entry));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const SCRIPT = new URL('../../scripts/stack.sh', import.meta.url).pathname;

describe('scripts/stack.sh and the files it sources (scripts/stack/*.sh)', () => {
  it(
    'passes shellcheck, following the sourced files',
    { skip: shellcheckSkip(' (apt-get install shellcheck)') },
    () => {
      assert.ok(hasShellcheck, 'shellcheck is not installed: CI must install it');
      const result = shellcheck(['-x', SCRIPT]);
      assert.equal(result.status, 0, result.output);
    },
  );

  it('prints its usage, which names every command', () => {
    const result = spawnSync('bash', [SCRIPT, 'help'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    for (const command of ['up', 'down', 'status', 'env', 'kafka-class', 'install'])
      assert.match(result.stdout, new RegExp(`scripts/stack\\.sh ${command}\\b`));
    assert.doesNotMatch(result.stdout, /shellcheck/);
  });
});

describe('scripts/stack.sh (Kafka only, temporary STACK_HOME)', () => {
  let home: KafkaHome | undefined;
  let stackHome = '';
  let env: Record<string, string> = {};
  let kafkaPort = 0;

  before(async () => {
    home = await prepareKafkaHome('userstream-stack-test-');
    ({ stackHome, env, port: kafkaPort } = home);
  });

  after(async () => {
    await home?.remove();
  });

  it('refuses to start when a port is taken, naming the server and the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    assert.ok(address && typeof address === 'object');
    try {
      const run = await runStack(['up', 'kafka'], { ...env, KAFKA_PORT: String(address.port) });
      assert.notEqual(run.code, 0, show(run));
      assert.match(
        run.stderr,
        new RegExp(`kafka: port ${address.port} \\(client listener\\).*in use`),
        show(run),
      );
      assert.deepEqual(await processesOf(stackHome), [], 'nothing may have been started');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('starts Kafka, and a second `up` leaves the same process running', async () => {
    const first = await runStack(['up', 'kafka'], env);
    assert.equal(first.code, 0, show(first));
    assert.match(first.stdout, /kafka: cluster \S+, 1 broker/, show(first));
    assert.match(first.stdout, new RegExp(`127\\.0\\.0\\.1:${kafkaPort}`));
    const pid = Number((await readFile(join(stackHome, 'run', 'kafka.pid'), 'utf8')).trim());
    assert.ok(alive(pid), `pid ${pid} is not running`);

    const second = await runStack(['up', 'kafka'], env);
    assert.equal(second.code, 0, show(second));
    assert.match(second.stdout, new RegExp(`kafka: already running \\(pid ${pid}\\)`), show(second));
    assert.doesNotMatch(second.stdout, /starting/);
    assert.equal(Number((await readFile(join(stackHome, 'run', 'kafka.pid'), 'utf8')).trim()), pid);
    assert.deepEqual(await processesOf(stackHome), [pid]);

    const status = await runStack(['status', 'kafka'], env);
    assert.equal(status.code, 0, show(status));
    assert.match(
      status.stdout,
      new RegExp(`kafka\\s+running, ready\\s+${kafkaPort}\\s+${pid}`),
      show(status),
    );
  });

  it('runs Kafka tool classes on the broker classpath (kafka-class)', async () => {
    const run = await runStack(
      [
        'kafka-class',
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        'stack-script-perf',
        '--num-records',
        '500',
        '--record-size',
        '100',
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=127.0.0.1:${kafkaPort}`,
      ],
      env,
    );
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, /500 records sent/, show(run));
  });

  it('`down` stops it and leaves no process of its own running', async () => {
    const pid = Number((await readFile(join(stackHome, 'run', 'kafka.pid'), 'utf8')).trim());
    const run = await runStack(['down', 'kafka'], env);
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, /kafka: stopped/, show(run));
    assert.equal(alive(pid), false, `pid ${pid} still running`);
    assert.deepEqual(await processesOf(stackHome), []);
    await assert.rejects(readFile(join(stackHome, 'run', 'kafka.pid')), { code: 'ENOENT' });

    const status = await runStack(['status', 'kafka'], env);
    assert.match(status.stdout, /kafka\s+stopped/, show(status));
    // Data is kept unless --wipe.
    assert.ok((await readdir(join(stackHome, 'kafka', 'data'))).includes('meta.properties'));
  });
});
