import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { buildResponse } from './generate-users.ts';
import { parseApiQuery } from './api-query.ts';
import { Agent, get, request as httpRequest, type IncomingMessage } from 'node:http';
import { startRandomUserSource, type RandomUserSource } from './source-server.ts';
import type { RandomUserResponse } from './types.ts';

/** The value of a counter line such as `name{outcome="ok",service="x"} 3` in a /metrics text. */
function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('startRandomUserSource', () => {
  let source: RandomUserSource;
  let base: string;
  const control = (method: string, body?: unknown): Promise<Response> =>
    fetch(`${base}/_faults`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  before(async () => {
    source = await startRandomUserSource({ port: 0 });
    base = `http://127.0.0.1:${source.port}`;
  });
  after(() => source.close());
  beforeEach(async () => {
    await control('DELETE');
  });

  it('listens on an ephemeral port and reports the API URL', () => {
    assert.ok(source.port > 0);
    assert.equal(source.url, `http://127.0.0.1:${source.port}/api/1.4/`);
  });

  it('answers the same bytes on /api, /api/, /api/1.4 and /api/1.4/, as generateUsers would', async () => {
    const query = 'results=25&seed=http&page=4&nat=fr,ua';
    const bodies = await Promise.all(
      ['/api', '/api/', '/api/1.4', '/api/1.4/'].map(async (path) => {
        const response = await fetch(`${base}${path}?${query}`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
        const body = await response.text();
        assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(body)));
        return body;
      }),
    );
    assert.equal(new Set(bodies).size, 1);
    const parsed = JSON.parse(bodies[0] ?? '') as RandomUserResponse;
    assert.deepEqual(
      parsed,
      buildResponse(parseApiQuery(new URLSearchParams(query)), `${base}/api/portraits/`),
    );
    assert.deepEqual(parsed.info, { seed: 'http', results: 25, page: 4, version: '1.4' });
    assert.ok(parsed.results.every((user) => user.nat === 'FR' || user.nat === 'UA'));
  });

  it('serves a placeholder portrait at every picture URL it emits', async () => {
    const page = (await (await fetch(`${source.url}?results=20&seed=pictures`)).json()) as RandomUserResponse;
    for (const user of page.results.slice(0, 5)) {
      for (const url of Object.values(user.picture ?? {})) {
        assert.ok(url.startsWith(`${base}/api/portraits/`), url);
        const response = await fetch(url);
        assert.equal(response.status, 200, url);
        assert.equal(response.headers.get('content-type'), 'image/svg+xml');
        assert.match(await response.text(), /^<svg [^>]*width="\d+" height="\d+"/);
      }
    }
    assert.equal((await fetch(`${base}/api/portraits/men/100.jpg`)).status, 404);
  });

  it('points the pictures at portraitsUrl when given', async () => {
    const other = await startRandomUserSource({ port: 0, portraitsUrl: 'http://pics.example/p/' });
    try {
      const page = (await (await fetch(`${other.url}?results=3&seed=x`)).json()) as RandomUserResponse;
      assert.ok(page.results.every((user) => user.picture?.large.startsWith('http://pics.example/p/')));
    } finally {
      await other.close();
    }
  });

  it('makes up a 16-hex seed when none is given, and reports it', async () => {
    const first = (await (await fetch(source.url)).json()) as RandomUserResponse;
    const second = (await (await fetch(source.url)).json()) as RandomUserResponse;
    assert.match(first.info?.seed ?? '', /^[0-9a-f]{16}$/);
    assert.notEqual(first.info?.seed, second.info?.seed);
    const replay = (await (
      await fetch(`${source.url}?seed=${first.info?.seed}`)
    ).json()) as RandomUserResponse;
    assert.deepEqual(replay, first, 'the reported seed reproduces the answer');
  });

  it('turns out-of-range results into 1 and serves 5000', async () => {
    for (const results of ['5001', '0', '-3', 'abc']) {
      const body = (await (await fetch(`${source.url}?results=${results}`)).json()) as RandomUserResponse;
      assert.equal(body.results.length, 1, `results=${results}`);
      assert.equal(body.info?.results, 1);
    }
    const big = (await (await fetch(`${source.url}?results=5000&seed=big`)).json()) as RandomUserResponse;
    assert.equal(big.results.length, 5000);
  });

  it('leaves out info with noinfo and fields with inc/exc', async () => {
    const body = (await (
      await fetch(`${source.url}?noinfo&results=3&inc=name,login&exc=login`)
    ).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['results']);
    for (const user of body.results as object[]) assert.deepEqual(Object.keys(user), ['name']);
    // An inc naming no field upstream knows: empty objects, as upstream answers.
    const none = (await (await fetch(`${source.url}?results=2&inc=bogus`)).json()) as { results: object[] };
    assert.deepEqual(none.results, [{}, {}]);
  });

  it('answers queued faults in order: 500, 429 with Retry-After, the rate limit, malformed, invalid, slow, then ok', async () => {
    const queued = await control('POST', {
      next: ['500', '429', 'ratelimit', 'malformed', 'invalid', 'slow', 'ok'],
      retryAfterSeconds: 2,
      delayMs: 300,
    });
    assert.equal(queued.status, 200);
    const state = (await (await control('GET')).json()) as {
      queue: string[];
      settings: Record<string, number>;
    };
    assert.deepEqual(state.queue, ['500', '429', 'ratelimit', 'malformed', 'invalid', 'slow', 'ok']);
    assert.equal(state.settings.slowDelayMs, 300);

    const failed = await fetch(`${source.url}?seed=f`);
    assert.equal(failed.status, 500);
    assert.match(((await failed.json()) as { error: string }).error, /something has gone wrong/);

    const limited = await fetch(`${source.url}?seed=f`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    await limited.body?.cancel();

    const rateLimited = await fetch(`${source.url}?seed=f`);
    assert.equal(rateLimited.status, 429);
    assert.equal(rateLimited.headers.get('retry-after'), null, 'upstream sends no Retry-After');
    assert.match(((await rateLimited.json()) as { error: string }).error, /ease up.*in the last minute/);

    const malformed = await fetch(`${source.url}?seed=f&results=10`);
    assert.equal(malformed.status, 200);
    const text = await malformed.text();
    assert.ok(text.startsWith('{"results":['), 'the body starts like a real answer');
    assert.throws(() => JSON.parse(text) as unknown, SyntaxError);

    const invalid = await fetch(`${source.url}?seed=f&results=10`);
    assert.equal(invalid.status, 200);
    const invalidBody = (await invalid.json()) as RandomUserResponse;

    const slowStarted = performance.now();
    const slow = await fetch(`${source.url}?seed=f&results=10`);
    const slowMs = performance.now() - slowStarted;
    assert.equal(slow.status, 200);
    assert.ok(slowMs >= 290, `the slow answer took ${slowMs} ms`);
    const slowBody = (await slow.json()) as RandomUserResponse;
    assert.equal(slowBody.results.length, 10);

    const ok = await fetch(`${source.url}?seed=f&results=10`);
    assert.deepEqual(await ok.json(), slowBody);
    // The invalid page is the same page with its first user's email broken, and nothing else changed.
    assert.equal(invalidBody.results[0]!.email, 'not-an-email');
    assert.notEqual(slowBody.results[0]!.email, 'not-an-email');
    assert.deepEqual({ ...invalidBody.results[0], email: slowBody.results[0]!.email }, slowBody.results[0]);
    assert.deepEqual(invalidBody.results.slice(1), slowBody.results.slice(1));
    assert.deepEqual(((await (await control('GET')).json()) as { queue: string[] }).queue, []);
  });

  it('clears the queue and restores the configured settings on DELETE', async () => {
    await control('POST', { next: ['500', '500'], delayMs: 5 });
    const cleared = (await (await control('DELETE')).json()) as {
      queue: string[];
      settings: Record<string, number>;
    };
    assert.deepEqual(cleared.queue, []);
    assert.equal(cleared.settings.slowDelayMs, 2_000);
    assert.equal((await fetch(source.url)).status, 200);
  });

  it('refuses an invalid control body with 400, naming the problem', async () => {
    const unknown = await control('POST', { next: ['503'] });
    assert.equal(unknown.status, 400);
    assert.match(JSON.stringify(await unknown.json()), /next\.0/);
    const tooMuch = await control('POST', { rates: { '500': 0.7, '429': 0.7 } });
    assert.equal(tooMuch.status, 400);
    assert.match(((await tooMuch.json()) as { error: string }).error, /more than 1/);
    const notJson = await fetch(`${base}/_faults`, { method: 'POST', body: '{next' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(((await (await control('GET')).json()) as { queue: string[] }).queue, []);
  });

  it('refuses a control body over 1 MB with 413 and closes that connection, so the next request is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const request = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const sent = httpRequest(`${base}${path}`, { method, agent }, (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
          );
        });
        sent.on('error', reject);
        sent.end(body);
      });
    try {
      const tooBig = await request('POST', '/_faults', Buffer.alloc(2_000_000, ' '));
      assert.deepEqual(tooBig, { status: 413, connection: 'close' });
      assert.equal((await request('GET', '/healthz')).status, 200);
    } finally {
      agent.destroy();
    }
  });

  it('counts requests by outcome, users served and cache hits on /metrics, next to /healthz and /readyz', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    await control('POST', { next: ['500', '429', 'malformed', 'ok', 'ok'] });
    for (let i = 0; i < 5; i++) await (await fetch(`${source.url}?seed=counted&results=7`)).arrayBuffer();
    const text = await (await fetch(`${base}/metrics`)).text();
    const delta = (name: string, labels = ''): number =>
      metric(text, name, labels) - metric(before, name, labels);
    assert.equal(delta('randomuser_source_requests_total', 'outcome="500"'), 1);
    assert.equal(delta('randomuser_source_requests_total', 'outcome="429"'), 1);
    assert.equal(delta('randomuser_source_requests_total', 'outcome="malformed"'), 1);
    assert.equal(delta('randomuser_source_requests_total', 'outcome="ok"'), 2);
    assert.equal(delta('randomuser_source_users_served_total'), 14);
    // The malformed answer rendered the page; both ok answers are the same seeded page again.
    assert.equal(delta('randomuser_source_page_cache_hits_total'), 2);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });
});

describe('startRandomUserSource with configured rates', () => {
  it('fails the configured share of requests, drawn with the given random', async () => {
    let draw = 0;
    const draws = [0.1, 0.9, 0.3, 0.9];
    const source = await startRandomUserSource({
      port: 0,
      faults: { rate500: 0.2, rate429: 0.2, retryAfterSeconds: 5 },
      random: () => draws[draw++ % draws.length] ?? 0,
    });
    try {
      const statuses: (number | string | null)[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(source.url);
        statuses.push(response.status, response.headers.get('retry-after'));
        await response.arrayBuffer();
      }
      assert.deepEqual(statuses, [500, null, 200, null, 429, '5', 200, null]);
    } finally {
      await source.close();
    }
  });

  it('stops promptly even while a slow answer is waiting, answering it 503, and then refuses connections', async () => {
    const source = await startRandomUserSource({ port: 0, faults: { rateSlow: 1, slowDelayMs: 60_000 } });
    const pending = fetch(source.url).then(
      (response) => response.status,
      () => 'cut off',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Half the slow answer's delay: a close that waited for it loses the race, however busy the machine.
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      source.close().then(() => 'closed'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting'), 30_000))),
    ]);
    clearTimeout(timer);
    assert.equal(first, 'closed', 'close did not wait for the slow answer');
    assert.equal(await pending, 503, 'told it is shutting down, not cut off');
    await assert.rejects(fetch(source.url));
  });

  it('lets a page being sent when it stops finish whole', async () => {
    const source = await startRandomUserSource({ port: 0 });
    // A 5,000-user page (5.5 MB) not read yet: more than the loopback socket buffers hold (a client got 3.9 MB
    // of it when close() cut the connection), so part of the answer is still in the server when it stops.
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${source.url}?seed=shutdown&results=5000`, resolve).on('error', reject),
    );
    response.pause();
    const closed = source.close();
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<boolean>((resolve) => {
      response.on('end', () => resolve(true));
      response.on('aborted', () => resolve(false));
      response.on('error', () => resolve(false));
    });
    response.resume();
    assert.equal(await ended, true, 'the page arrived whole, not cut off');
    const body = Buffer.concat(chunks);
    assert.equal(body.length, Number(response.headers['content-length']));
    assert.equal((JSON.parse(body.toString()) as { results: unknown[] }).results.length, 5_000);
    await closed;
    await assert.rejects(fetch(source.url));
  });
});
