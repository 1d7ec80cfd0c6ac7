import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { describeError } from '../errors/pipeline-errors.ts';

/**
 * A readiness check: resolves when the dependency is reachable, rejects with the reason otherwise; `signal`
 * aborts when the probe stops waiting for it.
 */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

/** What a route answers: a JSON `body`, or `raw` bytes sent as they are (with `headers`). */
export interface RouteResult {
  status: number;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** An extra route, given the request and its parsed URL. */
export type RouteHandler = (request: IncomingMessage, url: URL) => Promise<RouteResult>;

export interface OpsServerOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Registry;
  readiness: Record<string, ReadinessCheck>;
  /** Keyed by "METHOD /path", e.g. "POST /runs". */
  routes?: Record<string, RouteHandler>;
  readinessTimeoutMs?: number;
  /** True once the service is shutting down: /readyz then answers 503 without running the checks. */
  stopping?: () => boolean;
  /** The clock that ages a shared hung check (milliseconds); tests step it instead of waiting. */
  now?: () => number;
  /** How long close() lets answers being sent finish before it cuts their connections; 5 s if unset. */
  closeGraceMs?: number;
}

export interface OpsServer {
  server: Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  /**
   * Stops the server: answers being sent may finish (for up to closeGraceMs), requests that arrive meanwhile
   * get 503 and their connection closed, then every connection is closed. Calls after the first share it.
   */
  close(): Promise<void>;
}

/** Starts the /healthz, /readyz and /metrics server (plus service routes) and resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const timeoutMs = options.readinessTimeoutMs ?? 3_000;
  const pending = new Map<string, PendingCheck>();
  // Answers not yet handed to the OS. close() waits for them: Node's own close() destroys a connection whose
  // answer is ended but still buffered (a page of the offline source is megabytes), cutting it off.
  const unsent = new Set<ServerResponse>();
  let allSent: (() => void) | undefined;
  // Set by the first close(): from then on new requests are refused.
  let closed: Promise<void> | undefined;
  const server = createServer((request, response) => {
    unsent.add(response);
    const sent = () => {
      unsent.delete(response);
      if (unsent.size === 0) allSent?.();
    };
    response.once('finish', sent).once('close', sent);
    if (closed) {
      response.setHeader('connection', 'close');
      return send(response, 503, { status: 'stopping' });
    }
    handle(request, response).catch((error: unknown) => {
      options.logger.error({ err: error, url: request.url }, 'ops request failed');
      send(response, 500, { error: describeError(error) });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      return send(response, 400, { error: 'the request target is not a valid URL path' });
    }
    const key = `${request.method ?? 'GET'} ${url.pathname}`;
    if (key === 'GET /healthz') return send(response, 200, { status: 'ok' });
    if (key === 'GET /readyz') {
      if (options.stopping?.()) return send(response, 503, { status: 'stopping', checks: {} });
      const checks = await runChecks(
        options.readiness,
        timeoutMs,
        pending,
        options.now ?? performance.now.bind(performance),
      );
      const ready = Object.values(checks).every((check) => check === 'ok');
      return send(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    }
    if (key === 'GET /metrics') {
      const body = await options.metrics.metrics();
      response.writeHead(200, { 'content-type': options.metrics.contentType });
      response.end(body);
      return;
    }
    const route = options.routes?.[key];
    if (route) {
      const result = await route(request, url);
      if (result.raw !== undefined) {
        response.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
        response.end(result.raw);
        return;
      }
      return send(response, result.status, result.body, result.headers);
    }
    send(response, 404, { error: `no route for ${key}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ host: options.host, port }, 'ops server listening');
  const graceMs = options.closeGraceMs ?? 5_000;
  return {
    server,
    port,
    close() {
      closed ??= (async () => {
        if (unsent.size > 0) {
          // A client that stops reading, or never finishes its request, is cut off after the grace period.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => (allSent = resolve)),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
          ]);
          clearTimeout(timer);
        }
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}

interface PendingCheck {
  promise: Promise<void>;
  startedAt: number;
}

/**
 * Runs each check with a signal that aborts at the probe's timeout. A check that ignores it (kafkajs's
 * describeCluster retries on its own) is shared by the probes that arrive while it runs, for up to ten
 * timeouts: checks of a hung dependency cannot pile up with every probe, and a recovery still shows within
 * that time.
 */
async function runChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
  pending: Map<string, PendingCheck>,
  now: () => number,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let running = pending.get(name);
      if (!running || now() - running.startedAt > 10 * timeoutMs) {
        const signal = AbortSignal.timeout(timeoutMs);
        // Inside then(): a check that throws at once is one failing check, not a failed /readyz.
        const promise = Promise.resolve().then(() => check(signal));
        const entry: PendingCheck = { promise, startedAt: now() };
        promise
          .finally(() => {
            if (pending.get(name) === entry) pending.delete(name);
          })
          .catch(() => undefined); // awaited below; a later rejection must not go unhandled
        pending.set(name, entry);
        running = entry;
      }
      try {
        await withTimeout(running.promise, timeoutMs, `${name} check timed out after ${timeoutMs} ms`);
        return [name, 'ok'] as const;
      } catch (error) {
        // The body is public: describeError masks URL credentials in the message.
        return [name, describeError(error)] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
