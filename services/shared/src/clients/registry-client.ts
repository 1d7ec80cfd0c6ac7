import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registryCaFrom } from './security-options.ts';

export interface RegistryConfig {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM CA certificates to trust for an https URL instead of the system's. */
  ca?: string | undefined;
}

/**
 * The registry settings out of a parsed environment (kafkaEnvShape). Credentials written into the URL
 * (`https://user:pass@host`) become the Basic auth settings, unless those are set, and leave the URL:
 * fetch refuses such URLs, and a URL is logged where a password must not be.
 */
export function registryConfigFrom(env: {
  SCHEMA_REGISTRY_URL: string;
  SCHEMA_REGISTRY_USERNAME?: string | undefined;
  SCHEMA_REGISTRY_PASSWORD?: string | undefined;
  SCHEMA_REGISTRY_SSL_CA_FILE?: string | undefined;
}): RegistryConfig {
  const ca = registryCaFrom(env);
  let url = env.SCHEMA_REGISTRY_URL;
  let username = env.SCHEMA_REGISTRY_USERNAME;
  let password = env.SCHEMA_REGISTRY_PASSWORD;
  const parsed = URL.parse(url);
  if (parsed && (parsed.username !== '' || parsed.password !== '')) {
    // Each setting, when set, wins over its part of the URL.
    username ??= decodeOrRaw(parsed.username);
    password ??= decodeOrRaw(parsed.password);
    parsed.username = '';
    parsed.password = '';
    url = parsed.toString();
  }
  return { url, username, password, ...(ca !== undefined ? { ca } : {}) };
}

function decodeOrRaw(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a lone '%' is not an escape: take it as written
  }
}

type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/** Gives every registry request a timeout: without one, a registry that never answers holds it for good. */
const requestTimeout =
  (timeoutMs: number): Middleware =>
  () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: timeoutMs });
    },
  });

/**
 * A Confluent Schema Registry client (works with Apicurio's ccompat API too). A request that gets no answer
 * gives up after `timeoutMs` (it is not retried; 5xx answers are, 3 times), so a hung registry is retried
 * by the consumer as an outage, heartbeating between attempts, instead of holding its batch for good.
 */
export function createRegistry(config: RegistryConfig, timeoutMs = 5_000): SchemaRegistry {
  const auth =
    config.username !== undefined && config.password !== undefined
      ? { username: config.username, password: config.password }
      : undefined;
  return new SchemaRegistry({
    host: config.url,
    ...(auth ? { auth } : {}),
    ...(config.ca !== undefined ? { agent: new Agent({ ca: config.ca, keepAlive: true }) } : {}),
    middlewares: [requestTimeout(timeoutMs)],
  });
}

/**
 * Resolves when the registry answers GET /subjects, for readiness checks: 2xx, or 403 (a key may read and
 * register schemas without listing subjects). 401 fails it: the credentials are wrong.
 */
export async function pingRegistry(config: RegistryConfig, signal?: AbortSignal): Promise<void> {
  const response = await getSubjects(config, signal);
  if (!response.ok && response.status !== 403) throw new Error(`registry answered HTTP ${response.status}`);
}

/**
 * Resolves when the URL serves a registry API at all: GET /subjects answers, even 401 or 403 (a key may
 * read schemas without listing subjects). Rejects on 404, 5xx, no answer, or none within `timeoutMs`.
 */
export async function registryServesApi(config: RegistryConfig, timeoutMs = 10_000): Promise<void> {
  const response = await getSubjects(config, AbortSignal.timeout(timeoutMs));
  if (response.status === 404 || response.status >= 500) {
    throw new Error(`registry answered HTTP ${response.status}`);
  }
}

/**
 * Resolves true when GET /schemas/ids/{id} answers 200 with a schema document (a JSON object whose `schema`
 * is a string): then a schema the client library could not parse is really the registry's, not a proxy's
 * page. False for any other answer; rejects when there is none within `timeoutMs`.
 */
export async function registryServesSchema(
  config: RegistryConfig,
  id: number,
  timeoutMs = 10_000,
): Promise<boolean> {
  const response = await registryGet(config, `schemas/ids/${id}`, AbortSignal.timeout(timeoutMs));
  if (response.status !== 200) {
    await response.body?.cancel();
    return false;
  }
  const document: unknown = await response.json().catch(() => undefined);
  return typeof (document as { schema?: unknown } | undefined)?.schema === 'string';
}

async function getSubjects(config: RegistryConfig, signal?: AbortSignal): Promise<Response> {
  const response = await registryGet(config, 'subjects', signal);
  await response.body?.cancel();
  return response;
}

function registryGet(config: RegistryConfig, path: string, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = {};
  if (config.username !== undefined && config.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  }
  const url = new URL(path, config.url.endsWith('/') ? config.url : `${config.url}/`);
  if (config.ca !== undefined && url.protocol === 'https:') return httpsGet(url, headers, config.ca, signal);
  return fetch(url, { headers, ...(signal ? { signal } : {}) });
}

/** A GET over https trusting `ca`, as a fetch Response (fetch itself takes no CA without undici). */
function httpsGet(
  url: URL,
  headers: Record<string, string>,
  ca: string,
  signal?: AbortSignal,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ca, ...(signal ? { signal } : {}) }, (res) => {
      const status = res.statusCode ?? 502;
      // A null-body status (204, 304) may not carry a stream.
      const body = [204, 205, 304].includes(status) ? null : (Readable.toWeb(res) as ReadableStream);
      resolve(new Response(body, { status }));
    });
    req.on('error', reject);
    req.end();
  });
}
