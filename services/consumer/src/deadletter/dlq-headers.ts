import { errorHeaders } from '@userstream/shared/errors';
import type { IHeaders } from 'kafkajs';

/** Where a dead-lettered message came from. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
  timestamp?: string;
}

/**
 * The headers of a dead-letter message: the original headers, then `dlq.*` naming the stage, the error
 * class and message, and the source topic/partition/offset, so the message can be inspected and replayed.
 * Original headers whose value was null are sent empty and named in `dlq.null-headers`. A replayed letter
 * that fails again keeps its last failure's `dlq.*` headers as `dlq.previous.*` (older ones are dropped):
 * kept as they were, a header this failure does not set (`dlq.error.reason`) would contradict it.
 */
export function buildDlqHeaders(
  error: unknown,
  source: SourcePosition,
  original: IHeaders = {},
  now = new Date(),
): IHeaders {
  const { headers: kept, nullNames } = withoutNulls(asPrevious(original));
  const headers: IHeaders = {
    ...kept,
    ...errorHeaders(error, now),
    'dlq.source.topic': source.topic,
    'dlq.source.partition': String(source.partition),
    'dlq.source.offset': source.offset,
  };
  if (source.timestamp !== undefined) headers['dlq.source.timestamp'] = source.timestamp;
  if (nullNames.length > 0) headers['dlq.null-headers'] = nullNames.join(',');
  return headers;
}

type HeaderValue = IHeaders[string];

/** `original` with its `dlq.*` headers renamed `dlq.previous.*`, and the `dlq.previous.*` it had dropped. */
function asPrevious(original: IHeaders): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(original)) {
    if (name.startsWith('dlq.previous.')) continue;
    headers[name.startsWith('dlq.') ? `dlq.previous.${name.slice(4)}` : name] = value;
  }
  return headers;
}

/**
 * The original headers with null values (Kafka allows them; kafkajs decodes them as null) made empty:
 * kafkajs cannot encode a null header value and would throw on every retry of the letter.
 */
function withoutNulls(original: IHeaders): { headers: IHeaders; nullNames: string[] } {
  const headers: IHeaders = {};
  const nullNames: string[] = [];
  const orEmpty = (value: HeaderValue | null, name: string): Buffer | string => {
    if (value === null || value === undefined) {
      nullNames.push(name);
      return Buffer.alloc(0);
    }
    return value as Buffer | string;
  };
  for (const [name, value] of Object.entries(original) as [string, HeaderValue | null][]) {
    headers[name] = Array.isArray(value)
      ? value.map((item: Buffer | string | null) => orEmpty(item, name))
      : orEmpty(value, name);
  }
  return { headers, nullNames: [...new Set(nullNames)] };
}
