import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@userstream/shared/observability';
import {
  createRandomUserClient,
  parseRetryAfter,
  SourceError,
  type RetryReason,
} from './randomuser-client.ts';

// A scripted HTTP server: each request takes the next answer. Unit scope; the offline source's own fault
// injection is exercised end to end in test/integration.
type Answer = (response: ServerResponse, params: URLSearchParams) => void;
const answers: Answer[] = [];
const seen: URLSearchParams[] = [];
const server = createServer((request, response) => {
  const params = new URL(request.url ?? '/', 'http://x').searchParams;
  seen.push(params);
  (answers.shift() ?? ok)(response, params);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/1.4/`;
after(() => server.close());

/** As many results as asked for, and the page asked for in `info`. */
const ok: Answer = (r, params) => page(Number(params.get('results')), Number(params.get('page')))(r, params);
const page =
  (results: number, pageNo: number): Answer =>
  (r) =>
    r.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        results: Array.from({ length: results }, () => ({ a: 1 })),
        info: { page: pageNo },
      }),
    );
const status =
  (code: number, headers: Record<string, string> = {}): Answer =>
  (r) =>
    r.writeHead(code, headers).end('{"error":"nope"}');
const malformed: Answer = (r) => r.writeHead(200).end('{"results":[{"a":');

function client(retries: string[], maxRetries = 5) {
  return createRandomUserClient({
    url,
    timeoutMs: 2_000,
    maxRetries,
    retryBaseMs: 1,
    retryMaxMs: 5,
    logger: createLogger('test', 'silent'),
    onRetry: (reason: RetryReason) => retries.push(reason),
  });
}

test('sends results, seed, page and nat', async () => {
  answers.length = 0;
  seen.length = 0;
  const answered = await client([]).fetchPage({ seed: 'abc', page: 3, results: 5000, nat: 'US,GB' });
  assert.equal(answered.results.length, 5000);
  assert.equal(seen[0]?.get('results'), '5000');
  assert.equal(seen[0]?.get('seed'), 'abc');
  assert.equal(seen[0]?.get('page'), '3');
  assert.equal(seen[0]?.get('nat'), 'US,GB');
});

test("waits out randomuser.me's rate limit ('ease up', no Retry-After; 429 now, 503 before 2020) for rateLimitWaitMs", async () => {
  answers.length = 0;
  const easeUp =
    (status: number): Answer =>
    (r) =>
      r
        .writeHead(status)
        .end('{"error":"Whoa, ease up there cowboy. You\'ve requested 20100 users in the last minute."}');
  answers.push(easeUp(429), easeUp(503));
  const retries: string[] = [];
  const waits: number[] = [];
  const limited = createRandomUserClient({
    url,
    timeoutMs: 2_000,
    maxRetries: 3,
    retryBaseMs: 1,
    retryMaxMs: 5,
    rateLimitWaitMs: 250,
    logger: {
      ...createLogger('test', 'silent'),
      warn: (fields: { delayMs?: number }) => void waits.push(fields.delayMs ?? -1),
    },
    onRetry: (reason) => retries.push(reason),
  });
  const page = await limited.fetchPage({ seed: 's', page: 1, results: 2 });
  assert.equal(page.results.length, 2);
  assert.deepEqual(retries, ['rate_limited', 'rate_limited']);
  assert.deepEqual(waits, [250, 250], 'the configured wait, not the short backoff');
});

test('retries 5xx, 429 (honouring Retry-After) and malformed JSON, then succeeds', async () => {
  answers.length = 0;
  answers.push(status(500), status(503), status(429, { 'retry-after': '0' }), malformed);
  const retries: string[] = [];
  const page = await client(retries).fetchPage({ seed: 's', page: 1, results: 1 });
  assert.equal(page.results.length, 1);
  assert.deepEqual(retries, ['http_5xx', 'http_5xx', 'http_429', 'malformed_json']);
});

test('waits as long as Retry-After says', async () => {
  answers.length = 0;
  answers.push(status(429, { 'retry-after': '1' }));
  const started = Date.now();
  await client([]).fetchPage({ seed: 's', page: 1, results: 1 });
  assert.ok(Date.now() - started >= 950, 'waited about one second');
});

test('gives up after maxRetries with the last reason', async () => {
  answers.length = 0;
  answers.push(status(500), status(500), status(500));
  await assert.rejects(client([], 2).fetchPage({ seed: 's', page: 7, results: 1 }), (error: unknown) => {
    assert.ok(error instanceof SourceError);
    assert.equal(error.reason, 'http_5xx');
    assert.match(error.message, /page 7: giving up after 3 attempts/);
    return true;
  });
});

test('does not retry a 4xx other than 429, nor a body without results', async () => {
  answers.length = 0;
  answers.push(status(400));
  const retries: string[] = [];
  await assert.rejects(client(retries).fetchPage({ seed: 's', page: 1, results: 1 }), /HTTP 400/);
  answers.push((r) => r.writeHead(200).end('{"error":"Uh oh, something has gone wrong."}'));
  await assert.rejects(
    client(retries).fetchPage({ seed: 's', page: 1, results: 1 }),
    /something has gone wrong/,
  );
  assert.deepEqual(retries, []);
});

test('retries network errors', async () => {
  const retries: string[] = [];
  const dead = createRandomUserClient({
    url: 'http://127.0.0.1:9/api/',
    timeoutMs: 500,
    maxRetries: 1,
    retryBaseMs: 1,
    retryMaxMs: 2,
    logger: createLogger('test', 'silent'),
    onRetry: (reason) => retries.push(reason),
  });
  await assert.rejects(dead.fetchPage({ seed: 's', page: 1, results: 1 }), SourceError);
  assert.deepEqual(retries, ['network']);
});

test('a page with fewer users than asked for, or another page number, fails the fetch without retrying', async () => {
  answers.length = 0;
  seen.length = 0;
  answers.push(page(3, 1));
  const retries: string[] = [];
  await assert.rejects(
    client(retries).fetchPage({ seed: 's', page: 1, results: 5 }),
    (error: unknown) =>
      error instanceof SourceError &&
      error.reason === 'page_mismatch' &&
      /page 1: asked for 5 users, the API answered 3/.test(error.message),
  );
  answers.push(page(5, 1)); // randomuser.me serves page 1 again after page 10000
  await assert.rejects(
    client(retries).fetchPage({ seed: 's', page: 10_001, results: 5 }),
    /page 10001: the API answered page 1 instead/,
  );
  assert.deepEqual(retries, []);
  assert.equal(seen.length, 2);
});

test('aborting the request signal cancels a request in flight and the waits between retries', async () => {
  answers.length = 0;
  answers.push(() => undefined); // never answers
  const ended = new AbortController();
  const fetching = client([]).fetchPage({ seed: 's', page: 1, results: 1, signal: ended.signal });
  setTimeout(() => ended.abort(), 50);
  await assert.rejects(
    fetching,
    (error: unknown) => error instanceof SourceError && error.reason === 'aborted',
  );
  answers.length = 0;
  answers.push(status(500));
  const runEnded = new AbortController();
  seen.length = 0;
  const retrying = createRandomUserClient({
    url,
    timeoutMs: 2_000,
    maxRetries: 5,
    retryBaseMs: 60_000, // the first retry would wait up to a minute
    retryMaxMs: 60_000,
    logger: createLogger('test', 'silent'),
  }).fetchPage({ seed: 's', page: 1, results: 1, signal: runEnded.signal });
  // Ended once the first answer (a 500) has reached the client, however slow the machine: the client is
  // then in, or about to enter, the minute-long wait before its retry.
  while (seen.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
  setTimeout(() => runEnded.abort(), 50);
  await assert.rejects(
    retrying,
    (error: unknown) => error instanceof SourceError && error.reason === 'aborted',
  );
  assert.equal(seen.length, 1, 'no retry after the run ended');
});

test('an answer whose body trickles in past timeoutMs is a timeout, and retried', async () => {
  answers.length = 0;
  // Headers at once, then the body a few bytes every 50 ms: about 1.5 s for the whole page.
  answers.push((r) => {
    const body = JSON.stringify({ results: [{ a: 1 }], info: { page: 1 } });
    r.writeHead(200, { 'content-type': 'application/json' });
    let at = 0;
    const timer = setInterval(() => {
      r.write(body.slice(at, at + 2));
      at += 2;
      if (at >= body.length) {
        clearInterval(timer);
        r.end();
      }
    }, 50);
    r.on('close', () => clearInterval(timer));
  });
  const retries: string[] = [];
  const trickled = createRandomUserClient({
    url,
    timeoutMs: 300,
    maxRetries: 1,
    retryBaseMs: 1,
    retryMaxMs: 2,
    logger: createLogger('test', 'silent'),
    onRetry: (reason) => retries.push(reason),
  });
  const answered = await trickled.fetchPage({ seed: 's', page: 1, results: 1 });
  assert.equal(answered.results.length, 1, 'the retry got the page');
  assert.deepEqual(retries, ['timeout'], 'the first attempt was cut at its deadline, not waited out');
});

test('an answer far larger than the users asked for fails the fetch, naming the page, without retrying', async () => {
  answers.length = 0;
  answers.push((r) =>
    r.writeHead(200).end(JSON.stringify({ results: [{ a: 'x'.repeat(100_000) }], info: { page: 4 } })),
  );
  const retries: string[] = [];
  await assert.rejects(
    client(retries).fetchPage({ seed: 's', page: 4, results: 1 }),
    (error: unknown) =>
      error instanceof SourceError &&
      error.reason === 'too_large' &&
      /page 4: the answer to 1 users went past 69632 bytes/.test(error.message),
  );
  assert.deepEqual(retries, []);
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
});
