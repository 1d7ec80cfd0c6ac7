import { PipelineError, DecodeError } from '@userstream/shared';
import type { IHeaders } from 'kafkajs';

/** Where a dead-lettered message came from. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
  timestamp?: string;
}

const MAX_MESSAGE_LENGTH = 2_000;

/**
 * The headers of a dead-letter message: the original headers, then `dlq.*` naming the stage, the error
 * class and message, and the source topic/partition/offset, so the message can be inspected and replayed.
 */
export function buildDlqHeaders(
  error: unknown,
  source: SourcePosition,
  original: IHeaders = {},
  now = new Date(),
): IHeaders {
  const stage = error instanceof PipelineError ? error.stage : 'unknown';
  const errorClass = error instanceof Error ? error.name : typeof error;
  const rawMessage = error instanceof Error ? error.message : String(error);
  const headers: IHeaders = {
    ...original,
    'dlq.stage': stage,
    'dlq.error.class': errorClass,
    'dlq.error.message':
      rawMessage.length > MAX_MESSAGE_LENGTH ? `${rawMessage.slice(0, MAX_MESSAGE_LENGTH)}…` : rawMessage,
    'dlq.source.topic': source.topic,
    'dlq.source.partition': String(source.partition),
    'dlq.source.offset': source.offset,
    'dlq.failed.at': now.toISOString(),
  };
  if (source.timestamp !== undefined) headers['dlq.source.timestamp'] = source.timestamp;
  if (error instanceof DecodeError) headers['dlq.error.reason'] = error.reason;
  return headers;
}
