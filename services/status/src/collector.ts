// Gathers what the page shows, once per poll: every part is probed on its own and in time-bounded calls,
// so a part that is down shows as down while the others still update. Reads only.
import type cassandra from 'cassandra-driver';
import type { Admin } from 'kafkajs';
import { pingRegistry, type RegistryConfig } from '@userstream/shared';
import { FlowHistory, type Flow, type FlowScrape, type FlowSeries } from './flow-history.ts';
import { readGroupLag, type GroupLag } from './group-lag.ts';
import { bounded, okText, probe, readiness, type Probe } from './http-probe.ts';
import { readUsers, type UserView } from './newest-users.ts';
import { named, parsePrometheusText, total, type Sample } from './prometheus-text.ts';
import type { DeadLetterView, TopicTail } from './topic-tail.ts';

/** A part of the pipeline: up (it answers and is ready), degraded (answers, not ready) or down. */
export interface PartView {
  name: string;
  kind: 'producer' | 'consumer' | 'kafka' | 'registry' | 'cassandra';
  state: 'up' | 'degraded' | 'down';
  detail: string;
}

/** Dead letters counted by a service, by stage and reason. */
export interface DeadLetterCount {
  service: string;
  stage: string;
  reason: string;
  count: number;
}

/** A consumer's own view: its lag gauge per partition and whether it paused fetching. */
export interface ConsumerView {
  url: string;
  up: boolean;
  paused: boolean | null;
  lag: { partition: string; lag: number }[];
}

/** Everything the page shows. */
export interface StatusSnapshot {
  at: string;
  parts: PartView[];
  totals: Record<Flow, number | null>;
  flow: FlowSeries;
  lag: (GroupLag & { error?: undefined }) | { error: string };
  consumers: ConsumerView[];
  deadLetters: { counts: DeadLetterCount[]; newest: DeadLetterView[]; tailing: boolean };
  runs: unknown[] | null;
  users: UserView[] | null;
}

export interface CollectorDeps {
  producerUrl: string;
  consumerUrls: readonly string[];
  admin: Admin;
  cassandra: cassandra.Client;
  registry: RegistryConfig;
  tail: TopicTail;
  topic: string;
  groupId: string;
  keyspace: string;
  table: string;
  timeoutMs: number;
  historyMs: number;
}

/** Collects snapshots; `collect` is called once per poll. */
export function createCollector(deps: CollectorDeps) {
  const history = new FlowHistory(deps.historyMs);
  // The last counters each service reported: a service that stops answering keeps its last numbers.
  const lastCounters = new Map<string, Partial<Record<Flow, number>>>();
  const lastSamples = new Map<string, Sample[]>();
  const remember = (url: string, samples: Sample[] | undefined): Sample[] | undefined => {
    if (samples) lastSamples.set(url, samples);
    return lastSamples.get(url);
  };
  // A call still waiting (kafkajs retries on its own) is shared, not started again at every poll.
  const inFlight = new Map<string, Promise<unknown>>();
  const single = <T>(name: string, work: () => Promise<T>): Promise<Probe<T>> => {
    let running = inFlight.get(name) as Promise<T> | undefined;
    if (!running) {
      running = work().finally(() => inFlight.delete(name));
      running.catch(() => undefined);
      inFlight.set(name, running);
    }
    const shared = running;
    return bounded(() => shared, deps.timeoutMs, name);
  };

  const metrics = (url: string) => probe(`${url}/metrics`, deps.timeoutMs, okText);
  const ready = (url: string) => probe(`${url}/readyz`, deps.timeoutMs, readiness);

  async function collect(): Promise<StatusSnapshot> {
    const at = Date.now();
    deps.tail.ensureStarted();
    const [producerReady, producerMetrics, runs, consumers, kafka, lag, registry, db] = await Promise.all([
      ready(deps.producerUrl),
      metrics(deps.producerUrl),
      probe(`${deps.producerUrl}/runs`, deps.timeoutMs, async (r) => {
        const body = JSON.parse(await okText(r)) as { runs?: unknown[] };
        return body.runs ?? [];
      }),
      Promise.all(
        deps.consumerUrls.map(async (url) => ({ url, ready: await ready(url), metrics: await metrics(url) })),
      ),
      single('kafka', async () => {
        // connect() returns at once when connected; it is here so that Kafka can come up after the page.
        await deps.admin.connect();
        return deps.admin.describeCluster();
      }),
      single('lag', async () => {
        await deps.admin.connect();
        return readGroupLag(deps.admin, deps.groupId, deps.topic);
      }),
      single('registry', () => pingRegistry(deps.registry, AbortSignal.timeout(deps.timeoutMs))),
      single('cassandra', async () => {
        await deps.cassandra.execute('SELECT release_version FROM system.local');
        return readUsers(deps.cassandra, deps.keyspace, deps.table, deps.tail.users());
      }),
    ]);

    const producerSamples = producerMetrics.up ? parsePrometheusText(producerMetrics.value) : undefined;
    const consumerSamples = consumers.map((c) =>
      c.metrics.up ? parsePrometheusText(c.metrics.value) : undefined,
    );
    const scrape: FlowScrape = new Map();
    if (producerSamples) scrape.set(deps.producerUrl, producerCounters(producerSamples));
    consumers.forEach((c, i) => {
      const samples = consumerSamples[i];
      if (samples) scrape.set(c.url, consumerCounters(samples));
    });
    for (const [source, counters] of scrape) lastCounters.set(source, counters);
    history.add(at, scrape);

    const parts: PartView[] = [
      serviceState('producer', 'producer', producerReady, runs.up ? undefined : runs.error),
      ...consumers.map((c, i) =>
        serviceState(
          deps.consumerUrls.length > 1 ? `consumer ${i + 1}` : 'consumer',
          'consumer',
          c.ready,
          c.metrics.up ? undefined : c.metrics.error,
        ),
      ),
      dependencyState('kafka', kafka, (v) => `${v.brokers.length} broker(s), controller ${v.controller}`),
      dependencyState('registry', registry, () => 'GET /subjects answered'),
      dependencyState('cassandra', db, (users) => `read ${users.length} of the newest users`),
    ];

    return {
      at: new Date(at).toISOString(),
      parts,
      totals: totals(lastCounters),
      flow: history.series(),
      lag: lag.up ? lag.value : { error: lag.error },
      consumers: consumers.map((c, i) => consumerView(c.url, consumerSamples[i])),
      deadLetters: {
        counts: deadLetterCounts(
          remember(deps.producerUrl, producerSamples),
          consumers.map((c, i) => remember(c.url, consumerSamples[i])),
        ),
        newest: deps.tail.letters(),
        tailing: deps.tail.running,
      },
      runs: runs.up ? runs.value.slice(-10).reverse() : null,
      users: db.up ? db.value : null,
    };
  }

  return { collect };
}

function producerCounters(samples: Sample[]): Partial<Record<Flow, number>> {
  return {
    fetched: total(samples, 'userstream_producer_records_fetched_total'),
    published: total(samples, 'userstream_producer_records_published_total'),
    deadLettered: total(samples, 'userstream_producer_records_dead_lettered_total'),
  };
}

function consumerCounters(samples: Sample[]): Partial<Record<Flow, number>> {
  return {
    written: total(samples, 'userstream_consumer_records_written_total'),
    deadLettered: total(samples, 'userstream_consumer_records_dead_lettered_total'),
  };
}

function totals(last: Map<string, Partial<Record<Flow, number>>>): Record<Flow, number | null> {
  const sums: Record<Flow, number | null> = {
    fetched: null,
    published: null,
    written: null,
    deadLettered: null,
  };
  for (const counters of last.values()) {
    for (const [flow, value] of Object.entries(counters) as [Flow, number][])
      sums[flow] = (sums[flow] ?? 0) + value;
  }
  return sums;
}

function serviceState(
  name: string,
  kind: PartView['kind'],
  ready: Probe<{ ready: boolean; checks: Record<string, string> }>,
  requestError: string | undefined,
): PartView {
  if (!ready.up) return { name, kind, state: 'down', detail: firstLine(ready.error) };
  const failing = Object.entries(ready.value.checks).filter(([, result]) => result !== 'ok');
  if (!ready.value.ready || requestError) {
    const reasons = failing.map(([check, result]) => `${check}: ${result}`);
    if (requestError) reasons.push(requestError);
    return { name, kind, state: 'degraded', detail: `not ready: ${reasons.join('; ') || 'stopping'}` };
  }
  return {
    name,
    kind,
    state: 'up',
    detail: `ready (${Object.keys(ready.value.checks).join(', ') || 'no checks'})`,
  };
}

function dependencyState<T>(
  name: PartView['kind'],
  result: Probe<T>,
  describe: (value: T) => string,
): PartView {
  return result.up
    ? { name, kind: name, state: 'up', detail: describe(result.value) }
    : { name, kind: name, state: 'down', detail: firstLine(result.error) };
}

/** An error's first line, capped: drivers add stacks and inspected objects that the page has no room for. */
function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function consumerView(url: string, samples: Sample[] | undefined): ConsumerView {
  if (!samples) return { url, up: false, paused: null, lag: [] };
  const paused = named(samples, 'userstream_consumer_paused')[0];
  return {
    url,
    up: true,
    paused: paused ? paused.value === 1 : null,
    lag: named(samples, 'userstream_consumer_lag').map((s) => ({
      partition: s.labels.partition ?? '?',
      lag: s.value,
    })),
  };
}

function deadLetterCounts(
  producer: Sample[] | undefined,
  consumers: (Sample[] | undefined)[],
): DeadLetterCount[] {
  const counts = new Map<string, DeadLetterCount>();
  const add = (service: string, stage: string, reason: string, count: number) => {
    const key = JSON.stringify([service, stage, reason]);
    const entry = counts.get(key) ?? { service, stage, reason, count: 0 };
    entry.count += count;
    counts.set(key, entry);
  };
  // The producer dead-letters only results that fail validation; its counter has no labels.
  const produced = producer ? total(producer, 'userstream_producer_records_dead_lettered_total') : 0;
  if (produced > 0) add('producer', 'validate', 'invalid source result', produced);
  for (const samples of consumers) {
    for (const s of named(samples ?? [], 'userstream_consumer_records_dead_lettered_total')) {
      if (s.value > 0) add('consumer', s.labels.stage ?? 'unknown', s.labels.error ?? 'unknown', s.value);
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}
