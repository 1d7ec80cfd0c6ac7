import { randomBytes } from 'node:crypto';
import type { Logger } from '@userstream/shared/observability';
import { SourceError, type RawPage, type PageRequest } from '../source/randomuser-client.ts';
import { toUserRecords } from '../validate/to-user-record.ts';
import type { UserEncoder } from '../encode/user-encoder.ts';
import type { KafkaPublisher } from '../publish/kafka-publisher.ts';
import { toDeadLetters } from '../publish/dead-letters.ts';
import type { ProducerMetrics } from '../metrics.ts';

/** The one-line account of a run. */
export interface RunSummary {
  seed: string;
  fetched: number;
  valid: number;
  rejected: number;
  /** Rejected results sent to the dead-letter topic (all of them, when the run did not fail). */
  deadLettered: number;
  published: number;
  pages: number;
  durationMs: number;
  /** True when shutdown stopped the run before its last page. */
  stoppedEarly: boolean;
}

/** A run that failed, with how far it got: what was published stays in Kafka, and the seed fetches it again. */
export class RunFailed extends Error {
  readonly summary: RunSummary;
  constructor(summary: RunSummary, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'RunFailed';
    this.summary = summary;
  }
}

export interface RunDependencies {
  fetchPage(request: PageRequest): Promise<RawPage>;
  encoder: UserEncoder;
  publisher: KafkaPublisher;
  metrics: ProducerMetrics;
  logger: Logger;
}

export interface RunSettings {
  batchSize: number;
  pageSize: number;
  /** A fixed seed makes runs reproducible (and replays idempotent); otherwise each run draws one. */
  seed?: string | undefined;
  nat?: string | undefined;
  /** When aborted, no further page is fetched; the page in hand is still published. */
  signal?: AbortSignal | undefined;
}

/**
 * One run: source -> validate -> encode -> publish, page by page. The next page is fetched while the
 * current one is published, so the source and Kafka work in parallel. A failure rejects with RunFailed.
 */
export async function runOnce(deps: RunDependencies, settings: RunSettings): Promise<RunSummary> {
  const started = performance.now();
  const seed = settings.seed ?? randomBytes(8).toString('hex');
  const summary: RunSummary = {
    seed,
    fetched: 0,
    valid: 0,
    rejected: 0,
    deadLettered: 0,
    published: 0,
    pages: 0,
    durationMs: 0,
    stoppedEarly: false,
  };
  const pageCount = Math.ceil(settings.batchSize / settings.pageSize);
  // Aborted when the run ends, so that a prefetch still retrying after a failed publish stops with it.
  const ended = new AbortController();

  /** The users asked for on `page`: a full page, or the rest of the batch on the last one. */
  const resultsOn = (page: number): number =>
    Math.min(settings.pageSize, settings.batchSize - (page - 1) * settings.pageSize);
  const fetch = async (page: number): Promise<RawPage> => {
    const results = resultsOn(page);
    const timer = deps.metrics.fetchDuration.startTimer();
    try {
      return await deps.fetchPage({ seed, page, results, nat: settings.nat, signal: ended.signal });
    } finally {
      timer();
    }
  };
  try {
    let next: Promise<RawPage> | undefined = fetch(1);
    for (let page = 1; page <= pageCount; page++) {
      let raw: RawPage;
      try {
        raw = await next!;
      } catch (error) {
        // Shutdown cut short the wait before a retry of this page: the run stopped, it did not fail.
        if (error instanceof SourceError && error.reason === 'aborted' && settings.signal?.aborted) {
          summary.stoppedEarly = true;
          break;
        }
        throw error;
      }
      const stopping = settings.signal?.aborted === true;
      next = page < pageCount && !stopping ? fetch(page + 1) : undefined;
      // A pending prefetch must not become an unhandled rejection if this page's publish fails first.
      next?.catch(() => undefined);

      summary.pages++;
      summary.fetched += raw.results.length;
      deps.metrics.fetched.inc(raw.results.length);

      const { records, rejected } = toUserRecords(raw.results, Date.now());
      for (const reject of rejected) {
        const field = reject.issues[0]?.split(':')[0] ?? 'unknown';
        deps.metrics.rejected.inc({ field });
        deps.logger.warn(
          { seed, page, index: reject.index, id: reject.id, issues: reject.issues },
          'record rejected',
        );
      }
      summary.valid += records.length;
      summary.rejected += rejected.length;

      const timer = deps.metrics.publishDuration.startTimer();
      // Counted per acknowledged chunk: if a later chunk fails, the ones already in Kafka still count.
      await deps.publisher.publish(records, deps.encoder, (count) => {
        summary.published += count;
        deps.metrics.published.inc(count);
      });
      timer();
      if (rejected.length > 0) {
        // Never into the void: the refused results, as received, go to the dead-letter topic with why.
        // After the page's records, so that a letter Kafka refuses does not hold back the valid ones.
        const position = { seed, page, results: resultsOn(page), nat: settings.nat };
        await deps.publisher.deadLetter(toDeadLetters(rejected, position));
        summary.deadLettered += rejected.length;
        deps.metrics.deadLettered.inc(rejected.length);
      }
      if (stopping && page < pageCount) {
        summary.stoppedEarly = true;
        break;
      }
    }
  } catch (error) {
    summary.durationMs = Math.round(performance.now() - started);
    throw new RunFailed(summary, error);
  } finally {
    ended.abort();
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
