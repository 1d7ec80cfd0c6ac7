import { DecodeError, PipelineError } from './pipeline-errors.ts';
import { maskUrlCredentials } from '../observability/redact.ts';

const MAX_MESSAGE_LENGTH = 2_000;

/**
 * The `dlq.*` headers that say why a record was dead-lettered, the same from either service: the stage,
 * the error class and message (capped), the decode reason if any, and when it failed.
 */
export function errorHeaders(error: unknown, now = new Date()): Record<string, string> {
  // Masked here, whoever built the error: a client's message may echo a URL with its credentials.
  const rawMessage = maskUrlCredentials(error instanceof Error ? error.message : String(error));
  const headers: Record<string, string> = {
    'dlq.stage': error instanceof PipelineError ? error.stage : 'unknown',
    'dlq.error.class': error instanceof Error ? error.name : typeof error,
    'dlq.error.message':
      rawMessage.length > MAX_MESSAGE_LENGTH ? `${rawMessage.slice(0, MAX_MESSAGE_LENGTH)}…` : rawMessage,
    'dlq.failed.at': now.toISOString(),
  };
  if (error instanceof DecodeError) headers['dlq.error.reason'] = error.reason;
  return headers;
}

/**
 * How many times `userstream dlq replay` has sent a letter back to the input topic. Not a `dlq.*` header,
 * so a replayed letter that fails again carries it into its new letter unchanged, and the next replay adds 1.
 */
export const REPLAY_COUNT_HEADER = 'userstream.replay.count';
