// The broker ceiling: Kafka's own ProducerPerformance, with the producer's record size and settings
// (acks=all, idempotence, the pinned compression).
import { createUserEncoder } from '@userstream/shared';
import { kafkaTool, stack } from '../../dev/index.ts';
import { log, trackedNames, type BenchContext } from '../context.ts';
import { stackCpu, stackCpuSince } from '../cpu.ts';
import { sampleRecords } from '../source.ts';
import { fmt, median, microsPerRecord } from '../stats.ts';

/** One ProducerPerformance run: its rate, its own JVM's CPU per record, and the broker's. */
interface BrokerRun {
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  kafkaCpuMicrosPerRecord: number;
}

/** The broker ceiling's figures (medians of the runs). */
export interface BrokerCeilingResult {
  recordsPerSecond: number;
  recordSize: number;
  records: number;
  reps: number[];
  /** ProducerPerformance's JVM, start-up included. */
  cpuMicrosPerRecord: number;
  kafkaCpuMicrosPerRecord: number;
  runs: BrokerRun[];
}

/** The mean size of an Avro-encoded user plus its key, over 1,000 real users. */
async function averageRecordSize(context: BenchContext): Promise<number> {
  const sample = await sampleRecords(context, 1_000, 'bench-size');
  const encode = createUserEncoder(1);
  return Math.round(sample.reduce((sum, r) => sum + encode(r).length + r.id.length, 0) / sample.length);
}

/** One ProducerPerformance run of `records` records of `recordSize` bytes on a topic of its own. */
async function brokerRun(context: BenchContext, recordSize: number, records: number): Promise<BrokerRun> {
  const names = trackedNames(context, 'bench_pp');
  const serversBefore = stackCpu();
  const result = await kafkaTool([
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    names.KAFKA_TOPIC,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${stack.KAFKA_BROKERS}`,
    'acks=all',
    'enable.idempotence=true',
    `compression.type=${context.settings.producerPinned.KAFKA_COMPRESSION}`,
  ]);
  const servers = stackCpuSince(serversBefore);
  const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(
    result.stdout.split('\n').filter(Boolean).pop() ?? '',
  );
  if (result.code !== 0 || !match)
    throw new Error(`ProducerPerformance failed:\n${result.stdout}\n${result.stderr}`);
  return {
    recordsPerSecond: Number(match[2]),
    cpuMicrosPerRecord: microsPerRecord(result.cpuSeconds, records),
    kafkaCpuMicrosPerRecord: microsPerRecord(servers.kafka, records),
  };
}

/** Times ProducerPerformance `settings.reps` times, one at a time (concurrent runs would measure each other). */
export async function brokerCeiling(context: BenchContext): Promise<BrokerCeilingResult> {
  const { settings } = context;
  const recordSize = await averageRecordSize(context);
  const runs: BrokerRun[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    runs.push(await brokerRun(context, recordSize, settings.brokerRecords));
    log(`broker ceiling: ${fmt(runs[rep]!.recordsPerSecond)} records/s`);
  }
  const rate = median(runs.map((r) => r.recordsPerSecond));
  log(`broker ceiling (ProducerPerformance, ${recordSize} B records): median ${fmt(rate)} records/s`);
  return {
    recordsPerSecond: rate,
    recordSize,
    records: settings.brokerRecords,
    reps: runs.map((r) => r.recordsPerSecond),
    cpuMicrosPerRecord: median(runs.map((r) => r.cpuMicrosPerRecord)),
    kafkaCpuMicrosPerRecord: median(runs.map((r) => r.kafkaCpuMicrosPerRecord)),
    runs,
  };
}
