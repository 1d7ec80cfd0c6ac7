import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry } from '@userstream/shared/observability';
import type { UserRecord } from '@userstream/shared/record';
import { createProducerMetrics } from '../metrics.ts';
import { RunFailed, runOnce } from './producer-run.ts';
import { SourceError, type PageRequest } from '../source/randomuser-client.ts';
import type { KafkaPublisher } from '../publish/kafka-publisher.ts';
import type { ProducerDeadLetter } from '../publish/dead-letters.ts';
import { usResult } from '../validate/randomuser.fixture.ts';

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function harness() {
  const requests: PageRequest[] = [];
  const published: UserRecord[] = [];
  const deadLetters: ProducerDeadLetter[] = [];
  const metricsRegistry = createMetricsRegistry('test');
  const publisher: KafkaPublisher = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    publish: (records, _encoder, onAcked) => {
      published.push(...records);
      onAcked?.(records.length);
      return Promise.resolve(records.length);
    },
    deadLetter: (letters) => {
      deadLetters.push(...letters);
      return Promise.resolve();
    },
  };
  const deps = {
    fetchPage: (request: PageRequest) => {
      requests.push(request);
      const results = Array.from({ length: request.results }, (_, i) =>
        // Every 100th user of page 2 has a broken email.
        usResult({
          login: { uuid: uuid(request.page * 10_000 + i), username: 'u' },
          ...(request.page === 2 && i % 100 === 0 ? { email: 'broken' } : {}),
        }),
      );
      return Promise.resolve({ results });
    },
    encoder: { schemaId: 1, encodeAll: (records: readonly unknown[]) => records.map(() => Buffer.alloc(0)) },
    publisher,
    metrics: createProducerMetrics(metricsRegistry),
    logger: createLogger('test', 'silent'),
  };
  return { deps, requests, published, deadLetters, metricsRegistry };
}

test('splits a batch into pages of at most pageSize, one seed for the whole run', async () => {
  const { deps, requests, published, deadLetters, metricsRegistry } = harness();
  const summary = await runOnce(deps, { batchSize: 12_000, pageSize: 5_000, seed: 'fixed' });
  assert.deepEqual(
    requests.map((r) => [r.page, r.results, r.seed]),
    [
      [1, 5000, 'fixed'],
      [2, 5000, 'fixed'],
      [3, 2000, 'fixed'],
    ],
  );
  assert.equal(summary.fetched, 12_000);
  assert.equal(summary.rejected, 50);
  assert.equal(summary.valid, 11_950);
  assert.equal(summary.published, 11_950);
  assert.equal(published.length, 11_950);
  assert.equal(new Set(published.map((r) => r.id)).size, 11_950);
  const text = await metricsRegistry.metrics();
  assert.match(text, /userstream_producer_records_rejected_total\{field="email",service="test"\} 50/);
  assert.match(text, /userstream_producer_records_published_total\{service="test"\} 11950/);
  // The 50 refused results are dead-lettered as received, with where they were and why.
  assert.equal(summary.deadLettered, 50);
  assert.match(text, /userstream_producer_records_dead_lettered_total\{service="test"\} 50/);
  assert.equal(deadLetters.length, 50);
  const first = deadLetters[0]!;
  assert.equal(first.key, uuid(2 * 10_000));
  assert.equal((JSON.parse(first.value.toString()) as { email: string }).email, 'broken');
  assert.equal(first.headers['dlq.stage'], 'validate');
  assert.match(first.headers['dlq.error.message']!, /email/);
  assert.deepEqual(
    ['seed', 'page', 'results', 'index'].map((name) => first.headers[`dlq.source.${name}`]),
    ['fixed', '2', '5000', '0'],
  );
  assert.equal(deadLetters[49]!.headers['dlq.source.index'], '4900');
  assert.equal(first.headers['dlq.source.nat'], undefined, 'no nationality filter, no header');
});

test('draws a fresh seed per run when none is configured', async () => {
  const { deps, requests } = harness();
  await runOnce(deps, { batchSize: 10, pageSize: 5_000 });
  await runOnce(deps, { batchSize: 10, pageSize: 5_000 });
  assert.equal(requests.length, 2);
  assert.notEqual(requests[0]!.seed, requests[1]!.seed);
});

test('an aborted run publishes the page in hand and fetches no more', async () => {
  const { deps, requests, published } = harness();
  const controller = new AbortController();
  controller.abort();
  const summary = await runOnce(deps, {
    batchSize: 15_000,
    pageSize: 5_000,
    seed: 's',
    signal: controller.signal,
  });
  assert.equal(requests.length, 1);
  assert.equal(published.length, 5_000);
  assert.equal(summary.stoppedEarly, true);
});

test('shutdown during the wait before a retry of the next page stops the run early; it does not fail it', async () => {
  const { deps, requests, published } = harness();
  const controller = new AbortController();
  const fetchPage = deps.fetchPage;
  deps.fetchPage = (request) => {
    if (request.page === 1) return fetchPage(request);
    requests.push(request);
    // The client gives up its retry wait when the signal fires, as randomuser-client does.
    return new Promise((_, reject) =>
      controller.signal.addEventListener('abort', () =>
        reject(new SourceError('aborted', 'fetch aborted by shutdown')),
      ),
    );
  };
  deps.publisher.publish = (records, _encoder, onAcked) => {
    published.push(...records);
    onAcked?.(records.length);
    controller.abort();
    return Promise.resolve(records.length);
  };
  const summary = await runOnce(deps, {
    batchSize: 15_000,
    pageSize: 5_000,
    seed: 's',
    signal: controller.signal,
  });
  assert.equal(requests.length, 2);
  assert.equal(summary.published, 5_000);
  assert.equal(published.length, 5_000);
  assert.equal(summary.stoppedEarly, true);
});

test('a source that gives up fails the run, even while stopping', async () => {
  const { deps } = harness();
  const controller = new AbortController();
  deps.fetchPage = () => {
    controller.abort();
    return Promise.reject(new SourceError('http_5xx', 'page 1: giving up after 3 attempts: HTTP 500'));
  };
  await assert.rejects(
    runOnce(deps, { batchSize: 10_000, pageSize: 5_000, signal: controller.signal }),
    /giving up after 3 attempts/,
  );
});

test('a failed publish fails the run, abandons the prefetch, and counts the chunks Kafka acknowledged', async () => {
  const { deps, requests, metricsRegistry } = harness();
  const fetchPage = deps.fetchPage;
  let prefetch: AbortSignal | undefined;
  deps.fetchPage = (request) => {
    if (request.page === 1) return fetchPage(request);
    requests.push(request);
    prefetch = request.signal;
    return new Promise(() => undefined); // still retrying, say, when the publish fails
  };
  deps.publisher.publish = (_records, _encoder, onAcked) => {
    onAcked?.(1_000); // the first chunk was acknowledged, then the broker went away
    return Promise.reject(new Error('broker down'));
  };
  await assert.rejects(runOnce(deps, { batchSize: 10_000, pageSize: 5_000, seed: 'fixed' }), (error) => {
    assert.ok(error instanceof RunFailed);
    assert.equal(error.message, 'broker down');
    assert.equal(error.summary.published, 1_000, 'how far it got');
    assert.equal(error.summary.seed, 'fixed');
    return true;
  });
  assert.equal(requests.length, 2);
  assert.equal(prefetch?.aborted, true, 'the prefetch of page 2 is told the run ended');
  const metrics = await metricsRegistry.getMetricsAsJSON();
  const published = metrics.find((m) => m.name.endsWith('records_published_total'));
  assert.equal(published?.values[0]?.value, 1_000);
});
