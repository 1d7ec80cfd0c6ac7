import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRandomUserSource } from '@userstream/randomuser-source';
import {
  createTopics,
  freshNames,
  killLeftovers,
  opsPort,
  readTopic,
  startService,
  topicSize,
  waitFor,
} from './support.ts';

describe('producer against a faulty source and over HTTP', () => {
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let controlUrl: string;
  before(async () => {
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    controlUrl = new URL('/_faults', source.url).toString();
  });
  after(async () => {
    await killLeftovers();
    await source?.close();
  });

  // A test that failed before using up its queued faults must not hand them to the next one.
  beforeEach(async () => {
    const response = await fetch(controlUrl, { method: 'DELETE' });
    assert.ok(response.ok, `fault reset answered ${response.status}`);
  });

  const queueFaults = async (body: object): Promise<void> => {
    const response = await fetch(controlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(response.ok, `fault control answered ${response.status}`);
  };

  test('500s, a 429 with Retry-After and malformed JSON are retried; the run publishes every record', async () => {
    const names = freshNames('it_faults');
    await queueFaults({ next: ['500', '429', 'malformed', '500', 'ok', 'malformed'], retryAfterSeconds: 1 });
    const producer = startService(
      'producer',
      { ...names, RANDOMUSER_URL: source.url, PRODUCER_BATCH_SIZE: '6000', RANDOMUSER_RETRY_BASE_MS: '20' },
      ['--once'],
    );
    assert.equal(await producer.exited, 0, producer.output().slice(-3_000));
    const output = producer.output();
    for (const reason of ['http_5xx', 'http_429', 'malformed_json']) {
      assert.match(output, new RegExp(`"reason":"${reason}"`), reason);
    }
    assert.match(output, /"reason":"http_429","delayMs":1000/, 'Retry-After honoured');
    assert.match(output, /"published":6000/);
    assert.equal(await topicSize(names.KAFKA_TOPIC), 6000);
  });

  test('a result that fails validation goes to the dead-letter topic as received, with why; the rest is published', async () => {
    const names = freshNames('it_reject');
    await queueFaults({ next: ['invalid'] });
    const producer = startService(
      'producer',
      {
        ...names,
        RANDOMUSER_URL: source.url,
        PRODUCER_BATCH_SIZE: '1000',
        RANDOMUSER_SEED: 'reject-1',
        RANDOMUSER_NAT: 'GB',
      },
      ['--once'],
    );
    assert.equal(await producer.exited, 0, producer.output().slice(-3_000));
    assert.match(producer.output(), /"rejected":1,"deadLettered":1,"published":999/);
    assert.equal(await topicSize(names.KAFKA_TOPIC), 999);
    const letters = await readTopic(names.KAFKA_DLQ_TOPIC, 1, 60_000);
    assert.equal(letters.length, 1);
    const [letter] = letters;
    const user = JSON.parse(String(letter!.value)) as {
      email: string;
      login: { uuid: string; username: string; password?: string; sha256?: string };
    };
    assert.equal(user.email, 'not-an-email');
    assert.ok(user.login.username, 'the rest of the result as received');
    assert.equal(user.login.password, undefined, "the user's login password is not forwarded");
    assert.equal(user.login.sha256, undefined, 'nor its hashes');
    assert.equal(String(letter!.key), user.login.uuid, 'keyed by the user id, like a published record');
    const header = (name: string): string => String(letter!.headers?.[name]);
    assert.equal(header('dlq.stage'), 'validate');
    assert.match(header('dlq.error.message'), /^invalid record: email: /);
    assert.deepEqual(
      ['seed', 'page', 'results', 'nat', 'index'].map((name) => header(`dlq.source.${name}`)),
      ['reject-1', '1', '1000', 'GB', '0'],
    );
    assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 1);
  });

  test('--once exits non-zero when the source keeps failing', async () => {
    const names = freshNames('it_giveup');
    await queueFaults({ next: ['500', '500', '500'] });
    const producer = startService(
      'producer',
      { ...names, RANDOMUSER_URL: source.url, RANDOMUSER_MAX_RETRIES: '2', RANDOMUSER_RETRY_BASE_MS: '10' },
      ['--once'],
    );
    assert.equal(await producer.exited, 1);
    assert.match(producer.output(), /giving up after 3 attempts/);
    const failed = producer
      .output()
      .split('\n')
      .find((line) => line.includes('"msg":"run failed"'));
    assert.ok(failed, producer.output().slice(-3_000));
    // How far it got, and the seed that fetches the batch again.
    assert.match(failed, /"seed":"[0-9a-f]{16}"/);
    assert.match(failed, /"published":0/);
  });

  test('a produce request the broker refuses as too large fails the run, naming KAFKA_SEND_CHUNK', async () => {
    const names = freshNames('it_too_large');
    // A topic that takes batches of at most 20,000 bytes: 500 uncompressed users are about 135 KB.
    await createTopics([
      {
        topic: names.KAFKA_TOPIC,
        numPartitions: 1,
        configEntries: [{ name: 'max.message.bytes', value: '20000' }],
      },
    ]);
    const producer = startService(
      'producer',
      {
        ...names,
        RANDOMUSER_URL: source.url,
        PRODUCER_BATCH_SIZE: '1000',
        KAFKA_COMPRESSION: 'none',
        KAFKA_SEND_CHUNK: '500',
      },
      ['--once'],
    );
    assert.equal(await producer.exited, 1, producer.output().slice(-3_000));
    assert.match(
      producer.output(),
      /Kafka refused a produce request to it_too_large_\w+_users as too large \(MESSAGE_TOO_LARGE\): lower KAFKA_SEND_CHUNK \(500 messages a request, KAFKA_COMPRESSION none\)/,
    );
    assert.equal(await topicSize(names.KAFKA_TOPIC), 0);
  });

  test('SIGTERM to --once while its run is failing exits 1, not 0', async () => {
    const names = freshNames('it_sigterm_fail');
    // The first page answers after 10 s; the client waits 5 s and may not retry, so the run fails. The 5 s
    // leave room for the signal to land while the request is still in flight on a busy machine.
    await queueFaults({ next: ['slow'], delayMs: 10_000 });
    const producer = startService(
      'producer',
      { ...names, RANDOMUSER_URL: source.url, RANDOMUSER_TIMEOUT_MS: '5000', RANDOMUSER_MAX_RETRIES: '0' },
      ['--once'],
    );
    await producer.waitForOutput(/"msg":"run started"/);
    // The signal lands while the page request is in flight: the request is let finish, and it fails.
    assert.equal(await producer.stop('SIGTERM'), 1, producer.output().slice(-3_000));
    assert.match(producer.output(), /"msg":"run failed"/);
    assert.match(producer.output(), /shutdown step failed/);
  });

  test('SIGTERM to --once before the batch is complete exits 1: during start-up, and while a page is in flight', async () => {
    // Start-up: no broker answers on this port, so the producer is still creating its topic.
    const starting = startService(
      'producer',
      { ...freshNames('it_sigterm_start'), KAFKA_BROKERS: '127.0.0.1:1' },
      ['--once'],
    );
    await starting.waitForOutput(/"msg":"starting producer"/);
    assert.equal(await starting.stop('SIGTERM'), 1, starting.output().slice(-3_000));
    assert.match(starting.output(), /stopped during start-up, before the run began: nothing was published/);

    // Mid-run: the second of three pages is slow to come. The signal lands while it is in flight: it is let
    // finish and published, and the third is never fetched.
    const names = freshNames('it_sigterm_mid');
    // 10 s: long enough that the signal surely lands while page 2 is still on its way, even on a busy machine.
    await queueFaults({ next: ['ok', 'slow'], delayMs: 10_000 });
    const producer = startService(
      'producer',
      { ...names, RANDOMUSER_URL: source.url, PRODUCER_BATCH_SIZE: '300', PRODUCER_PAGE_SIZE: '100' },
      ['--once'],
    );
    await producer.waitForOutput(/"msg":"run started"/);
    await waitFor('the first page to be published', async () =>
      (await topicSize(names.KAFKA_TOPIC)) >= 100 ? true : undefined,
    );
    assert.equal(await producer.stop('SIGTERM'), 1, producer.output().slice(-3_000));
    assert.match(producer.output(), /"stoppedEarly":true/);
    assert.match(producer.output(), /stopped before the batch was complete: 200 of 300 published/);
  });

  test('an invalid setting stops the service at start, naming the variable', async () => {
    const producer = startService('producer', { PRODUCER_BATCH_SIZE: 'lots', PRODUCER_SCHEDULE: 'often' }, [
      '--once',
    ]);
    assert.equal(await producer.exited, 2);
    assert.match(producer.output(), /PRODUCER_BATCH_SIZE/);
    assert.match(producer.output(), /PRODUCER_SCHEDULE/);
  });

  test('POST /runs starts a run (409 while one runs), GET /runs reports it, /readyz and /metrics answer', async () => {
    const names = freshNames('it_http');
    const producer = startService('producer', {
      ...names,
      RANDOMUSER_URL: source.url,
      PRODUCER_BATCH_SIZE: '300',
      PRODUCER_RUN_ON_START: 'false',
      PRODUCER_SCHEDULE: '0 0 1 1 *',
    });
    try {
      const base = `http://127.0.0.1:${await opsPort(producer)}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200, await ready.text());
      await queueFaults({ next: ['slow'], delayMs: 1_500 });
      assert.equal((await fetch(`${base}/runs`, { method: 'POST' })).status, 202);
      assert.equal((await fetch(`${base}/runs`, { method: 'POST' })).status, 409);
      const run = await waitFor('the run to finish', async () => {
        const { runs } = (await (await fetch(`${base}/runs`)).json()) as {
          runs: { status: string; summary?: { published: number } }[];
        };
        return runs[0]?.status === 'running' ? undefined : runs[0];
      });
      assert.equal(run?.status, 'succeeded');
      assert.equal(run?.summary?.published, 300);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(
        metrics,
        /userstream_producer_runs_total\{outcome="success",trigger="http",service="producer"\} 1/,
      );
      assert.match(
        metrics,
        /userstream_producer_runs_total\{outcome="skipped",trigger="http",service="producer"\} 1/,
      );
      assert.match(metrics, /userstream_producer_records_published_total\{service="producer"\} 300/);
      assert.match(metrics, /userstream_producer_last_success_timestamp_seconds\{service="producer"\} [1-9]/);
    } finally {
      assert.equal(await producer.stop('SIGTERM'), 0, producer.output().slice(-3_000));
    }
  });
});
