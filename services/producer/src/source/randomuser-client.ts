import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Logger } from '@userstream/shared/observability';
import { backoffDelay, sleep } from '@userstream/shared/lifecycle';

/** One page request to a randomuser.me-compatible API. */
export interface PageRequest {
  seed: string;
  page: number;
  results: number;
  nat?: string | undefined;
  /** Aborting cancels this request and its retries (the run that wanted the page has ended). */
  signal?: AbortSignal | undefined;
}

/** A page as the API returned it: raw results, not yet validated. */
export interface RawPage {
  results: unknown[];
  info?: unknown;
}

export interface RandomUserClientOptions {
  url: string;
  /** Each attempt's deadline for the whole answer, body included. */
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long to wait after randomuser.me's rate limit ("ease up", no Retry-After; counts reset every 5 min). */
  rateLimitWaitMs?: number;
  logger: Logger;
  /** Called for each retried failure, with its reason (for metrics). */
  onRetry?: (reason: RetryReason) => void;
  /** Aborting stops waiting between retries (a request already sent is let finish). */
  signal?: AbortSignal;
}

export type RetryReason = 'timeout' | 'network' | 'http_5xx' | 'http_429' | 'rate_limited' | 'malformed_json';

/**
 * randomuser.me's answer past its per-client limit (20,000 users, counts reset every 5 minutes): an `error`
 * body saying "ease up", no Retry-After; status 429 since 2020 (upstream a248cc8), 503 before.
 */
const RATE_LIMIT_MESSAGE = /ease up|users in the last minute/i;

/**
 * The most an answer may weigh: randomuser.me's users are 1-1.5 KB of JSON each. Without a cap a broken or
 * hostile source could fill the memory with one endless body.
 */
const MAX_BYTES_PER_USER = 4_096;
const MAX_BYTES_OVERHEAD = 65_536;

/** The source failed for good: retries are exhausted, or the error cannot be retried (e.g. HTTP 400). */
export class SourceError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SourceError';
    this.reason = reason;
  }
}

interface Attempt {
  page?: RawPage;
  retry?: { reason: RetryReason; message: string; retryAfterMs?: number };
}

/** A randomuser.me client that retries timeouts, network errors, 5xx, 429 (with Retry-After) and bad JSON. */
export function createRandomUserClient(options: RandomUserClientOptions): {
  fetchPage(request: PageRequest): Promise<RawPage>;
} {
  const http = createHttpClient(options.url);
  return {
    async fetchPage(request) {
      for (let attemptNo = 0; ; attemptNo++) {
        const { page, retry } = await attemptPage(http, request, options);
        if (page) return page;
        if (!retry) throw new SourceError('unknown', 'no page and no retry');
        if (attemptNo >= options.maxRetries) {
          throw new SourceError(
            retry.reason,
            `page ${request.page}: giving up after ${attemptNo + 1} attempts: ${retry.message}`,
          );
        }
        const delay = retryDelay(retry, attemptNo, options);
        options.onRetry?.(retry.reason);
        options.logger.warn(
          { page: request.page, attempt: attemptNo + 1, reason: retry.reason, delayMs: delay },
          `fetch failed, retrying: ${retry.message}`,
        );
        await waitBeforeRetry(delay, [options.signal, request.signal]);
      }
    },
  };
}

/** An axios instance for the API that hands every answer back as text, whatever its status. */
function createHttpClient(url: string): AxiosInstance {
  return axios.create({
    baseURL: url,
    // Not axios's `timeout`: in Node it stops counting once the headers are in, so a trickling body never
    // timed out. Each attempt gets its own deadline signal (attemptPage).
    // We parse ourselves so that a truncated body is a retryable "malformed_json", not a crash.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
}

/** One request for the page: the page, a failure worth retrying, or a SourceError thrown for good. */
async function attemptPage(
  http: AxiosInstance,
  request: PageRequest,
  options: RandomUserClientOptions,
): Promise<Attempt> {
  const params: Record<string, string | number> = {
    results: request.results,
    seed: request.seed,
    page: request.page,
  };
  if (request.nat) params.nat = request.nat;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const maxContentLength = request.results * MAX_BYTES_PER_USER + MAX_BYTES_OVERHEAD;
  let response: AxiosResponse<string>;
  try {
    response = await http.get<string>('', {
      params,
      signal: request.signal ? AbortSignal.any([request.signal, deadline]) : deadline,
      maxContentLength,
    });
  } catch (error) {
    if (request.signal?.aborted) throw new SourceError('aborted', 'fetch abandoned: the run ended');
    if (deadline.aborted) {
      const message = `timeout: no complete answer within ${options.timeoutMs} ms (RANDOMUSER_TIMEOUT_MS)`;
      return { retry: { reason: 'timeout', message } };
    }
    return requestFailure(error, request, maxContentLength);
  }
  return answerOf(response, request, options.rateLimitWaitMs);
}

/** A request that got no answer: too large (for good), else a timeout or network failure to retry. */
function requestFailure(error: unknown, request: PageRequest, maxContentLength: number): Attempt {
  const { code, message } = error as { code?: string; message?: string };
  // Whatever its status (axios gives up reading before it answers): no randomuser.me answer, error pages
  // included, comes near the cap.
  if (message?.startsWith('maxContentLength')) {
    throw new SourceError(
      'too_large',
      `page ${request.page}: the answer to ${request.results} users went past ${maxContentLength} bytes (${MAX_BYTES_PER_USER} per user); not a randomuser.me page`,
    );
  }
  const reason: RetryReason = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timeout' : 'network';
  return { retry: { reason, message: `${reason}: ${message ?? String(error)}` } };
}

/** What an HTTP answer means: the rate limit, a 429 or 5xx to retry, another status for good, or a page. */
function answerOf(response: AxiosResponse<string>, request: PageRequest, rateLimitWaitMs = 60_000): Attempt {
  const retryAfter = parseRetryAfter(response.headers['retry-after'] as string | undefined);
  if (
    (response.status === 429 || response.status === 503) &&
    RATE_LIMIT_MESSAGE.test(String(response.data))
  ) {
    const message = `HTTP ${response.status}: the API rate limit (users per client) was reached`;
    return { retry: { reason: 'rate_limited', message, retryAfterMs: retryAfter ?? rateLimitWaitMs } };
  }
  if (response.status === 429) {
    return { retry: { reason: 'http_429', message: 'HTTP 429 Too Many Requests', retryAfterMs: retryAfter } };
  }
  if (response.status >= 500) {
    return { retry: { reason: 'http_5xx', message: `HTTP ${response.status}` } };
  }
  if (response.status !== 200) {
    throw new SourceError(
      `http_${response.status}`,
      `source answered HTTP ${response.status}: ${String(response.data).slice(0, 200)}`,
    );
  }
  return parsePage(response.data, request);
}

/** The page in a 200 answer's body: malformed JSON is retried; another shape or another page is not. */
function parsePage(text: string, request: PageRequest): Attempt {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return {
      retry: { reason: 'malformed_json', message: `malformed JSON body: ${(error as Error).message}` },
    };
  }
  if (typeof body !== 'object' || body === null || !Array.isArray((body as RawPage).results)) {
    const apiError = (body as { error?: unknown } | null)?.error;
    throw new SourceError(
      'bad_shape',
      apiError ? `source error: ${JSON.stringify(apiError)}` : 'response has no "results" array',
    );
  }
  const problem = mismatch(body as RawPage, request);
  if (problem) throw new SourceError('page_mismatch', `page ${request.page}: ${problem}`);
  return { page: body as RawPage };
}

/** How long to wait before retrying: Retry-After when the source gave one (capped), else the backoff. */
function retryDelay(
  retry: NonNullable<Attempt['retry']>,
  attemptNo: number,
  options: Pick<RandomUserClientOptions, 'retryBaseMs' | 'retryMaxMs'>,
): number {
  // Retry-After is honoured, but capped so a bad header cannot stall a run for hours.
  return retry.retryAfterMs !== undefined
    ? Math.min(retry.retryAfterMs, 300_000)
    : backoffDelay(attemptNo, options.retryBaseMs, options.retryMaxMs);
}

/** Waits `delayMs`, or throws as soon as one of `signals` (shutdown, the run's end) aborts. */
async function waitBeforeRetry(delayMs: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  const stop = signals.filter((signal) => signal !== undefined);
  await sleep(delayMs, stop.length > 1 ? AbortSignal.any(stop) : stop[0]);
  if (stop.some((signal) => signal.aborted)) {
    throw new SourceError('aborted', 'fetch aborted by shutdown or by the end of its run');
  }
}

/**
 * Why a page is not the one asked for, or undefined: fewer or more users than requested (an API with a
 * lower cap), or another page number in `info` (randomuser.me serves page 1 again after page 10000).
 * Publishing it would report a batch complete that is not.
 */
function mismatch(page: RawPage, request: PageRequest): string | undefined {
  if (page.results.length !== request.results) {
    return `asked for ${request.results} users, the API answered ${page.results.length}`;
  }
  const answered = (page.info as { page?: unknown } | undefined)?.page;
  if (typeof answered === 'number' && answered !== request.page) {
    return `the API answered page ${answered} instead`;
  }
  return undefined;
}

/** Retry-After in milliseconds, from seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
