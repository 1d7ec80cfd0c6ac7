import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { createLogger } from './logger.ts';
import { captureLogs } from './log-capture.ts';
import { createMetricsRegistry } from './metrics.ts';
import { startOpsServer } from './ops-server.ts';

test('serves /healthz, /readyz (with failing checks named), /metrics and extra routes', async () => {
  const metrics = createMetricsRegistry('test');
  new Counter({ name: 'test_things_total', help: 'things', registers: [metrics] }).inc(3);
  let registryUp = false;
  const ops = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('test', 'silent'),
    metrics,
    readiness: {
      kafka: () => Promise.resolve(),
      registry: () =>
        registryUp
          ? Promise.resolve()
          : Promise.reject(new Error('connect ECONNREFUSED for https://key:s3cret@registry.local/')),
    },
    routes: { 'POST /runs': () => Promise.resolve({ status: 202, body: { started: true } }) },
  });
  const base = `http://127.0.0.1:${ops.port}`;
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    const body = (await notReady.json()) as { checks: Record<string, string> };
    assert.equal(body.checks.kafka, 'ok');
    assert.match(body.checks.registry!, /ECONNREFUSED/);
    assert.match(
      body.checks.registry!,
      /https:\/\/\*\*\*@registry\.local/,
      'credentials in a URL are masked',
    );
    registryUp = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /test_things_total\{service="test"\} 3/);
    assert.match(text, /process_resident_memory_bytes/);
    assert.equal((await fetch(`${base}/runs`, { method: 'POST' })).status, 202);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await ops.close();
  }
});

test('a hung check is shared by the probes that follow, is told when a probe gives up, and is redone later', async () => {
  let started = 0;
  let hang = true;
  const signals: AbortSignal[] = [];
  // The shared check's age is read from this clock, so a slow machine cannot age it between probes.
  let clock = 0;
  const ops = await startOpsServer({
    now: () => clock,
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('test', 'silent'),
    metrics: createMetricsRegistry('test'),
    readinessTimeoutMs: 50,
    readiness: {
      // Ignores its signal, as kafkajs's describeCluster does.
      kafka: (signal) => {
        started++;
        signals.push(signal);
        return hang ? new Promise<void>(() => undefined) : Promise.resolve();
      },
      // Throws before returning a promise: still one failing check, not a failed request.
      registry: () => {
        if (hang) throw new Error('no registry configured');
        return Promise.resolve();
      },
    },
  });
  const base = `http://127.0.0.1:${ops.port}`;
  try {
    for (let probe = 0; probe < 3; probe++) {
      const answer = await fetch(`${base}/readyz`);
      assert.equal(answer.status, 503);
      const { checks } = (await answer.json()) as { checks: Record<string, string> };
      assert.match(checks.kafka!, /timed out/);
      assert.match(checks.registry!, /no registry configured/);
    }
    assert.equal(started, 1, 'one hung check shared, however many probes within ten timeouts');
    assert.equal(signals[0]?.aborted, true, 'the check was told the probe gave up');
    hang = false;
    clock += 10 * 50; // exactly ten timeouts: still shared
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    assert.equal(started, 1);
    clock += 1;
    assert.equal((await fetch(`${base}/readyz`)).status, 200, 'a recovery shows once the hung check is old');
    assert.equal(started, 2);
  } finally {
    await ops.close();
  }
});

test('once stopping, /readyz answers 503 "stopping" without running the checks; /healthz still 200', async () => {
  let stopping = false;
  let checksRun = 0;
  const ops = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('test', 'silent'),
    metrics: createMetricsRegistry('test'),
    stopping: () => stopping,
    readiness: { kafka: () => Promise.resolve(void checksRun++) },
  });
  const base = `http://127.0.0.1:${ops.port}`;
  try {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    stopping = true;
    const answer = await fetch(`${base}/readyz`);
    assert.equal(answer.status, 503);
    assert.deepEqual(await answer.json(), { status: 'stopping', checks: {} });
    assert.equal(checksRun, 1, 'no check ran once stopping');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    await ops.close();
  }
});

test('a request target that is no URL path gets 400, logged as nothing worse than that', async () => {
  const { logger, lines } = captureLogs('info');
  const ops = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics: createMetricsRegistry('test'),
    readiness: {},
  });
  try {
    // fetch() would refuse to send it; a raw request does.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(ops.port, '127.0.0.1', () => socket.end('GET //[ HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /not a valid URL path/);
    assert.deepEqual(
      lines.filter((line) => line.level >= 50),
      [],
    );
  } finally {
    await ops.close();
  }
});

test('close() lets an answer being sent finish, cuts one a client stops reading after the grace, and can be called twice', async () => {
  // 64 MiB: far more than socket buffers hold, so most of it is still in the server when close() begins.
  const big = Buffer.alloc(64 * 1024 * 1024, 'x');
  const start = (closeGraceMs: number) =>
    startOpsServer({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('test', 'silent'),
      metrics: createMetricsRegistry('test'),
      readiness: {},
      routes: { 'GET /big': () => Promise.resolve({ status: 200, raw: big }) },
      closeGraceMs,
    });
  /** Requests /big and waits for its headers without reading the body. */
  const paused = (port: number) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      get(`http://127.0.0.1:${port}/big`, (response) => {
        response.pause();
        resolve(response);
      }).on('error', reject);
    });
  /** Reads the rest of `response`: its byte count, or -1 if it was cut off. */
  const readAll = (response: IncomingMessage) =>
    new Promise<number>((resolve) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve(bytes));
      response.on('aborted', () => resolve(-1));
      response.on('error', () => resolve(-1));
      response.resume();
    });

  // A grace far longer than the answer takes, even on a loaded machine: close() waits for it, not the grace.
  const ops = await start(60_000);
  const reading = await paused(ops.port);
  const closing = ops.close();
  assert.equal(ops.close(), closing, 'a second call shares the first');
  assert.equal(await readAll(reading), big.length, 'the whole answer arrived');
  await closing;

  const stalled = await start(300);
  const neverRead = await paused(stalled.port);
  await stalled.close(); // resolves: the grace period ran out
  assert.equal(
    await readAll(neverRead),
    -1,
    'a client that stopped reading is cut off once the grace has passed',
  );
});
