// Our producer, `--once`, against the offline source whose pages are rendered in advance: fetch, validate,
// Avro, publish, timed by its own run summary.
import { watchProcess, startService, type RunNames } from '../../dev/index.ts';
import { log, trackedNames, type BenchContext } from '../context.ts';
import { cpuWhenLogged } from '../cpu.ts';
import { prerenderProducerPages, sourceCacheHits } from '../source.ts';
import { fmt, median, microsPerRecord } from '../stats.ts';

/** One producer run. */
export interface ProducerRun {
  published: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMiB: number;
  /** Process CPU from its start to its run summary, per record published. */
  cpuMicrosPerRecord: number;
  /** The same without the CPU spent before it logged "starting producer" (loading its modules). */
  cpuMicrosPerRecordAfterStartup: number;
}

/** The producer's figures: medians of the runs, every run kept. */
export interface ProducerResult {
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  cpuMicrosPerRecordAfterStartup: number;
  runs: ProducerRun[];
  sourcePagesPrerendered: number;
  prerenderSeconds: number;
}

/** Runs the producer once, publishing `settings.records` users to `names`' topic. */
export async function producerRun(context: BenchContext, names: RunNames): Promise<ProducerRun> {
  const { settings, source } = context;
  const hitsBefore = await sourceCacheHits(context);
  const producer = startService(
    'producer',
    {
      ...names,
      ...settings.producerPinned,
      RANDOMUSER_URL: source.url,
      RANDOMUSER_SEED: settings.producerSeed,
      PRODUCER_PAGE_SIZE: String(settings.producerPageSize),
      PRODUCER_BATCH_SIZE: String(settings.records),
      LOG_LEVEL: 'info',
    },
    ['--once'],
  );
  const watch = watchProcess(producer.child.pid!, 100);
  const startupCpu = cpuWhenLogged(producer, watch, /"msg":"starting producer"/);
  const finishCpu = cpuWhenLogged(producer, watch, /"msg":"run finished"/);
  const code = await producer.exited;
  const usage = watch.stop();
  if (code !== 0) throw new Error(`producer failed:\n${producer.output().slice(-3_000)}`);
  const summary = /"published":(\d+).*"durationMs":(\d+)/.exec(producer.output());
  if (!summary) throw new Error('no run summary in the producer output');
  // Every page must have come from the source's cache, or the figure would include generating users.
  const hits = (await sourceCacheHits(context)) - hitsBefore;
  if (hits < Math.ceil(settings.records / settings.producerPageSize))
    throw new Error(`producer: only ${hits} of its pages were pre-rendered`);
  const [published, seconds] = [Number(summary[1]), Number(summary[2]) / 1000];
  const [atStart, atFinish] = [await startupCpu, await finishCpu];
  return {
    published,
    seconds,
    recordsPerSecond: published / seconds,
    peakRssMiB: usage.peakRssMiB,
    cpuMicrosPerRecord: microsPerRecord(atFinish, published),
    cpuMicrosPerRecordAfterStartup: microsPerRecord(atFinish - atStart, published),
  };
}

/**
 * Pre-renders the source's pages, then runs the producer `settings.reps` times, each on a topic of its own;
 * the first topic is returned for the drains.
 */
export async function producerScenario(
  context: BenchContext,
): Promise<{ result: ProducerResult; drainNames: RunNames }> {
  const { settings } = context;
  const prerenderSeconds = await prerenderProducerPages(context);
  log(
    `source: ${settings.producerPages} pages of the producer runs rendered in ${prerenderSeconds.toFixed(1)} s`,
  );
  const runs: ProducerRun[] = [];
  let drainNames: RunNames | undefined;
  for (let rep = 0; rep < settings.reps; rep++) {
    const names = trackedNames(context, 'bench_drain');
    drainNames ??= names;
    const run = await producerRun(context, names);
    log(
      `producer: ${fmt(run.recordsPerSecond)} records/s (${run.seconds.toFixed(1)} s), ${run.cpuMicrosPerRecord.toFixed(1)} µs CPU/record`,
    );
    runs.push(run);
  }
  const mid = (pick: (run: ProducerRun) => number) => median(runs.map(pick));
  return {
    result: {
      recordsPerSecond: mid((r) => r.recordsPerSecond),
      cpuMicrosPerRecord: mid((r) => r.cpuMicrosPerRecord),
      cpuMicrosPerRecordAfterStartup: mid((r) => r.cpuMicrosPerRecordAfterStartup),
      runs,
      sourcePagesPrerendered: settings.producerPages,
      prerenderSeconds,
    },
    drainNames: drainNames!,
  };
}
