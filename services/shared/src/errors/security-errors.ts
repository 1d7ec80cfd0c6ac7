// Start-up failures that come from security settings (a refused login, an untrusted certificate, a TLS
// client against a plaintext port, a user without rights), turned into one line naming the server, the
// setting to fix and the cause: a ConfigError, so the service exits 2 and the line never shows a secret.
import { ConfigError, describeError } from './pipeline-errors.ts';

/** The server a start-up step talks to. */
export type Dependency = 'kafka' | 'cassandra' | 'registry';

/** What the explanation may name: the address and the settings in force (never a secret). */
export interface SecurityContext {
  /** Where the server is, e.g. "127.0.0.1:9092" or a URL without credentials. */
  address: string;
  /** TLS on for this server. */
  tls: boolean;
  /** The Kafka SASL mechanism, if any. */
  mechanism?: string | undefined;
}

const NAMES: Record<Dependency, string> = {
  kafka: 'Kafka',
  cassandra: 'Cassandra',
  registry: 'the schema registry',
};

/** Certificate verification failures (Node's TLS error codes and messages). */
const UNTRUSTED =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID|certificate is not yet valid/i;
/** A TLS client talking to something that does not speak TLS. */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request/i;
/** The server refused or required the client's certificate. */
const CLIENT_CERTIFICATE =
  /alert (certificate required|bad certificate|unknown ca|certificate unknown|handshake failure|internal error)/i;

/** Every message in an error, its causes and the errors it aggregates. */
function messages(error: unknown, depth = 0): string[] {
  if (typeof error === 'string') return [error];
  if (depth > 5 || error === null || typeof error !== 'object') return [];
  const e = error as {
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
    innerErrors?: unknown;
    originalError?: unknown;
    type?: unknown;
  };
  const own = [typeof e.message === 'string' ? e.message : '', typeof e.type === 'string' ? e.type : ''];
  const nested: unknown[] = [e.cause, e.originalError];
  if (Array.isArray(e.errors)) nested.push(...(e.errors as unknown[]));
  if (e.innerErrors && typeof e.innerErrors === 'object')
    nested.push(...(Object.values(e.innerErrors) as unknown[]));
  return [
    ...own,
    ...nested.flatMap((inner) => (inner === undefined ? [] : messages(inner, depth + 1))),
  ].filter((text) => text !== '');
}

/** What `pattern` matched in the first message it matches (a short phrase, not OpenSSL's whole line). */
function phrase(all: string[], pattern: RegExp): string {
  for (const text of all) {
    const match = pattern.exec(text);
    if (match) return match[0];
  }
  return '';
}

/** The first message matching `pattern`, on one line, credentials of URLs masked. */
function reason(all: string[], pattern: RegExp): string {
  const found = all.find((text) => pattern.test(text)) ?? all[0] ?? '';
  return describeError(found.split('\n')[0]?.trim() ?? '').replace(/^Error: /, '');
}

function tlsProblem(dependency: Dependency, all: string[], context: SecurityContext): string | undefined {
  const name = NAMES[dependency];
  const prefix = { kafka: 'KAFKA', cassandra: 'CASSANDRA', registry: 'SCHEMA_REGISTRY' }[dependency];
  const text = all.join('\n');
  if (UNTRUSTED.test(text)) {
    return `${prefix}_SSL_CA_FILE: ${name} (${context.address}) presented a certificate this client does not trust (${phrase(all, UNTRUSTED)}); set ${prefix}_SSL_CA_FILE to the CA that signed it`;
  }
  if (NOT_TLS.test(text)) {
    const setting = dependency === 'registry' ? 'SCHEMA_REGISTRY_URL' : `${prefix}_SSL`;
    return `${setting}: the TLS handshake with ${name} (${context.address}) failed (${phrase(all, NOT_TLS)}): the port does not speak TLS; use its TLS port, or plaintext`;
  }
  if (CLIENT_CERTIFICATE.test(text) && dependency !== 'registry') {
    return `${prefix}_SSL_CERT_FILE: ${name} (${context.address}) refused the TLS handshake (TLS ${phrase(all, CLIENT_CERTIFICATE)}): it requires a client certificate signed by a CA it trusts (${prefix}_SSL_CERT_FILE, ${prefix}_SSL_KEY_FILE)`;
  }
  return undefined;
}

function kafkaProblem(all: string[], context: SecurityContext): string | undefined {
  const text = all.join('\n');
  const where = `Kafka (${context.address})`;
  const mechanism = context.mechanism?.toUpperCase();
  if (/does not support the requested SASL mechanism|UNSUPPORTED_SASL_MECHANISM/i.test(text)) {
    return `KAFKA_SASL_MECHANISM: ${where} does not offer ${mechanism ?? 'this mechanism'}; ask its operator which one it does (plain, scram-sha-256 or scram-sha-512)`;
  }
  if (/SASL.*authentication failed|invalid credentials|SASL_AUTHENTICATION_FAILED/i.test(text)) {
    return `KAFKA_SASL_PASSWORD: ${where} refused the ${mechanism ?? 'SASL'} login: wrong KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD (or the user does not exist for this mechanism)`;
  }
  const denied = /(TOPIC|GROUP|CLUSTER|TRANSACTIONAL_ID)_AUTHORIZATION_FAILED/.exec(text)?.[1];
  if (denied) {
    const what = {
      TOPIC: 'a topic',
      GROUP: 'a consumer group',
      CLUSTER: 'the cluster',
      TRANSACTIONAL_ID: 'a transactional id',
    }[denied];
    return `KAFKA_SASL_USERNAME: ${where} denied this user access to ${what} (${denied}_AUTHORIZATION_FAILED): it needs ACLs for the topics and group it uses (KAFKA_TOPIC, KAFKA_DLQ_TOPIC, CONSUMER_GROUP_ID)`;
  }
  const tls = tlsProblem('kafka', all, context);
  if (tls) return tls;
  if (
    /Closed connection|ECONNRESET|socket hang up|disconnected before secure TLS/i.test(text) &&
    !(context.tls && mechanism)
  ) {
    return `${context.tls ? 'KAFKA_SASL_MECHANISM' : 'KAFKA_SSL'}: ${where} closed every connection: the listener probably expects ${context.tls ? 'SASL (set KAFKA_SASL_MECHANISM and credentials)' : 'TLS (KAFKA_SSL=true) or SASL'}, or this is not a Kafka port`;
  }
  return undefined;
}

function cassandraProblem(all: string[], context: SecurityContext): string | undefined {
  const text = all.join('\n');
  const where = `Cassandra (${context.address})`;
  if (/requires authentication|no authenticator/i.test(text)) {
    return `CASSANDRA_USERNAME: ${where} requires a user name and password (CASSANDRA_USERNAME, CASSANDRA_PASSWORD)`;
  }
  if (
    /AuthenticationError|Provided username .* incorrect|Username and\/or password are incorrect|bad credentials/i.test(
      text,
    )
  ) {
    return `CASSANDRA_PASSWORD: ${where} refused the login: wrong CASSANDRA_USERNAME or CASSANDRA_PASSWORD`;
  }
  const denied = all.find((message) => /has no \w+ permission|Unauthorized|not authorized/i.test(message));
  if (denied) {
    return `CASSANDRA_USERNAME: ${where} denied the role a permission (${reason([denied], /./)}); grant it, or use a role that has it`;
  }
  const tls = tlsProblem('cassandra', all, context);
  if (tls) return tls;
  if (!context.tls && /Connection closed|socket hang up|ECONNRESET|Socket was closed/i.test(text)) {
    return `CASSANDRA_SSL: ${where} closed the connection: it probably requires TLS (CASSANDRA_SSL=true)`;
  }
  return undefined;
}

function registryProblem(all: string[], context: SecurityContext): string | undefined {
  const text = all.join('\n');
  const where = `The schema registry (${context.address})`;
  if (/\b401\b|Unauthorized/i.test(text)) {
    return `SCHEMA_REGISTRY_PASSWORD: ${where} refused the credentials (HTTP 401): wrong or missing SCHEMA_REGISTRY_USERNAME or SCHEMA_REGISTRY_PASSWORD`;
  }
  if (/\b403\b|Forbidden/i.test(text)) {
    return `SCHEMA_REGISTRY_USERNAME: ${where} denied this user (HTTP 403): it needs rights to read and register the topic's schemas`;
  }
  return tlsProblem('registry', all, context);
}

/** One line naming the setting, the server and the cause, when `error` comes from security settings. */
export function explainSecurityError(
  dependency: Dependency,
  error: unknown,
  context: SecurityContext,
): string | undefined {
  const all = messages(error);
  if (dependency === 'kafka') return kafkaProblem(all, context);
  if (dependency === 'cassandra') return cassandraProblem(all, context);
  return registryProblem(all, context);
}

/**
 * Runs a start-up step against `dependency`; a failure that security settings explain becomes a ConfigError
 * with that one line, anything else is rethrown as it was.
 */
export async function securityStep<T>(
  dependency: Dependency,
  context: SecurityContext,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const problem = explainSecurityError(dependency, error, context);
    if (problem === undefined) throw error;
    throw new ConfigError([problem]);
  }
}

/** Kafka's context out of the parsed settings. */
export function kafkaContext(env: {
  KAFKA_BROKERS: string[];
  KAFKA_SSL: boolean;
  KAFKA_SASL_MECHANISM?: string | undefined;
}): SecurityContext {
  return { address: env.KAFKA_BROKERS.join(','), tls: env.KAFKA_SSL, mechanism: env.KAFKA_SASL_MECHANISM };
}

/** Cassandra's context out of the parsed settings. */
export function cassandraContext(env: {
  CASSANDRA_CONTACT_POINTS: string[];
  CASSANDRA_SSL: boolean;
  CASSANDRA_SECURE_CONNECT_BUNDLE?: string | undefined;
}): SecurityContext {
  const bundle = env.CASSANDRA_SECURE_CONNECT_BUNDLE;
  return bundle === undefined
    ? { address: env.CASSANDRA_CONTACT_POINTS.join(','), tls: env.CASSANDRA_SSL }
    : { address: `secure connect bundle ${bundle}`, tls: true };
}

/** The registry's context: its URL (without credentials). */
export function registryContext(url: string): SecurityContext {
  return { address: url, tls: url.startsWith('https:') };
}
