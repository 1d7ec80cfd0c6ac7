// End-to-end latency at a steady rate: the producer is asked for a run of `latencyRunSize` users every
// `latencyTickMs` (its schedule never fires during the bench); a tick that finds a run still going is
// refused (409) and shows in the offered rate.
import {
  consumerProgress,
  histogramBuckets,
  histogramMaxBound,
  histogramQuantile,
  killServices,
  opsPort,
  sampleValue,
  scrape,
  startService,
  topicSize,
  waitFor,
  watchProcess,
  type ServiceProcess,
} from '../../dev/index.ts';
import { cleanup, dropKeyspace, log, trackedNames, type BenchContext } from '../context.ts';
import { microsPerRecord } from '../stats.ts';

/** The latency scenario's figures (milliseconds for the quantiles). */
export interface LatencyResult {
  offeredRate: number;
  runsStarted: number;
  runsRefused: number;
  p50: number;
  p95: number;
  p99: number;
  maxBound: number;
  samples: number;
  published: number;
  tailWaitSeconds: number;
  /** Records published but not yet written when the histogram was read (0 unless the wait timed out). */
  unwrittenAtLastScrape: number;
  producerPeakRssMiB: number;
  consumerPeakRssMiB: number;
  /** Process CPU over the measured window, per record published (producer) and handled (consumer). */
  producerCpuMicrosPerRecord: number;
  consumerCpuMicrosPerRow: number;
}

const PUBLISHED = 'userstream_producer_records_published_total';
const LATENCY = 'userstream_consumer_produce_to_write_seconds';

/** Runs the producer at the steady rate for `latencySeconds` (after a 5 s warm-up) and reads the histogram. */
export async function latencyScenario(context: BenchContext): Promise<LatencyResult> {
  const { settings } = context;
  const names = trackedNames(context, 'bench_lat');
  let ticker: NodeJS.Timeout | undefined;
  const services: ServiceProcess[] = [];
  try {
    const consumer = startService('consumer', { ...names, LOG_LEVEL: 'info' });
    services.push(consumer);
    await consumer.waitForOutput(/"msg":"consuming"/);
    const consumerPort = await opsPort(consumer);
    const consumerUsage = watchProcess(consumer.child.pid!);
    const producer = startService('producer', {
      ...names,
      ...settings.producerPinned,
      RANDOMUSER_URL: context.source.url,
      PRODUCER_BATCH_SIZE: String(settings.latencyRunSize),
      PRODUCER_PAGE_SIZE: String(settings.latencyRunSize),
      PRODUCER_SCHEDULE: '0 0 1 1 *',
      PRODUCER_RUN_ON_START: 'false',
      LOG_LEVEL: 'info',
    });
    services.push(producer);
    const producerUsage = watchProcess(producer.child.pid!);
    const producerPort = await opsPort(producer);
    await waitFor('the producer to be ready', async () =>
      (await fetch(`http://127.0.0.1:${producerPort}/readyz`)).ok ? true : undefined,
    );
    const ticks = { started: 0, refused: 0 };
    ticker = setInterval(() => {
      fetch(`http://127.0.0.1:${producerPort}/runs`, { method: 'POST' })
        .then(async (answer) => {
          if (answer.status === 202) ticks.started++;
          else ticks.refused++;
          await answer.body?.cancel();
        })
        .catch(() => ticks.refused++);
    }, settings.latencyTickMs);
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // warm-up, not measured
    const ticksBefore = { ...ticks };
    const before = await scrape(consumerPort);
    const cpuBefore = {
      producer: producerUsage.read().cpuSeconds,
      consumer: consumerUsage.read().cpuSeconds,
    };
    const publishedBefore = sampleValue(await scrape(producerPort), PUBLISHED);
    await new Promise((resolve) => setTimeout(resolve, settings.latencySeconds * 1_000));
    const publishedAfter = sampleValue(await scrape(producerPort), PUBLISHED);
    const producerCpu = producerUsage.read().cpuSeconds - cpuBefore.producer;
    const refused = ticks.refused - ticksBefore.refused;
    const started = ticks.started - ticksBefore.started;
    clearInterval(ticker);
    await producer.stop();
    // The last scrape waits (bounded) for every published record, else the rows the consumer is behind
    // on, the slowest, would be missing from p99 and max exactly when it falls behind. The topic is this
    // scenario's own, so its size is everything the producer published.
    const published = await topicSize(names.KAFKA_TOPIC);
    const waitStarted = performance.now();
    await waitFor(
      `the consumer to handle all ${published} records`,
      async () => (consumerProgress(await scrape(consumerPort)).handled >= published ? true : undefined),
      60_000,
      50,
    ).catch((error: unknown) => log(`latency: ${error instanceof Error ? error.message : String(error)}`));
    const tailWaitSeconds = (performance.now() - waitStarted) / 1000;
    const after = await scrape(consumerPort);
    const consumerCpu = consumerUsage.read().cpuSeconds - cpuBefore.consumer;
    const handled = consumerProgress(after).handled;
    await consumer.stop();
    const [b, a] = [histogramBuckets(before, LATENCY), histogramBuckets(after, LATENCY)];
    return {
      offeredRate: (publishedAfter - publishedBefore) / settings.latencySeconds,
      runsStarted: started,
      runsRefused: refused,
      p50: histogramQuantile(0.5, b, a) * 1000,
      p95: histogramQuantile(0.95, b, a) * 1000,
      p99: histogramQuantile(0.99, b, a) * 1000,
      maxBound: histogramMaxBound(b, a) * 1000,
      samples: sampleValue(after, `${LATENCY}_count`) - sampleValue(before, `${LATENCY}_count`),
      published,
      tailWaitSeconds,
      unwrittenAtLastScrape: Math.max(0, published - handled),
      producerPeakRssMiB: producerUsage.stop().peakRssMiB,
      consumerPeakRssMiB: consumerUsage.stop().peakRssMiB,
      producerCpuMicrosPerRecord: microsPerRecord(producerCpu, publishedAfter - publishedBefore),
      consumerCpuMicrosPerRow: microsPerRecord(consumerCpu, handled - consumerProgress(before).handled),
    };
  } finally {
    clearInterval(ticker);
    await cleanup('stop the latency services', () => killServices(services));
    await dropKeyspace(context, names.CASSANDRA_KEYSPACE);
  }
}
