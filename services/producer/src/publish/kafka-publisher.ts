import { CompressionTypes, type Kafka, type Message } from 'kafkajs';
import { createIdempotentProducer, type UserRecord } from '@userstream/shared';
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
          inFlight = producer
            .send({ topic: options.topic, acks: -1, compression, messages })
            .then(() => onAcked?.(chunk.length));
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
      if (letters.length === 0) return;
      // Through the same idempotent producer: one request at a time with the page's sends, in order.
      await producer.send({
        topic: options.dlqTopic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: letters.map(({ key, value, headers }) => ({ key, value, headers })),
      });
    },
  };
}
