// Keeps the newest few messages of the users topic (their keys: the user ids) and of the dead-letter topic
// (key and dlq.* headers). A consumer of its own group that never commits: on joining, it seeks each
// partition to a few messages before its end, so it reads only what is new from then on.
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

/** A dead letter as the page shows it. */
export interface DeadLetterView {
  partition: number;
  offset: string;
  at: string;
  key: string | null;
  headers: Record<string, string>;
}

export interface TopicTailOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
  keepUsers: number;
  keepLetters: number;
}

/** Tails the users and dead-letter topics; `start` retries until both topics exist. */
export class TopicTail {
  readonly #kafka: Kafka;
  readonly #options: TopicTailOptions;
  readonly #logger: Logger;
  #consumer: Consumer | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  #users: { id: string; at: number }[] = [];
  #letters: (DeadLetterView & { atMs: number })[] = [];

  constructor(kafka: Kafka, options: TopicTailOptions, logger: Logger) {
    this.#kafka = kafka;
    this.#options = options;
    this.#logger = logger;
  }

  /** True once it consumes. */
  get running(): boolean {
    return this.#consumer !== undefined && this.#starting === undefined;
  }

  /** Starts consuming unless it already does or is starting; a failure is logged and tried again later. */
  ensureStarted(): void {
    if (this.#stopped || this.#consumer || this.#starting) return;
    this.#starting = this.#start()
      .catch(async (error: unknown) => {
        this.#logger.warn({ err: error }, 'cannot tail the topics yet; trying again at the next poll');
        const consumer = this.#consumer;
        this.#consumer = undefined;
        await consumer?.disconnect().catch(() => undefined);
      })
      .finally(() => (this.#starting = undefined));
  }

  async #start(): Promise<void> {
    const { topic, dlqTopic, groupId, keepUsers, keepLetters } = this.#options;
    // No topic auto-creation: the page only reads, and a topic it made would have the broker's defaults.
    const consumer = this.#kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 2 } });
    this.#consumer = consumer;
    const admin = this.#kafka.admin();
    await consumer.connect();
    if (this.#stopped) return;
    await consumer.subscribe({ topics: [topic, dlqTopic], fromBeginning: false });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      void (async () => {
        await admin.connect();
        try {
          for (const [name, partitions] of Object.entries(payload.memberAssignment)) {
            const keep = name === topic ? keepUsers : keepLetters;
            const ends = await admin.fetchTopicOffsets(name);
            for (const end of ends.filter((e) => partitions.includes(e.partition))) {
              const offset = Math.max(Number(end.low), Number(end.high) - keep);
              consumer.seek({ topic: name, partition: end.partition, offset: String(offset) });
            }
          }
        } finally {
          await admin.disconnect();
        }
      })().catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot seek to the newest messages'));
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ topic: name, partition, message }) => {
        if (name === topic) this.#addUser(message);
        else this.#addLetter(partition, message);
        return Promise.resolve();
      },
    });
    this.#logger.info({ topic, dlqTopic }, 'tailing the users and dead-letter topics');
  }

  #addUser(message: KafkaMessage): void {
    if (!message.key) return;
    const id = message.key.toString();
    this.#users = newest(
      [...this.#users.filter((u) => u.id !== id), { id, at: Number(message.timestamp) }],
      this.#options.keepUsers,
    );
  }

  #addLetter(partition: number, message: KafkaMessage): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      // Only the dlq.* headers, which say why; a header that is not text is left out.
      if (!name.startsWith('dlq.') || value === undefined) continue;
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first.toString();
    }
    const atMs = Number(message.timestamp);
    const letter = {
      partition,
      offset: message.offset,
      at: new Date(atMs).toISOString(),
      atMs,
      key: message.key?.toString() ?? null,
      headers,
    };
    this.#letters = newest([...this.#letters, letter], this.#options.keepLetters, (l) => l.atMs);
  }

  /** The ids of the newest users published, newest first. */
  users(): string[] {
    return this.#users.map((user) => user.id);
  }

  /** The newest dead letters, newest first. */
  letters(): DeadLetterView[] {
    return this.#letters.map(({ atMs: _atMs, ...letter }) => letter);
  }

  /**
   * Leaves the group and disconnects. A start still connecting (kafkajs retries an absent broker for a
   * minute) is not waited for: its consumer is disconnected under it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const consumer = this.#consumer;
    this.#consumer = undefined;
    await consumer?.disconnect();
  }
}

function newest<T>(
  items: T[],
  keep: number,
  at: (item: T) => number = (item) => (item as { at: number }).at,
): T[] {
  return items.sort((a, b) => at(b) - at(a)).slice(0, keep);
}
