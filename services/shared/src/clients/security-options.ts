// Client options for secured clusters out of the parsed settings (config/security-env.ts): one place for
// the producer, the consumer, their admin clients and the tools.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { SASL_MECHANISMS } from '../config/security-env.ts';

/** The Kafka settings security options are built from (kafkaEnvShape's, parsed). */
export interface KafkaSecuritySettings {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_CERT_FILE?: string | undefined;
  KAFKA_SSL_KEY_FILE?: string | undefined;
  KAFKA_SSL_REJECT_UNAUTHORIZED: boolean;
  KAFKA_SASL_MECHANISM?: (typeof SASL_MECHANISMS)[number] | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

/** kafkajs's `ssl` and `sasl` options. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
}

/** kafkajs's TLS and SASL options; files are read here (the settings were checked readable at parse). */
export function kafkaSecurityFrom(settings: KafkaSecuritySettings): KafkaSecurity {
  const security: KafkaSecurity = {};
  if (settings.KAFKA_SSL) {
    security.ssl = {
      rejectUnauthorized: settings.KAFKA_SSL_REJECT_UNAUTHORIZED,
      ...pemFiles(settings.KAFKA_SSL_CA_FILE, settings.KAFKA_SSL_CERT_FILE, settings.KAFKA_SSL_KEY_FILE),
    };
  }
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = settings;
  const password = settings.KAFKA_SASL_PASSWORD;
  if (mechanism !== undefined && username !== undefined && password !== undefined) {
    security.sasl = { mechanism, username, password };
  }
  return security;
}

/** The Cassandra settings security options are built from (cassandraEnvShape's, parsed). */
export interface CassandraSecuritySettings {
  CASSANDRA_SSL: boolean;
  CASSANDRA_SSL_CA_FILE?: string | undefined;
  CASSANDRA_SSL_CERT_FILE?: string | undefined;
  CASSANDRA_SSL_KEY_FILE?: string | undefined;
  CASSANDRA_SECURE_CONNECT_BUNDLE?: string | undefined;
}

/** cassandra-driver's `sslOptions`, or its `cloud` option for a secure connect bundle. */
export interface CassandraSecurity {
  sslOptions?: ConnectionOptions;
  cloud?: { secureConnectBundle: string };
}

/**
 * cassandra-driver's TLS options. Certificates are always verified, host names (or IP addresses) included:
 * the driver itself defaults to rejectUnauthorized false.
 */
export function cassandraSecurityFrom(settings: CassandraSecuritySettings): CassandraSecurity {
  if (settings.CASSANDRA_SECURE_CONNECT_BUNDLE !== undefined) {
    return { cloud: { secureConnectBundle: settings.CASSANDRA_SECURE_CONNECT_BUNDLE } };
  }
  if (!settings.CASSANDRA_SSL) return {};
  return {
    sslOptions: {
      rejectUnauthorized: true,
      ...pemFiles(
        settings.CASSANDRA_SSL_CA_FILE,
        settings.CASSANDRA_SSL_CERT_FILE,
        settings.CASSANDRA_SSL_KEY_FILE,
      ),
    },
  };
}

/** The registry's CA, when SCHEMA_REGISTRY_SSL_CA_FILE is set (its content). */
export function registryCaFrom(settings: {
  SCHEMA_REGISTRY_SSL_CA_FILE?: string | undefined;
}): string | undefined {
  const file = settings.SCHEMA_REGISTRY_SSL_CA_FILE;
  return file === undefined ? undefined : readFileSync(file, 'utf8');
}

function pemFiles(ca?: string, cert?: string, key?: string): Pick<ConnectionOptions, 'ca' | 'cert' | 'key'> {
  return {
    ...(ca !== undefined ? { ca: readFileSync(ca, 'utf8') } : {}),
    ...(cert !== undefined ? { cert: readFileSync(cert, 'utf8') } : {}),
    ...(key !== undefined ? { key: readFileSync(key, 'utf8') } : {}),
  };
}
