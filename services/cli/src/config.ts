import { existsSync, readFileSync } from 'node:fs';
import { parseEnv as parseDotenv } from 'node:util';
import { z } from 'zod';
import {
  cassandraEnvShape,
  credentialPairs,
  distinctDlqTopic,
  CASSANDRA_CREDENTIALS,
  REGISTRY_CREDENTIALS,
  kafkaEnvShape,
  logLevel,
  parseEnv,
} from '@userstream/shared';

/** The settings the command line reads: the services' own variables (same names, same defaults). */
export const cliEnvSchema = z
  .object({
    ...kafkaEnvShape,
    ...cassandraEnvShape,
    CONSUMER_GROUP_ID: z.string().min(1).default('userstream-cassandra-sink'),
    // The clients' own logs, on stderr; none by default (each command reports its failure in one line). Not
    // LOG_LEVEL: a .env that makes the services verbose would make every command noisy too.
    CLI_LOG_LEVEL: logLevel.default('silent'),
  })
  .superRefine(distinctDlqTopic)
  .superRefine(credentialPairs(CASSANDRA_CREDENTIALS, REGISTRY_CREDENTIALS));

export type CliConfig = z.output<typeof cliEnvSchema>;

/**
 * The environment with `.env` of the working directory beneath it, as Compose reads it for the services:
 * a variable set in the environment wins over the file.
 */
export function environmentWithDotenv(
  env: NodeJS.ProcessEnv = process.env,
  dotenvPath = '.env',
): NodeJS.ProcessEnv {
  if (!existsSync(dotenvPath)) return env;
  return { ...parseDotenv(readFileSync(dotenvPath, 'utf8')), ...env };
}

/** Parses the command line's settings or throws ConfigError naming every bad variable. */
export function loadCliConfig(env: NodeJS.ProcessEnv = environmentWithDotenv()): CliConfig {
  return parseEnv(cliEnvSchema, env);
}
