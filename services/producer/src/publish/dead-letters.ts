import { ValidationError, errorHeaders } from '@userstream/shared/errors';
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

// randomuser.me sends each user's login password and its hashes; the producer never forwards them.
const LOGIN_SECRETS = ['password', 'salt', 'md5', 'sha1', 'sha256'];

/** The result as the source sent it, without the login's password and hashes. */
function withoutLoginSecrets(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const login = (raw as { login?: unknown }).login;
  if (login === null || typeof login !== 'object' || Array.isArray(login)) return raw;
  const kept = Object.fromEntries(Object.entries(login).filter(([key]) => !LOGIN_SECRETS.includes(key)));
  return { ...raw, login: kept };
}

/**
 * Dead letters for the results of one page the producer refused: keyed by the user's id when it has one,
 * the value the result as the source sent it, less the login's password and hashes (JSON; no schema could
 * encode it), and the headers the consumer's letters carry (`dlq.stage` validate, the failing fields) plus
 * the request and index.
 */
export function toDeadLetters(
  rejected: readonly RejectedRecord[],
  position: PagePosition,
  now = new Date(),
): ProducerDeadLetter[] {
  return rejected.map((reject) => ({
    key: reject.id,
    value: Buffer.from(JSON.stringify(withoutLoginSecrets(reject.raw)) ?? 'null'),
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
