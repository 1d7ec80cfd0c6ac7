import { CompressionTypes, type Kafka, type Message } from 'kafkajs';
import type { UserRecord } from '@userstream/shared/record';
import { createIdempotentProducer } from '@userstream/shared/kafka';
import type { UserEncoder } from '../encode/user-encoder.ts';
import type { ProducerDeadLetter } from './dead-letters.ts';

export interface PublisherOptions {
  topic: string;
  /** Where the results the producer refused go. */
  dlqTopic: string;
  compression: 'none' | 'gzip' | 'zstd';
  /** Messages per produce request. */
  chunkSize: number;
}

/** Publishes encoded users keyed by id: acks=all, idempotent, batched, compressed. */
export interface KafkaPublisher {
  connect(): Promise<void>;
  /** Resolves with the count once every chunk is acknowledged; `onAcked` hears of each chunk as it is. */
  publish(
    records: readonly UserRecord[],
    encoder: UserEncoder,
    onAcked?: (count: number) => void,
  ): Promise<number>;
  /** Sends refused results to the dead-letter topic; resolves once Kafka acknowledged them. */
  deadLetter(letters: readonly ProducerDeadLetter[]): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Dead letters per produce request, by their bytes before compression: a page of letters in one request
 * could go past the broker's 1 MiB default `max.message.bytes` on a one-partition dead-letter topic.
 */
const DEAD_LETTER_REQUEST_BYTES = 512 * 1024;

/** Dead letters in groups of at most DEAD_LETTER_REQUEST_BYTES (a bigger letter goes alone), in order. */
export function deadLetterRequests(letters: readonly ProducerDeadLetter[]): ProducerDeadLetter[][] {
  const requests: ProducerDeadLetter[][] = [];
  let current: ProducerDeadLetter[] = [];
  let bytes = 0;
  for (const letter of letters) {
    let size = (letter.key?.length ?? 0) + letter.value.length;
    for (const [name, value] of Object.entries(letter.headers)) size += name.length + value.length;
    if (current.length > 0 && bytes + size > DEAD_LETTER_REQUEST_BYTES) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(letter);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** `error` with the settings to change when the broker refused a request as too large. */
function explainTooLarge(error: unknown, topic: string, setting: string): unknown {
  if ((error as { type?: unknown } | null)?.type !== 'MESSAGE_TOO_LARGE') return error;
  return new Error(
    `Kafka refused a produce request to ${topic} as too large (MESSAGE_TOO_LARGE): ${setting}, or raise the topic's max.message.bytes`,
    { cause: error },
  );
}

/** Creates the publisher; one in-flight produce request at a time keeps the idempotent sequence in order. */
export function createKafkaPublisher(kafka: Kafka, options: PublisherOptions): KafkaPublisher {
  const producer = createIdempotentProducer(kafka);
  const compression = {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    zstd: CompressionTypes.ZSTD,
  }[options.compression];

  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async publish(records, encoder, onAcked) {
      // The next chunk is encoded while the previous one is on the wire; sends stay one at a time, in order.
      let inFlight: Promise<unknown> | undefined;
      try {
        for (let start = 0; start < records.length; start += options.chunkSize) {
          const chunk = records.slice(start, start + options.chunkSize);
          const values = encoder.encodeAll(chunk);
          const messages: Message[] = new Array<Message>(chunk.length);
          for (let i = 0; i < chunk.length; i++) messages[i] = { key: chunk[i]!.id, value: values[i]! };
          await inFlight;
          inFlight = producer.send({ topic: options.topic, acks: -1, compression, messages }).then(
            () => onAcked?.(chunk.length),
            (error: unknown) => {
              const advice = `lower KAFKA_SEND_CHUNK (${options.chunkSize} messages a request, KAFKA_COMPRESSION ${options.compression})`;
              throw explainTooLarge(error, options.topic, advice);
            },
          );
        }
        await inFlight;
      } finally {
        // If encoding threw, the send in flight still settles; its failure must not go unhandled.
        inFlight?.catch(() => undefined);
      }
      // Every send was acknowledged (a failure throws above), so every record is published.
      return records.length;
    },
    async deadLetter(letters) {
      // Through the same idempotent producer: one request at a time with the page's sends, in order.
      for (const request of deadLetterRequests(letters)) {
        await producer
          .send({
            topic: options.dlqTopic,
            acks: -1,
            compression: CompressionTypes.GZIP,
            messages: request.map(({ key, value, headers }) => ({ key, value, headers })),
          })
          .catch((error: unknown) => {
            throw explainTooLarge(
              error,
              options.dlqTopic,
              `a dead-letter request (up to ${DEAD_LETTER_REQUEST_BYTES} bytes before compression, or one bigger letter) is bigger than the topic takes`,
            );
          });
      }
    },
  };
}
