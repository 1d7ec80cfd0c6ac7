// The sink ceiling: cassandra-driver alone, the same rows and prepared upsert as the consumer, no Kafka.
// Both ways of writing are swept (one row per request, and unlogged batches of rows) over several
// concurrencies; the best wins.
import { randomUUID } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { upsertParams, upsertStatement } from '@userstream/consumer';
import { applySchema, countRows, type UserRecord } from '@userstream/shared';
import { freshNames } from '../../dev/index.ts';
import { dropKeyspace, log, type BenchContext } from '../context.ts';
import { ownCpuSeconds, stackCpu, stackCpuSince } from '../cpu.ts';
import { sampleRecords } from '../source.ts';
import { fmt, median, microsPerRecord } from '../stats.ts';

/** One timed write of the sink ceiling: its rate and the CPU the bench (the client) and Cassandra spent per row. */
interface SinkAttempt {
  rate: number;
  clientCpuMicrosPerRow: number;
  cassandraCpuMicrosPerRow: number;
}

/** The sink ceiling's figures. */
export interface SinkCeilingResult {
  rowsPerSecond: number;
  best: string;
  /** The median other finalists (the best setting of the other way of writing). */
  others: { key: string; rate: number }[];
  sweep: Record<string, number>;
  sweepRows: number;
  reps: Record<string, number[]>;
  rows: number;
  /** Medians over the best setting's repetitions. */
  clientCpuMicrosPerRow: number;
  cassandraCpuMicrosPerRow: number;
}

const label = (rowsPerRequest: number, concurrency: number) =>
  `${rowsPerRequest} row(s)/request, concurrency ${concurrency}`;

/** Writes `count` rows shaped like `sample` (past it, records repeat with new ids) and times it. */
async function timedWrites(
  context: BenchContext,
  sample: UserRecord[],
  keyspace: string,
  [rowsPerRequest, concurrency]: readonly [number, number],
  count: number,
): Promise<SinkAttempt> {
  const { db, settings } = context;
  await applySchema(db, { keyspace, table: 'users', replication: settings.replication });
  const query = upsertStatement(keyspace, 'users');
  const ingestedAt = new Date();
  const records = Array.from({ length: count }, (_, i) =>
    i < sample.length ? sample[i]! : { ...sample[i % sample.length]!, id: randomUUID() },
  );
  const params = records.map((record, i) =>
    upsertParams({ record, partition: 0, offset: String(i) }, ingestedAt),
  );
  const requests: unknown[][][] = [];
  for (let i = 0; i < params.length; i += rowsPerRequest) requests.push(params.slice(i, i + rowsPerRequest));
  const [cpuBefore, serversBefore] = [ownCpuSeconds(), stackCpu()];
  const started = performance.now();
  if (rowsPerRequest === 1) {
    await cassandra.concurrent.executeConcurrent(db, query, params, {
      concurrencyLevel: concurrency,
      raiseOnFirstError: true,
    });
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests.length) {
          const batch = requests[next++]!;
          await db.batch(
            batch.map((p) => ({ query, params: p })),
            { prepare: true, logged: false },
          );
        }
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const [clientCpu, servers] = [ownCpuSeconds() - cpuBefore, stackCpuSince(serversBefore)];
  const written = await countRows(db, keyspace, 'users');
  if (written !== records.length)
    throw new Error(`sink ceiling: ${written} of ${records.length} rows written`);
  return {
    rate: records.length / seconds,
    clientCpuMicrosPerRow: microsPerRecord(clientCpu, records.length),
    cassandraCpuMicrosPerRow: microsPerRecord(servers.cassandra, records.length),
  };
}

/** Sweeps the sink settings, then times the best of each way of writing on as many rows as a drain. */
export async function sinkCeiling(context: BenchContext): Promise<SinkCeilingResult> {
  const { settings } = context;
  const sample = await sampleRecords(context, settings.sinkRows, 'bench-sink');
  // Each attempt in a keyspace of its own, dropped whatever happens.
  const attempt = async (setting: readonly [number, number], count: number): Promise<SinkAttempt> => {
    const keyspace = freshNames('bench_sink').CASSANDRA_KEYSPACE;
    try {
      return await timedWrites(context, sample, keyspace, setting, count);
    } finally {
      await dropKeyspace(context, keyspace);
    }
  };
  const sweep: Record<string, number> = {};
  // The best setting of each way of writing: which one wins on a short run does not always win on a long one.
  const finalists = new Map<number, { setting: readonly [number, number]; rate: number }>();
  // A first pass warms Cassandra up (JIT, memtables), so the sweep compares like with like.
  await attempt([1, 256], settings.sinkRows);
  for (const setting of settings.sinkSweep) {
    const { rate } = await attempt(setting, settings.sinkRows);
    sweep[label(...setting)] = rate;
    if (rate > (finalists.get(setting[0])?.rate ?? 0)) finalists.set(setting[0], { setting, rate });
    log(`sink: ${label(...setting)}: ${fmt(rate)} rows/s`);
  }
  // The ceiling itself writes as many rows as the drain does, so it pays the same memtable flushes and
  // compactions (a short sweep run is ~15-20% faster than a 500,000-row one). Both finalists are timed,
  // alternating so that they share the machine's drift; the better median is the ceiling.
  const reps = new Map<string, SinkAttempt[]>();
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const { setting } of finalists.values()) {
      const key = label(...setting);
      const result = await attempt(setting, settings.records);
      reps.set(key, [...(reps.get(key) ?? []), result]);
      log(`sink: ${key}, ${fmt(settings.records)} rows: ${fmt(result.rate)} rows/s`);
    }
  }
  const medians = [...reps].map(([key, runs]) => ({ key, rate: median(runs.map((r) => r.rate)) }));
  const { key: best, rate } = medians.reduce((a, b) => (b.rate > a.rate ? b : a));
  const bestRuns = reps.get(best)!;
  return {
    rowsPerSecond: rate,
    best,
    others: medians.filter((m) => m.key !== best),
    sweep,
    sweepRows: settings.sinkRows,
    reps: Object.fromEntries([...reps].map(([key, runs]) => [key, runs.map((r) => r.rate)])),
    rows: settings.records,
    clientCpuMicrosPerRow: median(bestRuns.map((r) => r.clientCpuMicrosPerRow)),
    cassandraCpuMicrosPerRow: median(bestRuns.map((r) => r.cassandraCpuMicrosPerRow)),
  };
}
