import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

export interface RegistryConfig {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
}

/** The registry settings out of a parsed environment (kafkaEnvShape). */
export function registryConfigFrom(env: {
  SCHEMA_REGISTRY_URL: string;
  SCHEMA_REGISTRY_USERNAME?: string | undefined;
  SCHEMA_REGISTRY_PASSWORD?: string | undefined;
}): RegistryConfig {
  return {
    url: env.SCHEMA_REGISTRY_URL,
    username: env.SCHEMA_REGISTRY_USERNAME,
    password: env.SCHEMA_REGISTRY_PASSWORD,
  };
}

/** A Confluent Schema Registry client (works with Apicurio's ccompat API too). */
export function createRegistry(config: RegistryConfig): SchemaRegistry {
  const auth =
    config.username !== undefined && config.password !== undefined
      ? { username: config.username, password: config.password }
      : undefined;
  return new SchemaRegistry({ host: config.url, ...(auth ? { auth } : {}) });
}

/** Resolves when the registry answers GET /subjects; for readiness checks. */
export async function pingRegistry(config: RegistryConfig, signal?: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {};
  if (config.username !== undefined && config.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  }
  const response = await fetch(
    new URL('subjects', config.url.endsWith('/') ? config.url : `${config.url}/`),
    {
      headers,
      ...(signal ? { signal } : {}),
    },
  );
  if (!response.ok) throw new Error(`registry answered HTTP ${response.status}`);
}
