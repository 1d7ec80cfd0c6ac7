// Settings for secured clusters: TLS and SASL to Kafka, TLS (or a secure connect bundle) to Cassandra, a
// CA for an HTTPS registry, and secrets read from files (<NAME>_FILE, the Docker secrets convention).
// Parsed with the rest of each service's environment (env.ts); turned into client options by
// clients/security-options.ts.
import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';
import { isSecretName } from '../observability/redact.ts';

/** What a `_FILE` variable's resolution gives parseEnv: the environment with the secrets read, and problems. */
export interface SecretFiles {
  env: NodeJS.ProcessEnv;
  problems: string[];
}

/**
 * Reads every secret variable (a name isSecretName accepts: passwords, user names, tokens) given as
 * `<NAME>_FILE=path` into `<NAME>`: the file's content without one trailing line break. Setting both, an
 * unreadable file and an empty one are problems; none of them shows a secret.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv): SecretFiles {
  const resolved: NodeJS.ProcessEnv = { ...env };
  const problems: string[] = [];
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || path === undefined || path === '') continue;
    const name = key.slice(0, -'_FILE'.length);
    if (!isSecretName(name)) continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${key}: both ${name} and ${key} are set; set only one`);
      continue;
    }
    let content: string;
    try {
      content = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${key}: cannot read ${path} (${fileErrorReason(error)})`);
      continue;
    }
    if (content === '') problems.push(`${key}: ${path} is empty`);
    else resolved[name] = content;
  }
  return { env: resolved, problems };
}

/** A short reason for a failed file access: "no such file", "permission denied", or the error code. */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a directory, not a file';
  return code ?? String(error);
}

/** A path to a readable file; with `pem`, one holding at least one PEM block (a CA, certificate or key). */
function fileVar(kind: 'pem' | 'any') {
  return z.string().superRefine((path, ctx) => {
    try {
      accessSync(path, constants.R_OK);
      if (kind === 'pem' && !readFileSync(path, 'utf8').includes('-----BEGIN ')) {
        ctx.addIssue({ code: 'custom', message: `${path} is not a PEM file (no -----BEGIN line)` });
      }
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${fileErrorReason(error)})` });
    }
  });
}

const boolean = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** The SASL mechanisms kafkajs offers with a user name and password. */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Kafka's TLS and SASL variables (in kafkaEnvShape). */
export const kafkaSecurityEnvShape = {
  KAFKA_SSL: boolean(false),
  KAFKA_SSL_CA_FILE: fileVar('pem').optional(),
  KAFKA_SSL_CERT_FILE: fileVar('pem').optional(),
  KAFKA_SSL_KEY_FILE: fileVar('pem').optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: boolean(true),
  KAFKA_SASL_MECHANISM: z
    .enum(SASL_MECHANISMS, { message: 'expected plain, scram-sha-256 or scram-sha-512' })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
};

/** The schema registry's CA (in kafkaEnvShape, beside its URL and basic auth). */
export const registrySecurityEnvShape = {
  SCHEMA_REGISTRY_SSL_CA_FILE: fileVar('pem').optional(),
};

/** Cassandra's TLS variables and Astra's secure connect bundle (in cassandraEnvShape). */
export const cassandraSecurityEnvShape = {
  CASSANDRA_SSL: boolean(false),
  CASSANDRA_SSL_CA_FILE: fileVar('pem').optional(),
  CASSANDRA_SSL_CERT_FILE: fileVar('pem').optional(),
  CASSANDRA_SSL_KEY_FILE: fileVar('pem').optional(),
  CASSANDRA_SECURE_CONNECT_BUNDLE: fileVar('any').optional(),
};

type Issue = (path: string, message: string) => void;

function issues(ctx: z.RefinementCtx): Issue {
  return (path, message) => ctx.addIssue({ code: 'custom', path: [path], message });
}

/** A certificate and its key go together (mutual TLS). */
function certAndKey(prefix: 'KAFKA' | 'CASSANDRA', config: Record<string, unknown>, add: Issue): void {
  const cert = `${prefix}_SSL_CERT_FILE`;
  const key = `${prefix}_SSL_KEY_FILE`;
  if ((config[cert] === undefined) !== (config[key] === undefined)) {
    const [set, missing] = config[cert] === undefined ? [key, cert] : [cert, key];
    add(missing, `required when ${set} is set (mutual TLS needs the certificate and its key)`);
  }
}

/** TLS settings mean nothing without TLS on: refuse them rather than silently connect in plaintext. */
function tlsSettingsNeedTls(
  flag: 'KAFKA_SSL' | 'CASSANDRA_SSL',
  names: readonly string[],
  config: Record<string, unknown>,
  add: Issue,
): void {
  if (config[flag] === true) return;
  for (const name of names) {
    if (config[name] !== undefined) add(name, `is set but ${flag} is false: set ${flag}=true to use TLS`);
  }
}

/** Cross-variable rules of kafkaSecurityEnvShape, for an object schema's superRefine. */
export function kafkaSecurityRules(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const add = issues(ctx);
  tlsSettingsNeedTls(
    'KAFKA_SSL',
    ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'],
    config,
    add,
  );
  if (config['KAFKA_SSL'] !== true && config['KAFKA_SSL_REJECT_UNAUTHORIZED'] === false) {
    add('KAFKA_SSL_REJECT_UNAUTHORIZED', 'is false but KAFKA_SSL is false: it only applies to TLS');
  }
  certAndKey('KAFKA', config, add);
  const mechanism = config['KAFKA_SASL_MECHANISM'] as string | undefined;
  for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']) {
    if (mechanism !== undefined && config[name] === undefined) {
      add(name, `required when KAFKA_SASL_MECHANISM is set (${mechanism})`);
    }
    if (mechanism === undefined && config[name] !== undefined) {
      add('KAFKA_SASL_MECHANISM', `required when ${name} is set: plain, scram-sha-256 or scram-sha-512`);
      break;
    }
  }
}

/** Cross-variable rules of cassandraSecurityEnvShape, for an object schema's superRefine. */
export function cassandraSecurityRules(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const add = issues(ctx);
  tlsSettingsNeedTls(
    'CASSANDRA_SSL',
    ['CASSANDRA_SSL_CA_FILE', 'CASSANDRA_SSL_CERT_FILE', 'CASSANDRA_SSL_KEY_FILE'],
    config,
    add,
  );
  certAndKey('CASSANDRA', config, add);
  if (config['CASSANDRA_SECURE_CONNECT_BUNDLE'] !== undefined) {
    if (config['CASSANDRA_SSL'] === true) {
      add(
        'CASSANDRA_SSL',
        'must be false with CASSANDRA_SECURE_CONNECT_BUNDLE: the bundle carries its own TLS settings',
      );
    }
    if (config['CASSANDRA_USERNAME'] === undefined) {
      add(
        'CASSANDRA_USERNAME',
        'required with CASSANDRA_SECURE_CONNECT_BUNDLE (Astra: "token", with the token as CASSANDRA_PASSWORD)',
      );
    }
  }
}
