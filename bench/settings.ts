// What a bench run does, from its command line and environment: `--quick` and BENCH_RECORDS.

/** The sizes, sweeps and repetitions of one bench run. */
export interface BenchSettings {
  quick: boolean;
  /** Records per drain, producer run and sink ceiling. */
  records: number;
  /** Rows per point of the sink sweep. */
  sinkRows: number;
  /** The sink settings swept: [rows per request, requests in flight]. */
  sinkSweep: readonly (readonly [number, number])[];
  /** Records per ProducerPerformance run. */
  brokerRecords: number;
  /** Repetitions of the ceilings and the producer. */
  reps: number;
  /** Repetitions of each drain. */
  drainReps: number;
  latencySeconds: number;
  latencyRate: number;
  latencyTickMs: number;
  /** Users per producer run in the latency scenario. */
  latencyRunSize: number;
  /** The producer's page size (its default). */
  producerPageSize: number;
  /** A fixed seed, so the source can render the producer's pages in advance. */
  producerSeed: string;
  producerPages: number;
  /** The services inherit the bench's environment: what must match ProducerPerformance's settings is pinned. */
  producerPinned: { KAFKA_COMPRESSION: string };
  replication: string;
}

/** The settings for `argv` (`--quick`) and `env` (BENCH_RECORDS). */
export function benchSettings(argv: readonly string[], env: NodeJS.ProcessEnv): BenchSettings {
  const quick = argv.includes('--quick');
  // The quick mode checks that the bench works, in about two minutes: fewer records and sweep points, the
  // same repetitions.
  const records = Number(env.BENCH_RECORDS ?? (quick ? 20_000 : 500_000));
  const producerPageSize = 2_000;
  const producerPages = Math.ceil(records / producerPageSize);
  if (producerPages > 1_000)
    throw new Error('BENCH_RECORDS: at most 2,000,000 (the source keeps 1,000 pages)');
  const latencyRate = 2_000;
  // A steady rate: a run of latencyRate / 10 users every 100 ms (POST /runs), not one burst a second, whose
  // last rows would wait for the whole burst to be drained and measure the drain rate instead of latency.
  const latencyTickMs = 100;
  return {
    quick,
    records,
    sinkRows: quick ? 20_000 : 100_000,
    // The quick mode leaves out the two that have never been a run's best (one row at 128 requests, ten
    // rows at 16).
    sinkSweep: quick
      ? [
          [1, 256],
          [1, 512],
          [10, 32],
          [10, 64],
          [10, 128],
        ]
      : [
          [1, 128],
          [1, 256],
          [1, 512],
          [10, 16],
          [10, 32],
          [10, 64],
          [10, 128],
        ],
    // ProducerPerformance runs its own JVM: on 50,000 records (a few seconds) it measures mostly its
    // warm-up, so a quick run's ceiling gets at least 200,000.
    brokerRecords: Math.max(records, 200_000),
    // The ceilings and the producer are timed three times, the median reported; a full drain takes over a
    // minute per process count, so only the quick mode repeats the drains.
    reps: 3,
    drainReps: quick ? 3 : 1,
    latencySeconds: quick ? 10 : 60,
    latencyRate,
    latencyTickMs,
    latencyRunSize: (latencyRate * latencyTickMs) / 1_000,
    producerPageSize,
    producerSeed: 'bench-producer',
    producerPages,
    producerPinned: { KAFKA_COMPRESSION: 'zstd' },
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  };
}
