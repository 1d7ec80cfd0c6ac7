import { CompressionTypes, type IHeaders, type Kafka } from 'kafkajs';
import { createIdempotentProducer } from '@userstream/shared/kafka';
import { buildDlqHeaders, type SourcePosition } from './dlq-headers.ts';

/** A message that could not be processed, with the error that stopped it. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
  source: SourcePosition;
  error: unknown;
}

/** Sends dead letters with their original key and bytes; resolves only when Kafka acknowledged them. */
export interface DlqPublisher {
  connect(): Promise<void>;
  send(letters: readonly DeadLetter[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Creates the dead-letter publisher for `topic` (acks=all, idempotent, gzip). */
export function createDlqPublisher(kafka: Kafka, topic: string): DlqPublisher {
  const producer = createIdempotentProducer(kafka);
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async send(letters) {
      if (letters.length === 0) return;
      await producer.send({
        topic,
        acks: -1,
        // A letter carries the original value plus headers, so it is bigger than the message was; compressed,
        // it usually fits where the (usually compressed) original did.
        compression: CompressionTypes.GZIP,
        messages: letters.map((letter) => ({
          key: letter.key,
          value: letter.value,
          headers: buildDlqHeaders(letter.error, letter.source, letter.headers),
        })),
      });
    },
  };
}
