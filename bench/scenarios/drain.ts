// The consumer drain: the records already in the topic, drained by 1 or 2 consumer processes; timed from
// their start until every partition's lag is 0 on its owner (every record written or dead-lettered). Their
// written counter counts the rows re-written after a rebalance twice and can reach the total early; the
// group's commit comes CASSANDRA_DURABILITY_DELAY_MS after the last write, so it is waited for (and checked)
// but not timed. One more drain with the delay at 0 shows what the durable commits cost.
import os from 'node:os';
import { applySchema, countRows } from '@userstream/shared';
import {
  committedToEnd,
  consumerProgress,
  kafkaClient,
  killServices,
  opsPort,
  scrape,
  startService,
  waitFor,
  watchProcess,
  type RunNames,
  type ServiceProcess,
} from '../../dev/index.ts';
import { cleanup, dropKeyspace, log, type BenchContext } from '../context.ts';
import { stackCpu, stackCpuSince } from '../cpu.ts';
import { fmt, median, microsPerRecord } from '../stats.ts';

/** One drain. */
export interface DrainRun {
  recordsPerSecond: number;
  seconds: number;
  steadyRecordsPerSecond: number;
  startupSeconds: number;
  stopSeconds: number;
  peakRssMiB: number;
  /** The consumers' CPU (all processes, from their start to the last commit) per row. */
  cpuMicrosPerRow: number;
  /** The same from the first written row on (start-up and group join left out). */
  steadyCpuMicrosPerRow: number;
  /** The stack servers' CPU over the drain per row. */
  cassandraCpuMicrosPerRow: number;
  kafkaCpuMicrosPerRow: number;
  /** What the machine could drain if the consumer cost nothing: cores ÷ (Cassandra + Kafka CPU per row). */
  serverBoundRowsPerSecond: number;
}

/** The medians of a drain's repetitions (the highest peak RSS), with every repetition kept. */
export type DrainSummary = DrainRun & { reps: DrainRun[] };

/** The drains by process count, and one process with the durability delay off. */
export interface DrainResult {
  one: DrainSummary;
  two: DrainSummary;
  oneNoDelay: DrainSummary;
}

/** True once the consumers on `ports` report all `partitions` partitions, each with a lag of 0. */
async function allWritten(ports: number[], partitions: number): Promise<boolean> {
  let series = 0;
  let lag = 0;
  for (const port of ports) {
    for (const [key, value] of await scrape(port)) {
      if (!key.startsWith('userstream_consumer_lag{')) continue;
      series++;
      lag += value;
    }
  }
  return series === partitions && lag === 0;
}

/** The rows the consumers on `ports` have written so far. */
const writtenBy = async (ports: number[]) => {
  let written = 0;
  for (const port of ports) written += consumerProgress(await scrape(port)).written;
  return written;
};

/** Drains `names`' topic with `processes` consumers into a keyspace of their own (rep-th time). */
export async function drain(
  context: BenchContext,
  names: RunNames,
  processes: number,
  rep: number,
  env: Record<string, string> = {},
): Promise<DrainRun> {
  const { db, settings } = context;
  const total = settings.records;
  const target = {
    ...names,
    CONSUMER_GROUP_ID: `${names.CONSUMER_GROUP_ID}_${processes}_${rep}${env.CASSANDRA_DURABILITY_DELAY_MS === '0' ? '_nodelay' : ''}`,
    CASSANDRA_KEYSPACE: `${names.CASSANDRA_KEYSPACE}_${processes}_${rep}`,
  };
  const consumers: ServiceProcess[] = [];
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    // The topic is complete before the drain starts: its end offsets are read once.
    const ends = await admin.fetchTopicOffsets(names.KAFKA_TOPIC);
    const done = () => committedToEnd(admin, target.CONSUMER_GROUP_ID, names.KAFKA_TOPIC, ends);
    await applySchema(db, {
      keyspace: target.CASSANDRA_KEYSPACE,
      table: 'users',
      replication: settings.replication,
    });
    const serversBefore = stackCpu();
    const started = performance.now();
    for (let i = 0; i < processes; i++)
      consumers.push(startService('consumer', { ...target, LOG_LEVEL: 'info', ...env }));
    const watchers = consumers.map((c) => watchProcess(c.child.pid!));
    const consumersCpu = () => watchers.reduce((sum, w) => sum + w.read().cpuSeconds, 0);
    const ports = await Promise.all(consumers.map(opsPort));
    // Also timed from the first written row, to show the steady rate apart from start-up and group join.
    let firstRow: { at: number; count: number; cpuSeconds: number } | undefined;
    // Every 250 ms until the counter is near the total; from there every 50 ms, so the finish is seen
    // within ~0.1 s.
    await waitFor(
      `${processes} consumer(s) to write 90% of ${total} rows`,
      async () => {
        const written = await writtenBy(ports);
        if (firstRow === undefined && written > 0)
          firstRow = { at: performance.now(), count: written, cpuSeconds: consumersCpu() };
        return written >= 0.9 * total || (await done()) ? true : undefined;
      },
      1_800_000,
    );
    await waitFor(
      `${processes} consumer(s) to write every record of ${names.KAFKA_TOPIC}`,
      async () => ((await allWritten(ports, ends.length)) ? true : undefined),
      1_800_000,
      50,
    );
    const finished = performance.now();
    const cpuSeconds = consumersCpu();
    const servers = stackCpuSince(serversBefore);
    await waitFor(
      `${target.CONSUMER_GROUP_ID} to commit the end of ${names.KAFKA_TOPIC}`,
      async () => ((await done()) ? true : undefined),
      1_800_000,
      200,
    );
    const committed = performance.now();
    const seconds = (finished - started) / 1000;
    // All at once, as `docker compose stop` does; the time a graceful stop takes is recorded too.
    const codes = await Promise.all(consumers.map((c) => c.stop()));
    const stopSeconds = (performance.now() - committed) / 1000;
    codes.forEach((code, i) => {
      if (code !== 0) throw new Error(`consumer exited ${code}:\n${consumers[i]!.output().slice(-3_000)}`);
    });
    const peak = Math.max(...watchers.map((w) => w.stop().peakRssMiB));
    const count = await countRows(db, target.CASSANDRA_KEYSPACE, 'users');
    if (count !== total) throw new Error(`drain: expected ${total} rows, found ${count}`);
    const steadySeconds = (finished - (firstRow?.at ?? started)) / 1000;
    const serversPerRow = (servers.cassandra + servers.kafka) / total;
    return {
      recordsPerSecond: total / seconds,
      seconds,
      steadyRecordsPerSecond: (total - (firstRow?.count ?? 0)) / steadySeconds,
      startupSeconds: ((firstRow?.at ?? started) - started) / 1000,
      stopSeconds,
      peakRssMiB: peak,
      cpuMicrosPerRow: microsPerRecord(cpuSeconds, total),
      steadyCpuMicrosPerRow: microsPerRecord(
        cpuSeconds - (firstRow?.cpuSeconds ?? 0),
        total - (firstRow?.count ?? 0),
      ),
      cassandraCpuMicrosPerRow: microsPerRecord(servers.cassandra, total),
      kafkaCpuMicrosPerRow: microsPerRecord(servers.kafka, total),
      serverBoundRowsPerSecond: os.availableParallelism() / serversPerRow,
    };
  } finally {
    // After a failure the consumers may still be writing: stopped before their keyspace goes.
    await cleanup('stop the consumers', () => killServices(consumers));
    await cleanup('disconnect the admin client', () => admin.disconnect());
    await dropKeyspace(context, target.CASSANDRA_KEYSPACE);
  }
}

/** The medians of a drain's repetitions (the highest peak RSS), with every repetition kept. */
function drainSummary(runs: DrainRun[]): DrainSummary {
  const mid = (pick: (run: DrainRun) => number) => median(runs.map(pick));
  return {
    recordsPerSecond: mid((r) => r.recordsPerSecond),
    seconds: mid((r) => r.seconds),
    steadyRecordsPerSecond: mid((r) => r.steadyRecordsPerSecond),
    startupSeconds: mid((r) => r.startupSeconds),
    stopSeconds: mid((r) => r.stopSeconds),
    cpuMicrosPerRow: mid((r) => r.cpuMicrosPerRow),
    steadyCpuMicrosPerRow: mid((r) => r.steadyCpuMicrosPerRow),
    cassandraCpuMicrosPerRow: mid((r) => r.cassandraCpuMicrosPerRow),
    kafkaCpuMicrosPerRow: mid((r) => r.kafkaCpuMicrosPerRow),
    serverBoundRowsPerSecond: mid((r) => r.serverBoundRowsPerSecond),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    reps: runs,
  };
}

/** Drains with 1 and 2 processes, alternating so that their repetitions share the machine's drift. */
export async function drainScenario(context: BenchContext, names: RunNames): Promise<DrainResult> {
  const runs: Record<keyof DrainResult, DrainRun[]> = { one: [], two: [], oneNoDelay: [] };
  const noDelay = { CASSANDRA_DURABILITY_DELAY_MS: '0' };
  for (let rep = 0; rep < context.settings.drainReps; rep++) {
    for (const [key, processes, env] of [
      ['one', 1, {}],
      ['oneNoDelay', 1, noDelay],
      ['two', 2, {}],
    ] as const) {
      const run = await drain(context, names, processes, rep, env);
      runs[key].push(run);
      log(
        `drain, ${processes} consumer(s)${key === 'oneNoDelay' ? ', durability delay 0' : ''}: ${fmt(run.recordsPerSecond)} records/s, ${run.cpuMicrosPerRow.toFixed(1)} µs CPU/row`,
      );
    }
  }
  return {
    one: drainSummary(runs.one),
    two: drainSummary(runs.two),
    oneNoDelay: drainSummary(runs.oneNoDelay),
  };
}
