import type { KafkaMessage } from 'kafkajs';

/** A dead letter as read from the dead-letter topic, its headers as text. */
export interface Letter {
  partition: number;
  offset: string;
  /** The letter's Kafka timestamp (when it was dead-lettered), epoch ms. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The original header values, for a replay that must send them as they were. */
  rawHeaders: NonNullable<KafkaMessage['headers']>;
}

/** A Kafka message of the dead-letter topic as a Letter (array header values joined with ", "). */
export function toLetter(partition: number, message: KafkaMessage): Letter {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = (Array.isArray(value) ? value : [value]).map((item) => String(item ?? '')).join(', ');
  }
  return {
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key,
    value: message.value,
    headers,
    rawHeaders: message.headers ?? {},
  };
}

/** The pipeline stage where the letter's record failed (dlq.stage). */
export function letterStage(letter: Letter): string {
  return letter.headers['dlq.stage'] ?? 'unknown';
}

/** Why it failed: the decode reason when there is one, else the error class (dlq.error.class). */
export function letterReason(letter: Letter): string {
  return letter.headers['dlq.error.reason'] ?? letter.headers['dlq.error.class'] ?? 'unknown';
}

/** True when `filter` (a --reason value) names the letter's reason or its stage; no filter matches all. */
export function matchesReason(letter: Letter, filter: string | undefined): boolean {
  return filter === undefined || letterReason(letter) === filter || letterStage(letter) === filter;
}

/**
 * True for the producer's refusals: the source's JSON, which no schema encodes; a replay cannot send them to
 * the input topic (the source is asked again instead: their headers name the seed and page).
 */
export function isProducerRefusal(letter: Letter): boolean {
  return letter.headers['dlq.source.api'] !== undefined;
}

/** The letter's key as text (UTF-8), or null. */
export function keyText(letter: Letter): string | null {
  return letter.key === null ? null : letter.key.toString('utf8');
}
