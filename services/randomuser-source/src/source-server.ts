import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';
import {
  createLogger,
  createMetricsRegistry,
  startOpsServer,
  type Logger,
  type RouteHandler,
  type RouteResult,
} from '@userstream/shared/observability';
import { parseApiQuery, type ApiQuery } from './api-query.ts';
import {
  FaultInjector,
  faultControlSchema,
  NO_FAULTS,
  type FaultOutcome,
  type FaultSettings,
} from './faults.ts';
import { renderResponse } from './generate-users.ts';
import { portraitPaths, portraitSvg } from './portraits.ts';
import { localePools, loginWords } from './locale-pools.ts';
import { PageCache } from './page-cache.ts';
import { NATIONALITIES } from './types.ts';

export interface RandomUserSourceOptions {
  /** 0 picks a free port; 8088 when absent. */
  port?: number;
  /** 127.0.0.1 when absent. */
  host?: string;
  /** Failure rates and shapes; none fail when absent. */
  faults?: Partial<FaultSettings>;
  /** Silent when absent. */
  logger?: Logger;
  /** Registry for /metrics; a fresh one (with process metrics) when absent. */
  metrics?: Registry;
  /** How many rendered seeded pages to keep for retries; 8 when absent, 0 turns the cache off. */
  pageCacheSize?: number;
  /**
   * Base URL of the users' picture URLs (ending in '/'); the source's own /api/portraits/ when absent, where
   * it serves placeholder portraits. Set it where clients reach the source at another address (a container).
   */
  portraitsUrl?: string;
  /** The draw against the fault rates, replaceable to make rate-based faults predictable. */
  random?: () => number;
}

export interface RandomUserSource {
  /** The API's base URL, e.g. http://127.0.0.1:8088/api/1.4/ */
  url: string;
  port: number;
  /**
   * Stops: slow answers still waiting get 503, answers being sent may finish (up to 5 s) while new requests
   * get 503, then it stops listening.
   */
  close(): Promise<void>;
}

/** The body of upstream's own 500. */
const UPSTREAM_ERROR =
  'Uh oh, something has gone wrong. Please tweet us @randomapi about the issue. Thank you.';
/** Upstream's words past its limit (429 since 2020, 503 before; no Retry-After; the text says "minute"). */
const RATE_LIMIT_ERROR =
  "Whoa, ease up there cowboy. You've requested 20000 users in the last minute. Help us keep this service free and spare some bandwidth for other users please :)";
const MAX_CONTROL_BODY_BYTES = 1_000_000;

/** Starts the offline randomuser.me 1.4 API (with /_faults, /healthz, /readyz, /metrics) and resolves once it listens. */
export async function startRandomUserSource(
  options: RandomUserSourceOptions = {},
): Promise<RandomUserSource> {
  const logger = options.logger ?? createLogger('randomuser-source', 'silent');
  const registry = options.metrics ?? createMetricsRegistry('randomuser-source');
  const metrics = sourceMetrics(registry);
  const faults = new FaultInjector({ ...NO_FAULTS, ...options.faults }, options.random);
  const closing = new AbortController();
  // Written raw into the JSON pages: a URL that JSON would escape is refused rather than corrupting them.
  if (
    options.portraitsUrl !== undefined &&
    JSON.stringify(options.portraitsUrl) !== `"${options.portraitsUrl}"`
  )
    throw new Error(`portraitsUrl must not contain characters JSON escapes: ${options.portraitsUrl}`);
  // Known once the server listens (port 0); no page is rendered before that.
  let portraits = options.portraitsUrl ?? '';
  const render = cachedRenderer(
    new PageCache<Buffer>(options.pageCacheSize ?? 8),
    metrics.cacheHits,
    () => portraits,
  );

  // Built before listening, so the first request of a benchmark is not the one that pays for faker.
  for (const nat of NATIONALITIES) localePools(nat);
  loginWords();

  const api = apiRoute({ faults, render, metrics, logger, closing: closing.signal });
  const server = await startOpsServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8088,
    logger,
    metrics: registry,
    readiness: {},
    routes: {
      ...portraitRoutes(),
      'GET /api': api,
      'GET /api/': api,
      'GET /api/1.4': api,
      'GET /api/1.4/': api,
      ...faultRoutes(faults, logger),
    },
  });
  const origin = `http://${urlHost(options.host ?? '127.0.0.1')}:${server.port}`;
  portraits ||= `${origin}/api/portraits/`;
  return {
    url: `${origin}/api/1.4/`,
    port: server.port,
    close: async () => {
      closing.abort();
      await server.close();
    },
  };
}

/** The source's own Prometheus counters, registered on `registry`. */
function sourceMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'randomuser_source_requests_total',
      help: 'API requests answered, by outcome (ok, slow, 500, 429, ratelimit, malformed, invalid)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    usersServed: new Counter({
      name: 'randomuser_source_users_served_total',
      help: 'Users sent in complete (ok or slow) API answers',
      registers: [registry],
    }),
    cacheHits: new Counter({
      name: 'randomuser_source_page_cache_hits_total',
      help: 'API answers served from the cache of recently rendered pages',
      registers: [registry],
    }),
  };
}

/** The placeholder portraits, one SVG per picture path the users name. */
function portraitRoutes(): Record<string, RouteHandler> {
  const headers = { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' };
  return Object.fromEntries(
    portraitPaths().map((path): [string, RouteHandler] => {
      const svg = portraitSvg(path);
      return [`GET /api/portraits/${path}`, () => Promise.resolve({ status: 200, raw: svg, headers })];
    }),
  );
}

/** Renders an API page with pictures under `portraits()`; a seeded page comes from, or goes into, `cache`. */
function cachedRenderer(
  cache: PageCache<Buffer>,
  cacheHits: Counter,
  portraits: () => string,
): (query: ApiQuery) => Buffer {
  return (query) => {
    // A made-up seed is never asked for again, so caching its page would only evict useful ones.
    const key = query.seedGiven
      ? JSON.stringify([query.seed, query.page, query.results, query.nat, query.fields, query.noinfo])
      : undefined;
    const cached = key === undefined ? undefined : cache.get(key);
    if (cached) {
      cacheHits.inc();
      return cached;
    }
    const body = renderResponse(query, portraits());
    // Kept as an exact copy: the rendered view holds on to its writer's buffer, up to twice as large.
    if (key !== undefined) cache.set(key, Buffer.from(body));
    return body;
  };
}

/** What the API's answers need. */
interface ApiContext {
  faults: FaultInjector;
  render: (query: ApiQuery) => Buffer;
  metrics: ReturnType<typeof sourceMetrics>;
  logger: Logger;
  /** Aborted when the server closes: slow answers still waiting give up. */
  closing: AbortSignal;
}

/** The API: draws a fault outcome for each request, answers it, counts and logs it. */
function apiRoute(context: ApiContext): RouteHandler {
  return async (_request, url) => {
    const started = performance.now();
    const outcome = context.faults.next();
    context.metrics.requests.inc({ outcome });
    const result = await answer(outcome, url, context);
    context.logger.debug(
      { outcome, status: result.status, query: url.search, ms: Math.round(performance.now() - started) },
      'api request',
    );
    return result;
  };
}

/** The answer for one drawn outcome: an error as upstream gives it, or a page (late, broken or good). */
async function answer(outcome: FaultOutcome, url: URL, context: ApiContext): Promise<RouteResult> {
  const { slowDelayMs, retryAfterSeconds } = context.faults.settings;
  const error = errorAnswer(outcome, retryAfterSeconds);
  if (error) return error;
  if (outcome === 'slow') {
    try {
      await sleep(slowDelayMs, undefined, { signal: context.closing });
    } catch {
      // Only an abort rejects: the server is closing, and the client hears so at once.
      return { status: 503, body: { error: 'shutting down' } };
    }
  }
  const query = parseApiQuery(url.searchParams);
  const body = context.render(query);
  if (outcome === 'malformed') {
    // A proper prefix of a JSON object never parses: the client sees a 200 it cannot read.
    const truncated = body.subarray(0, Math.floor(body.length / 2));
    return { status: 200, raw: truncated, headers: jsonHeaders(truncated) };
  }
  context.metrics.usersServed.inc(query.results);
  const page = outcome === 'invalid' ? withInvalidUser(body) : body;
  return { status: 200, raw: page, headers: jsonHeaders(page) };
}

/** Upstream's answer for an outcome that fails outright; undefined for those that send a page. */
function errorAnswer(outcome: FaultOutcome, retryAfterSeconds: number): RouteResult | undefined {
  if (outcome === '500') return { status: 500, body: { error: UPSTREAM_ERROR } };
  // As upstream since 2020 (a248cc8): 429, no Retry-After.
  if (outcome === 'ratelimit') return { status: 429, body: { error: RATE_LIMIT_ERROR } };
  if (outcome === '429') {
    return {
      status: 429,
      body: { error: 'Too many requests, slow down' },
      headers: { 'retry-after': String(retryAfterSeconds) },
    };
  }
  return undefined;
}

/** A well-formed page with one user a validating client must refuse (and not lose). */
function withInvalidUser(body: Buffer): Buffer {
  const page = JSON.parse(body.toString()) as { results: { email?: unknown }[] };
  if (page.results[0]) page.results[0].email = 'not-an-email';
  return Buffer.from(JSON.stringify(page));
}

/** /_faults: read, reset (DELETE) and change (POST) the injected faults. */
function faultRoutes(faults: FaultInjector, logger: Logger): Record<string, RouteHandler> {
  return {
    'GET /_faults': () => Promise.resolve({ status: 200, body: faults.state() }),
    'DELETE /_faults': () => {
      faults.reset();
      return Promise.resolve({ status: 200, body: faults.state() });
    },
    'POST /_faults': (request) => applyFaultControl(request, faults, logger),
  };
}

/** Applies the fault control in the request's JSON body, or says what is wrong with it (400, 413). */
async function applyFaultControl(
  request: IncomingMessage,
  faults: FaultInjector,
  logger: Logger,
): Promise<RouteResult> {
  let text: string;
  try {
    text = await readBody(request);
  } catch (error) {
    // The rest of the body is left unread: the connection must not carry another request.
    return { status: 413, body: { error: (error as Error).message }, headers: { connection: 'close' } };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { status: 400, body: { error: `body is not JSON: ${(error as Error).message}` } };
  }
  const control = faultControlSchema.safeParse(body);
  if (!control.success) {
    const issues = control.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    return { status: 400, body: { error: 'invalid fault control', issues } };
  }
  try {
    faults.apply(control.data);
  } catch (error) {
    return { status: 400, body: { error: (error as Error).message } };
  }
  // Counts, not the queue itself: it may hold many thousands of outcomes.
  const { next, ...settings } = control.data;
  logger.info(
    { ...settings, queued: next?.length ?? 0, queue: faults.state().queue.length },
    'faults updated',
  );
  return { status: 200, body: faults.state() };
}

/** Headers for a JSON body; a Content-Length spares the client chunked decoding of a 5 MB page. */
function jsonHeaders(body: Buffer): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) };
}

/** The request body as text, refusing more than MAX_CONTROL_BODY_BYTES. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_CONTROL_BODY_BYTES) throw new Error(`body larger than ${MAX_CONTROL_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A host as it goes in a URL a client can use: wildcard binds become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
