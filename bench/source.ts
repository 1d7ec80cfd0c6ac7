// The offline source as its own process, for the producer scenarios and for sample records. It keeps every
// page of the producer runs once rendered: the real randomuser.me makes its users on its own servers, so
// the producer's figure should not pay for faker on these two cores (about a quarter of its time when
// generated live).
import { toUserRecords } from '@userstream/producer';
import type { UserRecord } from '@userstream/shared';
import { opsPort, sampleValue, scrape, startService, waitFor } from '../dev/index.ts';
import type { BenchContext, BenchSource } from './context.ts';
import type { BenchSettings } from './settings.ts';

/** Starts the source on a free port, keeping as many pages as the producer runs ask for. */
export async function startSource(settings: BenchSettings): Promise<BenchSource> {
  const service = startService('randomuser-source', {
    LOG_LEVEL: 'info',
    SOURCE_PAGE_CACHE_SIZE: String(settings.producerPages),
  });
  // Whatever ends the bench (an error before its cleanup runs) ends the source too.
  process.on('exit', () => {
    const { child } = service;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const port = await opsPort(service);
  await waitFor('the offline source', async () =>
    (await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined,
  );
  return { service, port, url: `http://127.0.0.1:${port}/api/1.4/` };
}

/** Real user records, as the producer makes them. */
export async function sampleRecords(
  context: BenchContext,
  count: number,
  seed: string,
): Promise<UserRecord[]> {
  const records: UserRecord[] = [];
  for (let page = 1; records.length < count; page++) {
    const response = await fetch(`${context.source.url}?results=5000&seed=${seed}&page=${page}`);
    const { results } = (await response.json()) as { results: unknown[] };
    records.push(...toUserRecords(results, Date.now()).records);
  }
  return records.slice(0, count);
}

/** The users a run of `count` asks for on `page`: the last page asks only for the rest (producer-run.ts). */
const pageResults = (settings: BenchSettings, page: number, count: number) =>
  Math.min(settings.producerPageSize, count - (page - 1) * settings.producerPageSize);

/** Has the source render (and keep) every page the producer runs will ask for; returns the seconds it took. */
export async function prerenderProducerPages(context: BenchContext): Promise<number> {
  const { settings, source } = context;
  const started = performance.now();
  for (let page = 1; page <= settings.producerPages; page++) {
    const results = pageResults(settings, page, settings.records);
    const response = await fetch(
      `${source.url}?results=${results}&seed=${settings.producerSeed}&page=${page}`,
    );
    if (!response.ok) throw new Error(`source: page ${page} answered ${response.status}`);
    await response.arrayBuffer();
  }
  return (performance.now() - started) / 1000;
}

/** How many pages the source has served from its cache so far. */
export const sourceCacheHits = async (context: BenchContext) =>
  sampleValue(await scrape(context.source.port), 'randomuser_source_page_cache_hits_total');
