import type { Kafka, Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { Murmur2Partitioner } from './murmur2-partitioner.ts';

/** An idempotent kafkajs producer that starts over under a new producer id after a failed send. */
export interface IdempotentProducer {
  connect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

/**
 * Creates the producer both services publish with: idempotent, one request in flight, murmur2 partitions.
 * A send that failed may have been written all the same (its answer lost), but kafkajs rolls its sequence
 * numbers back: under the same producer id the next batch would be taken by the broker for that duplicate
 * and dropped, or refused as out of order. So the next send after a failure goes through a new producer,
 * and sends go one at a time: a send already waiting inside kafkajs when another failed would reuse the
 * rolled-back sequence numbers, and the broker would acknowledge it as that duplicate without writing it.
 */
export function createIdempotentProducer(kafka: Kafka): IdempotentProducer {
  const create = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Murmur2, as the Java client partitions: the same key lands on the same partition from any client.
      createPartitioner: Murmur2Partitioner,
    });
  let current = create();
  let broken: Producer | undefined;
  let replacing: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  /** The current producer, replaced first if a send through it failed (once, however many callers wait). */
  async function usable(): Promise<Producer> {
    if (broken === current) {
      replacing ??= (async () => {
        const old = current;
        const next = create();
        // connect() can fail after opening connections (kafkajs asks for a producer id last): close them.
        await next.connect().catch(async (error: unknown) => {
          await next.disconnect().catch(() => undefined);
          throw error;
        });
        current = next;
        await old.disconnect().catch(() => undefined);
      })().finally(() => (replacing = undefined));
      await replacing;
    }
    return current;
  }

  return {
    connect: () => current.connect(),
    async disconnect() {
      // A replacement under way would otherwise become current, connected, after this.
      await replacing?.catch(() => undefined);
      await current.disconnect();
    },
    send(record) {
      const sent = queue.then(async () => {
        const producer = await usable();
        try {
          return await producer.send(record);
        } catch (error) {
          broken = producer;
          throw error;
        }
      });
      queue = sent.catch(() => undefined);
      return sent;
    },
  };
}
