// What every scenario shares: the settings, the Cassandra session, the offline source, the log, and the
// topics and keyspaces to clean up.
import type cassandra from 'cassandra-driver';
import { freshNames, type RunNames, type ServiceProcess } from '../dev/index.ts';
import type { BenchSettings } from './settings.ts';

/** The offline randomuser source the producer scenarios fetch from. */
export interface BenchSource {
  service: ServiceProcess;
  port: number;
  /** The API's base URL, as RANDOMUSER_URL takes it. */
  url: string;
}

/** The state a bench run's scenarios share. */
export interface BenchContext {
  settings: BenchSettings;
  db: cassandra.Client;
  source: BenchSource;
  /** Topics the run created, deleted at the end so repeated runs do not pile up data in the broker. */
  createdTopics: Set<string>;
}

/** Prints a progress line. */
export const log = (message: string) => console.log(`[bench] ${message}`);

/** One cleanup step: a failure is logged, not thrown, so the other steps still run and the first error stands. */
export async function cleanup(what: string, step: () => unknown): Promise<void> {
  try {
    await step();
  } catch (error) {
    log(`cleanup: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Fresh names whose topics are deleted at the end of the run. */
export function trackedNames(context: BenchContext, prefix: string): RunNames {
  const names = freshNames(prefix);
  context.createdTopics.add(names.KAFKA_TOPIC);
  context.createdTopics.add(names.KAFKA_DLQ_TOPIC);
  return names;
}

/** Drops a keyspace, logging rather than throwing on failure. */
export const dropKeyspace = (context: BenchContext, keyspace: string) =>
  cleanup(`drop keyspace ${keyspace}`, () => context.db.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`));
