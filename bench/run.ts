// `npm run bench [-- --quick]`: the pipeline's speed and CPU per record against this machine's own
// ceilings, on the local stack (npm run stack:up). Every figure is reported beside the ceiling measured in
// the same run, on the same servers. Results: bench-results/<time>.json and bench-results/latest.md
// (printed too). The scenarios are in bench/scenarios/, one module each; this file only runs them in order.
import { spawnSync } from 'node:child_process';
import {
  cassandraClient,
  deleteTopics,
  killLeftovers,
  REPO_ROOT,
  stack,
  unreachableStackServer,
  type StackEndpoints,
} from '../dev/index.ts';
import { cleanup, log, type BenchContext } from './context.ts';
import { cassandraVersion, machine, pipelineSettings } from './machine.ts';
import { renderReport, writeReport, type BenchResults } from './report.ts';
import { drainScenario } from './scenarios/drain.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { brokerCeiling } from './scenarios/producer-performance.ts';
import { producerScenario } from './scenarios/producer.ts';
import { sinkCeiling } from './scenarios/sink-ceiling.ts';
import { benchSettings, type BenchSettings } from './settings.ts';
import { startSource } from './source.ts';

/** One line saying the stack is down and how to start it; undefined when every server answers. */
export async function stackDownMessage(endpoints: StackEndpoints = stack): Promise<string | undefined> {
  const down = await unreachableStackServer(endpoints);
  return down === undefined
    ? undefined
    : `bench: ${down} does not answer: start the local stack with \`npm run stack:up\` (and export its settings: eval "$(npm run -s stack:env)")`;
}

/** Runs every scenario in order with the shared `context`; returns the results without duration. */
async function runScenarios(context: BenchContext): Promise<Omit<BenchResults, 'durationSeconds'>> {
  const { settings, db } = context;
  const head = {
    machine: machine(),
    cassandra: await cassandraVersion(db),
    mode: settings.quick ? ('quick' as const) : ('full' as const),
    records: settings.records,
    pipeline: pipelineSettings(settings),
  };
  log(`mode ${head.mode}: ${settings.records} records; machine ${JSON.stringify(head.machine)}`);
  log(`pipeline settings ${JSON.stringify(head.pipeline)}`);
  const sink = await sinkCeiling(context);
  const broker = await brokerCeiling(context);
  const { result: producer, drainNames } = await producerScenario(context);
  const drain = await drainScenario(context, drainNames);
  const latency = await latencyScenario(context);
  log(
    `latency at ${Math.round(latency.offeredRate)} rec/s: p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms`,
  );
  const memory = {
    producerPeakRssMiB: Math.max(latency.producerPeakRssMiB, ...producer.runs.map((r) => r.peakRssMiB)),
    consumerPeakRssMiB: Math.max(latency.consumerPeakRssMiB, drain.one.peakRssMiB, drain.two.peakRssMiB),
  };
  return { ...head, sinkCeiling: sink, broker, producer, drain, latency, memory };
}

/** The bench: checks the stack, builds the services, runs the scenarios, writes and prints the report. */
export async function main(settings: BenchSettings): Promise<number> {
  const down = await stackDownMessage();
  if (down) {
    console.error(down);
    return 1;
  }
  // The services run as they do in the image: built with the same `npm run build`, no type stripping.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  process.env.USERSTREAM_RUN_BUILT = '1';
  const started = Date.now();
  const db = await cassandraClient();
  const createdTopics = new Set<string>();
  try {
    const context: BenchContext = { settings, db, source: await startSource(settings), createdTopics };
    const results: BenchResults = {
      ...(await runScenarios(context)),
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    const at = new Date();
    const table = renderReport(results, settings, at);
    const [json, md] = writeReport(REPO_ROOT, results, table, at);
    console.log(`\n${table}\n\nwritten to ${json} and ${md}`);
    return 0;
  } finally {
    // Each step on its own: one that fails (say, Cassandra gone) must not leave the topics or the source behind.
    await cleanup('stop the services and the offline source', killLeftovers);
    await cleanup('delete the topics', () => deleteTopics(createdTopics));
    await cleanup('close the Cassandra session', () => db.shutdown());
  }
}

if (import.meta.main) process.exitCode = await main(benchSettings(process.argv.slice(2), process.env));
