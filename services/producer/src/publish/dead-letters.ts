import { ValidationError, errorHeaders } from '@userstream/shared';
import type { RejectedRecord } from '../validate/to-user-record.ts';

/** A message for the dead-letter topic: the source's result as JSON, and why it was refused. */
export interface ProducerDeadLetter {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** Where in the source a page came from: with these, the same request fetches the page again. */
export interface PagePosition {
  seed: string;
  page: number;
  /** The users asked for on that page (a page's users depend on the page size too). */
  results: number;
  nat?: string | undefined;
}

/**
 * Dead letters for the results of one page the producer refused: keyed by the user's id when it has one,
 * the value the result exactly as the source sent it (JSON; no schema could encode it), and the headers
 * the consumer's letters carry (`dlq.stage` validate, the failing fields) plus the request and index.
 */
export function toDeadLetters(
  rejected: readonly RejectedRecord[],
  position: PagePosition,
  now = new Date(),
): ProducerDeadLetter[] {
  return rejected.map((reject) => ({
    key: reject.id,
    value: Buffer.from(JSON.stringify(reject.raw) ?? 'null'),
    headers: {
      ...errorHeaders(new ValidationError(reject.issues), now),
      'content-type': 'application/json',
      'dlq.source.api': 'randomuser',
      'dlq.source.seed': position.seed,
      'dlq.source.page': String(position.page),
      'dlq.source.results': String(position.results),
      ...(position.nat === undefined ? {} : { 'dlq.source.nat': position.nat }),
      'dlq.source.index': String(reject.index),
    },
  }));
}
