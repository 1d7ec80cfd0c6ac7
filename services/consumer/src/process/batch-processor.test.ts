import { test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import type { KafkaMessage } from 'kafkajs';
import {
  createLogger,
  createMetricsRegistry,
  DecodeError,
  validateUserRecord,
  type UserRecord,
} from '@userstream/shared';
import { createConsumerMetrics } from '../metrics.ts';
import {
  processBatch,
  StoppedWhileRetrying,
  type BatchContext,
  type ProcessorDependencies,
} from './batch-processor.ts';
import type { CassandraSink, RowToWrite, WriteOutcome } from '../write/cassandra-sink.ts';
import type { DeadLetter } from '../deadletter/dlq-publisher.ts';
import type { MessageDecoder } from '../decode/message-decoder.ts';

// Unit scope: the decoder, sink and DLQ are doubles. Real Kafka/registry/Cassandra runs are in test/integration.
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const record = (n: number): UserRecord => ({
  id: id(n),
  first_name: 'A',
  last_name: 'B',
  gender: null,
  address: null,
  postcode: null,
  email: null,
  username: null,
  dob: null,
  registered_date: null,
  phone: null,
  picture: null,
  nat: null,
  cell: null,
  latitude: null,
  longitude: null,
  timezone_offset: null,
  produced_at: 1_000,
});
const message = (offset: number, value: string): KafkaMessage => ({
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(value),
  offset: String(offset),
  timestamp: String(Date.now()),
  headers: {},
  attributes: 0,
});

// Values: "ok:N" decodes to record N, "bad-frame" fails framing, "invalid" fails validation.
function decodeNow(value: Buffer | null): UserRecord {
  const text = value?.toString() ?? '';
  if (text === 'bad-frame') throw new DecodeError('no-confluent-framing', 'not framed');
  if (text === 'registry-down') throw new DecodeError('registry-unavailable', 'registry down');
  if (text === 'invalid') return validateUserRecord({ ...record(0), id: 'nope' });
  return record(Number(text.split(':')[1]));
}

/** Like the real decoder: nothing is cached until a first value has been decoded the waiting way. */
function fakeDecoder(): MessageDecoder & { waited: number } {
  let warm = false;
  const decoder = {
    waited: 0,
    decode: (value: Buffer | null) => {
      decoder.waited++;
      const result = decodeNow(value);
      warm = true;
      return Promise.resolve(result);
    },
    decodeCached: (value: Buffer | null) => (warm ? decodeNow(value) : undefined),
  };
  return decoder;
}

function harness(writeScript: ((rows: readonly RowToWrite[]) => WriteOutcome)[] = []) {
  const written: RowToWrite[] = [];
  const letters: DeadLetter[] = [];
  const resolved: string[] = [];
  const unavailable: boolean[] = [];
  const sink: CassandraSink = {
    write: (rows) => {
      const script = writeScript.shift();
      const outcome = script
        ? script(rows)
        : {
            written: rows.map((_, i) => i),
            writtenAt: rows.map(() => Date.now()),
            permanent: [],
            transient: [],
          };
      for (const i of outcome.written) written.push(rows[i]!);
      return Promise.resolve(outcome);
    },
  };
  const metricsRegistry = createMetricsRegistry('test');
  const nodeLosses: string[] = [];
  const deps: ProcessorDependencies = {
    decoder: fakeDecoder(),
    sink,
    dlq: {
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      send: (batch) => {
        letters.push(...batch);
        return Promise.resolve();
      },
    },
    metrics: createConsumerMetrics(metricsRegistry),
    logger: createLogger('test', 'silent'),
    retryBaseMs: 1,
    retryMaxMs: 2,
    chunkSize: 1_000,
    heartbeatEveryMs: 5,
    onUnavailable: (value) => unavailable.push(value),
    onNodeLoss: (reason) => nodeLosses.push(reason),
  };
  let running = true;
  const heartbeats = { count: 0 };
  const batch = (messages: KafkaMessage[]): BatchContext => ({
    topic: 't',
    partition: 1,
    messages,
    resolveOffset: (offset) => resolved.push(offset),
    heartbeat: () => Promise.resolve(void heartbeats.count++),
    shouldContinue: () => running,
  });
  return {
    deps,
    batch,
    written,
    letters,
    resolved,
    unavailable,
    nodeLosses,
    metricsRegistry,
    heartbeats,
    stop: () => (running = false),
  };
}

test('writes the good, dead-letters the bad with its stage, then resolves the last offset', async () => {
  const h = harness();
  await processBatch(
    h.deps,
    h.batch([message(10, 'ok:1'), message(11, 'bad-frame'), message(12, 'ok:2'), message(13, 'invalid')]),
  );
  assert.deepEqual(
    h.written.map((r) => [r.record.id, r.offset, r.partition]),
    [
      [id(1), '10', 1],
      [id(2), '12', 1],
    ],
  );
  assert.deepEqual(
    h.letters.map((l) => [
      l.source.offset,
      (l.error as { stage: string }).stage,
      l.key?.toString(),
      l.value?.toString(),
    ]),
    [
      ['11', 'decode', 'k11', 'bad-frame'],
      ['13', 'validate', 'k13', 'invalid'],
    ],
  );
  assert.deepEqual(h.resolved, ['13']);
  const text = await h.metricsRegistry.metrics();
  assert.match(
    text,
    /userstream_consumer_records_dead_lettered_total\{stage="decode",error="DecodeError",service="test"\} 1/,
  );
  assert.match(text, /userstream_consumer_records_written_total\{service="test"\} 2/);
});

test('transient write failures are retried (paused meanwhile), never dead-lettered', async () => {
  const outage = new Error('NoHostAvailable');
  const h = harness([
    (rows) => ({
      written: [],
      writtenAt: [],
      permanent: [],
      transient: rows.map((_, index) => ({ index, error: outage })),
    }),
    (rows) => ({
      written: [0],
      writtenAt: [Date.now()],
      permanent: [],
      transient: rows.slice(1).map((_, i) => ({ index: i + 1, error: outage })),
    }),
  ]);
  await processBatch(h.deps, h.batch([message(1, 'ok:1'), message(2, 'ok:2'), message(3, 'ok:3')]));
  assert.deepEqual(h.written.map((r) => r.offset).sort(), ['1', '2', '3']);
  assert.deepEqual(h.letters, []);
  assert.deepEqual(h.resolved, ['3']);
  assert.deepEqual(h.unavailable, [true, true, false]);
  // A plain Error is no sign that the node went away: nothing to rewind.
  assert.deepEqual(h.nodeLosses, []);
});

test('writes that fail because the node went away report a node loss (it may have lost acknowledged rows)', async () => {
  const gone = new cassandra.errors.NoHostAvailableError({
    '127.0.0.1:9042': new Error('connect ECONNREFUSED'),
  });
  const h = harness([
    (rows) => ({
      written: [],
      writtenAt: [],
      permanent: [],
      transient: rows.map((_, index) => ({ index, error: gone })),
    }),
  ]);
  await processBatch(h.deps, h.batch([message(1, 'ok:1')]));
  assert.equal(h.nodeLosses.length, 1);
  assert.match(h.nodeLosses[0]!, /writes failed: .*All host\(s\) tried for query failed/);
  assert.deepEqual(h.resolved, ['1']);
});

test('a row Cassandra refuses for good goes to the DLQ with the write stage', async () => {
  const h = harness([
    (_rows) => ({
      written: [0],
      writtenAt: [Date.now()],
      permanent: [{ index: 1, error: new TypeError('bad value') }],
      transient: [],
    }),
  ]);
  await processBatch(h.deps, h.batch([message(5, 'ok:5'), message(6, 'ok:6')]));
  assert.equal(h.letters.length, 1);
  assert.equal(h.letters[0]!.source.offset, '6');
  assert.deepEqual(h.resolved, ['6']);
});

test("a row's latency ends when its own request was acknowledged, not when its chunk was", async () => {
  const producedAt = Date.now() - 1_000;
  const at = (message: KafkaMessage, ms: number): KafkaMessage => ({ ...message, timestamp: String(ms) });
  const h = harness([
    // Row 0's request answered 20 ms after it was produced, row 1's 290 ms after.
    (_rows) => ({
      written: [1, 0],
      writtenAt: [producedAt + 290, producedAt + 20],
      permanent: [],
      transient: [],
    }),
  ]);
  await processBatch(
    h.deps,
    h.batch([at(message(1, 'ok:1'), producedAt), at(message(2, 'ok:2'), producedAt)]),
  );
  const text = await h.metricsRegistry.metrics();
  const bucket = (le: string) =>
    Number(
      new RegExp(`produce_to_write_seconds_bucket\\{le="${le}",service="test"\\} (\\d+)`).exec(text)?.[1],
    );
  assert.equal(bucket('0.02'), 1, 'the fast row alone is within 20 ms');
  assert.equal(bucket('0.25'), 1);
  assert.equal(bucket('0.3'), 2);
  assert.match(text, /produce_to_write_seconds_sum\{service="test"\} 0\.31\b/);
});

test('once a schema is cached, values decode without waiting on the registry path', async () => {
  const h = harness();
  const decoder = fakeDecoder();
  h.deps.decoder = decoder;
  await processBatch(h.deps, h.batch([1, 2, 3, 4, 5].map((n) => message(n, `ok:${n}`))));
  assert.equal(decoder.waited, 1);
  assert.deepEqual(
    h.written.map((row) => row.offset),
    ['1', '2', '3', '4', '5'],
  );
});

test('a registry outage during decode is retried, not dead-lettered', async () => {
  const h = harness();
  let calls = 0;
  h.deps.decoder = {
    decode: (value) =>
      Promise.resolve().then(() => decodeNow(calls++ < 2 ? Buffer.from('registry-down') : value)),
    decodeCached: () => undefined,
  };
  await processBatch(h.deps, h.batch([message(1, 'ok:1')]));
  assert.equal(h.written.length, 1);
  assert.deepEqual(h.letters, []);
});

test('stopping during an outage resolves nothing, so the batch is redelivered', async () => {
  const h = harness([
    (rows) => {
      h.stop();
      return {
        written: [],
        writtenAt: [],
        permanent: [],
        transient: rows.map((_, index) => ({ index, error: new Error('down') })),
      };
    },
  ]);
  await assert.rejects(processBatch(h.deps, h.batch([message(1, 'ok:1')])), StoppedWhileRetrying);
  assert.deepEqual(h.resolved, []);
  assert.deepEqual(h.letters, []);
});

test('a batch is processed in chunks: offsets advance after each chunk is written', async () => {
  const h = harness();
  h.deps.chunkSize = 2;
  await processBatch(
    h.deps,
    h.batch([
      message(1, 'ok:1'),
      message(2, 'ok:2'),
      message(3, 'bad-frame'),
      message(4, 'ok:4'),
      message(5, 'ok:5'),
    ]),
  );
  assert.deepEqual(h.resolved, ['2', '4', '5']);
  assert.deepEqual(
    h.written.map((r) => r.offset),
    ['1', '2', '4', '5'],
  );
  assert.deepEqual(
    h.letters.map((l) => l.source.offset),
    ['3'],
  );
});

test('a stop between chunks ends the batch there: later chunks are neither written nor resolved', async () => {
  const h = harness();
  h.deps.chunkSize = 2;
  const write = h.deps.sink.write.bind(h.deps.sink);
  h.deps.sink.write = (rows) => {
    h.stop();
    return write(rows);
  };
  await processBatch(h.deps, h.batch([message(1, 'ok:1'), message(2, 'ok:2'), message(3, 'ok:3')]));
  assert.deepEqual(h.resolved, ['2']);
  assert.deepEqual(
    h.written.map((r) => r.offset),
    ['1', '2'],
  );
});

test('heartbeats while a slow write and a slow dead-letter send are awaited', async () => {
  const h = harness();
  // Each answers once three more heartbeats have come (at most 5 s later, so that without them the
  // count below fails rather than the test hanging).
  const afterHeartbeats = async <T>(value: T): Promise<T> => {
    const until = h.heartbeats.count + 3;
    const deadline = Date.now() + 5_000;
    while (h.heartbeats.count < until && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return value;
  };
  const { sink, dlq } = h.deps;
  h.deps.sink = { write: (rows) => sink.write(rows).then(afterHeartbeats) };
  h.deps.dlq = { ...dlq, send: (letters) => dlq.send(letters).then(afterHeartbeats) };
  await processBatch(h.deps, h.batch([message(1, 'ok:1'), message(2, 'bad-frame')]));
  assert.deepEqual(h.resolved, ['2']);
  assert.equal(h.letters.length, 1);
  assert.ok(h.heartbeats.count >= 6, `${h.heartbeats.count} heartbeats`);
});
