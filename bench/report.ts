// The bench's results (typed), its Markdown table, and the files it writes: bench-results/<time>.json,
// latest.json and latest.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Machine, pipelineSettings } from './machine.ts';
import type { BrokerCeilingResult } from './scenarios/producer-performance.ts';
import type { DrainResult, DrainSummary } from './scenarios/drain.ts';
import type { LatencyResult } from './scenarios/latency.ts';
import type { ProducerResult } from './scenarios/producer.ts';
import type { SinkCeilingResult } from './scenarios/sink-ceiling.ts';
import type { BenchSettings } from './settings.ts';
import { fmt } from './stats.ts';

/** Everything a run measured, as written to its JSON file. */
export interface BenchResults {
  machine: Machine;
  cassandra: string;
  mode: 'quick' | 'full';
  records: number;
  pipeline: ReturnType<typeof pipelineSettings>;
  sinkCeiling: SinkCeilingResult;
  broker: BrokerCeilingResult;
  producer: ProducerResult;
  drain: DrainResult;
  latency: LatencyResult;
  memory: { producerPeakRssMiB: number; consumerPeakRssMiB: number };
  durationSeconds: number;
}

/** The targets (issue 22): CPU per record of our processes, peak RSS, and p99 latency at the steady rate. */
export const TARGETS = {
  consumerCpuMicrosPerRow: 25,
  producerCpuMicrosPerRecord: 35,
  peakRssMiB: 150,
  p99Ms: 100,
};

/** One table row: scenario, result, CPU per record, ratio to its ceiling, target (or notes), verdict. */
export type ReportRow = [string, string, string, string, string, string];

/** met/missed against a target; a quick run's figures are too short to judge, so it says so instead. */
export function verdict(quick: boolean, met: boolean): string {
  if (quick) return 'not judged (quick)';
  return met ? 'met' : 'missed';
}

const us = (micros: number) => `${micros.toFixed(1)} µs`;

function sinkRows(r: BenchResults, s: BenchSettings): ReportRow[] {
  const sink = r.sinkCeiling;
  return [
    [
      'Sink ceiling (cassandra-driver alone)',
      `${fmt(sink.rowsPerSecond)} rows/s`,
      `client ${us(sink.clientCpuMicrosPerRow)}; Cassandra ${us(sink.cassandraCpuMicrosPerRow)}`,
      '',
      [
        `${sink.best}; ${fmt(sink.rows)} rows, median of ${s.reps}`,
        ...sink.others.map((m) => `other kind: ${m.key}, median ${fmt(m.rate)}`),
      ].join('; '),
      '',
    ],
  ];
}

function producerRows(r: BenchResults, s: BenchSettings): ReportRow[] {
  const { broker, producer } = r;
  return [
    [
      `Broker ceiling (ProducerPerformance, acks=all, ${s.producerPinned.KAFKA_COMPRESSION})`,
      `${fmt(broker.recordsPerSecond)} rec/s`,
      `ProducerPerformance ${us(broker.cpuMicrosPerRecord)} (JVM start included); Kafka ${us(broker.kafkaCpuMicrosPerRecord)}`,
      '',
      `${broker.recordSize} B records, ${fmt(broker.records)} per run; median of ${s.reps}`,
      '',
    ],
    [
      `Producer (fetch, validate, Avro, publish; source pages pre-rendered; median of ${s.reps})`,
      `${fmt(producer.recordsPerSecond)} rec/s`,
      `${us(producer.cpuMicrosPerRecord)} (${us(producer.cpuMicrosPerRecordAfterStartup)} after start-up)`,
      (producer.recordsPerSecond / broker.recordsPerSecond).toFixed(2),
      `CPU <= ${TARGETS.producerCpuMicrosPerRecord} µs/record`,
      verdict(s.quick, producer.cpuMicrosPerRecord <= TARGETS.producerCpuMicrosPerRecord),
    ],
  ];
}

function drainRows(r: BenchResults, s: BenchSettings): ReportRow[] {
  const sink = r.sinkCeiling.rowsPerSecond;
  const note = s.drainReps > 1 ? `median of ${s.drainReps}` : 'one run';
  const rowsOf = (label: string, d: DrainSummary): ReportRow[] => [
    [
      `Consumer drain, ${label} (from process start; ${note})`,
      `${fmt(d.recordsPerSecond)} rec/s`,
      `${us(d.cpuMicrosPerRow)}; Cassandra ${us(d.cassandraCpuMicrosPerRow)}, Kafka ${us(d.kafkaCpuMicrosPerRow)}`,
      (d.recordsPerSecond / sink).toFixed(2),
      `CPU <= ${TARGETS.consumerCpuMicrosPerRow} µs/row`,
      verdict(s.quick, d.cpuMicrosPerRow <= TARGETS.consumerCpuMicrosPerRow),
    ],
    [
      `Consumer drain, ${label} (from the first row; start-up ${d.startupSeconds.toFixed(1)} s, graceful stop ${d.stopSeconds.toFixed(1)} s)`,
      `${fmt(d.steadyRecordsPerSecond)} rec/s`,
      us(d.steadyCpuMicrosPerRow),
      (d.steadyRecordsPerSecond / sink).toFixed(2),
      '',
      '',
    ],
    [
      `Consumer drain, ${label}: the servers' bound, cores ÷ (Cassandra + Kafka CPU per row)`,
      `${fmt(d.serverBoundRowsPerSecond)} rows/s`,
      '',
      (d.recordsPerSecond / d.serverBoundRowsPerSecond).toFixed(2),
      'if the consumer cost nothing',
      '',
    ],
  ];
  return [...rowsOf('1 process', r.drain.one), ...rowsOf('2 processes', r.drain.two)];
}

function latencyRows(r: BenchResults, s: BenchSettings): ReportRow[] {
  const lat = r.latency;
  // Rows not yet written when the histogram was read are missing from p99 and max: the table says so.
  const unwritten =
    lat.unwrittenAtLastScrape > 0 ? `; ${fmt(lat.unwrittenAtLastScrape)} rows not written yet` : '';
  return [
    [
      `Produce→row latency at ${fmt(lat.offeredRate)} rec/s steady (${s.latencyRunSize} every ${s.latencyTickMs} ms; ${lat.runsRefused} of ${lat.runsStarted + lat.runsRefused} runs refused), ${s.latencySeconds} s`,
      // The histogram gives the max only as the bound of its highest non-empty bucket.
      `p50 ${lat.p50.toFixed(0)} / p95 ${lat.p95.toFixed(0)} / p99 ${lat.p99.toFixed(0)} ms, max <= ${lat.maxBound} ms${unwritten}`,
      `producer ${us(lat.producerCpuMicrosPerRecord)}, consumer ${us(lat.consumerCpuMicrosPerRow)}`,
      '',
      `p99 <= ${TARGETS.p99Ms} ms`,
      // Refused ticks offer no load exactly when latency rises: a p99 at much less than the rate says nothing.
      !s.quick && lat.offeredRate < 0.95 * s.latencyRate
        ? 'missed (rate not offered)'
        : verdict(s.quick, lat.p99 <= TARGETS.p99Ms),
    ],
  ];
}

function memoryRows(r: BenchResults, s: BenchSettings): ReportRow[] {
  return (['producer', 'consumer'] as const).map((service) => {
    const peak = r.memory[`${service}PeakRssMiB`];
    return [
      `Peak RSS, ${service}`,
      `${peak.toFixed(0)} MiB`,
      '',
      '',
      `<= ${TARGETS.peakRssMiB} MiB`,
      verdict(s.quick, peak <= TARGETS.peakRssMiB),
    ];
  });
}

/** The table's rows, in the order the scenarios run. */
export function reportRows(results: BenchResults, settings: BenchSettings): ReportRow[] {
  return [
    ...sinkRows(results, settings),
    ...producerRows(results, settings),
    ...drainRows(results, settings),
    ...latencyRows(results, settings),
    ...memoryRows(results, settings),
  ];
}

/** The Markdown table of a run, with its heading and notes. */
export function renderReport(results: BenchResults, settings: BenchSettings, at: Date): string {
  const m = results.machine;
  return [
    `Benchmark (${results.mode}, ${fmt(results.records)} records) on ${m.cpus}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.java}, Kafka ${m.kafka ?? '?'}, Cassandra ${results.cassandra}; ${at.toISOString()}`,
    '',
    '| Scenario | Result | CPU per record | Ratio to ceiling | Target | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...reportRows(results, settings).map((r) => `| ${r.join(' | ')} |`),
    '',
    settings.drainReps > 1
      ? `Ceilings, producer and drains: medians of ${settings.reps} runs.`
      : `Ceilings and producer: medians of ${settings.reps} runs; the drains are one run each (over a minute per run at this size).`,
    'CPU per record: user + system time of the process(es) named, from /proc/<pid>/stat, from their start unless said; the ceilings are context, not targets.',
  ].join('\n');
}

/** Writes the run's JSON (stamped and latest) and its table (latest.md) under `root`/bench-results. */
export function writeReport(root: string, results: BenchResults, table: string, at: Date): string[] {
  const dir = path.join(root, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(results, null, 2);
  writeFileSync(path.join(dir, `${stamp}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  writeFileSync(path.join(dir, 'latest.md'), `${table}\n`);
  return [`bench-results/${stamp}.json`, 'bench-results/latest.md'];
}
