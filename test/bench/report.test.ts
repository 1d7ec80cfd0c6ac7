// The bench's report from typed results: the targets stand beside the figures, the verdicts follow them,
// and a quick run is not judged. No servers: the results are made up here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport, reportRows, TARGETS, type BenchResults } from '../../bench/report.ts';
import type { DrainSummary } from '../../bench/scenarios/drain.ts';
import { benchSettings } from '../../bench/settings.ts';

const drainSummary = (cpuMicrosPerRow: number): DrainSummary => {
  const run = {
    recordsPerSecond: 10_000,
    seconds: 50,
    steadyRecordsPerSecond: 11_000,
    startupSeconds: 2,
    stopSeconds: 0.5,
    peakRssMiB: 120,
    cpuMicrosPerRow,
    steadyCpuMicrosPerRow: cpuMicrosPerRow - 2,
    cassandraCpuMicrosPerRow: 90,
    kafkaCpuMicrosPerRow: 10,
    serverBoundRowsPerSecond: 20_000,
  };
  return { ...run, reps: [run] };
};

function results(overrides: {
  consumerCpu: number;
  producerCpu: number;
  p99: number;
  rss: number;
}): BenchResults {
  return {
    machine: {
      cpus: '2 x CPU',
      memoryGiB: 24,
      node: 'v24',
      java: 'openjdk 17',
      javaOf: 'java on PATH',
      kafka: '4.4.0',
    },
    cassandra: '5.0.9',
    mode: 'full',
    records: 500_000,
    pipeline: {} as BenchResults['pipeline'],
    sinkCeiling: {
      rowsPerSecond: 12_000,
      best: '1 row(s)/request, concurrency 256',
      others: [{ key: '10 row(s)/request, concurrency 64', rate: 11_000 }],
      sweep: {},
      sweepRows: 100_000,
      reps: {},
      rows: 500_000,
      clientCpuMicrosPerRow: 30,
      cassandraCpuMicrosPerRow: 95,
    },
    broker: {
      recordsPerSecond: 100_000,
      recordSize: 600,
      records: 500_000,
      reps: [100_000],
      cpuMicrosPerRecord: 12,
      kafkaCpuMicrosPerRecord: 8,
      runs: [],
    },
    producer: {
      recordsPerSecond: 40_000,
      cpuMicrosPerRecord: overrides.producerCpu,
      cpuMicrosPerRecordAfterStartup: overrides.producerCpu - 1,
      runs: [],
      sourcePagesPrerendered: 250,
      prerenderSeconds: 10,
    },
    drain: { one: drainSummary(overrides.consumerCpu), two: drainSummary(overrides.consumerCpu) },
    latency: {
      offeredRate: 2_000,
      runsStarted: 600,
      runsRefused: 0,
      p50: 20,
      p95: 60,
      p99: overrides.p99,
      maxBound: 250,
      samples: 120_000,
      published: 120_000,
      tailWaitSeconds: 0.1,
      unwrittenAtLastScrape: 0,
      producerPeakRssMiB: overrides.rss,
      consumerPeakRssMiB: overrides.rss,
      producerCpuMicrosPerRecord: 40,
      consumerCpuMicrosPerRow: 45,
    },
    memory: { producerPeakRssMiB: overrides.rss, consumerPeakRssMiB: overrides.rss },
    durationSeconds: 900,
  };
}

const full = benchSettings([], {});
const rowNamed = (rows: string[][], start: string) => rows.find((row) => row[0]!.startsWith(start))!;

test('figures within the targets are met, and the targets are printed beside them', () => {
  const rows = reportRows(results({ consumerCpu: 24, producerCpu: 30, p99: 90, rss: 140 }), full);
  const producer = rowNamed(rows, 'Producer');
  assert.equal(producer[2], '30.0 µs (29.0 µs after start-up)');
  assert.equal(producer[4], `CPU <= ${TARGETS.producerCpuMicrosPerRecord} µs/record`);
  assert.equal(producer[5], 'met');
  const drain = rowNamed(rows, 'Consumer drain, 1 process (from process start');
  assert.equal(drain[2], '24.0 µs; Cassandra 90.0 µs, Kafka 10.0 µs');
  assert.equal(drain[4], `CPU <= ${TARGETS.consumerCpuMicrosPerRow} µs/row`);
  assert.equal(drain[5], 'met');
  assert.equal(rowNamed(rows, 'Produce→row latency')[4], 'p99 <= 100 ms');
  assert.equal(rowNamed(rows, 'Peak RSS, consumer')[4], '<= 150 MiB');
  assert.ok(rows.every((row) => row[5] !== 'missed'));
});

test('figures past the targets are missed', () => {
  const rows = reportRows(results({ consumerCpu: 26, producerCpu: 36, p99: 101, rss: 151 }), full);
  for (const name of [
    'Producer',
    'Consumer drain, 2 processes (from process start',
    'Produce→row',
    'Peak RSS',
  ])
    assert.equal(rowNamed(rows, name)[5], 'missed', name);
});

test("the servers' bound is the drain's ratio to cores ÷ (Cassandra + Kafka CPU per row)", () => {
  const row = rowNamed(
    reportRows(results({ consumerCpu: 24, producerCpu: 30, p99: 90, rss: 140 }), full),
    'Consumer drain, 1 process: the servers',
  );
  assert.deepEqual(row.slice(1, 4), ['20,000 rows/s', '', '0.50']);
});

test('a quick run is not judged, and the table has a row per figure under its heading', () => {
  const quick = benchSettings(['--quick'], {});
  const table = renderReport(
    results({ consumerCpu: 60, producerCpu: 70, p99: 300, rss: 200 }),
    quick,
    new Date(0),
  );
  const lines = table.split('\n');
  assert.match(
    lines[0]!,
    /^Benchmark \(full, 500,000 records\) on 2 x CPU, 24 GiB.*1970-01-01T00:00:00\.000Z$/,
  );
  assert.equal(lines[2], '| Scenario | Result | CPU per record | Ratio to ceiling | Target | |');
  const rows = lines.filter((line) => line.startsWith('| ') && !/^\| (Scenario|---) /.test(line));
  assert.equal(
    rows.length,
    reportRows(results({ consumerCpu: 60, producerCpu: 70, p99: 300, rss: 200 }), quick).length,
  );
  assert.ok(!table.includes('| missed'), table);
  assert.ok(table.includes('| not judged (quick) |'));
});

test('the settings follow --quick and BENCH_RECORDS, and refuse more records than the source keeps', () => {
  assert.equal(benchSettings(['--quick'], {}).records, 20_000);
  assert.equal(benchSettings([], {}).records, 500_000);
  assert.equal(benchSettings([], { BENCH_RECORDS: '200000' }).producerPages, 100);
  assert.throws(() => benchSettings([], { BENCH_RECORDS: '2000001' }), /BENCH_RECORDS: at most 2,000,000/);
});
