import type { IHeaders } from 'kafkajs';
import { REPLAY_COUNT_HEADER, createIdempotentProducer } from '@userstream/shared';
import type { CliContext } from '../context.ts';
import { renderTable } from '../render/table.ts';
import {
  isProducerRefusal,
  keyText,
  letterReason,
  letterStage,
  matchesReason,
  type Letter,
} from './letter.ts';
import { readLetters } from './read-letters.ts';

// Letters per send: well under the broker's default 1 MiB batch for users of a few hundred bytes.
const SEND_CHUNK = 500;

/** What `dlq replay` did (or, with --dry-run, would do). */
export interface ReplayReport {
  topic: string;
  groupId: string;
  dryRun: boolean;
  /** Letters read since the group's last replay (and --since). */
  read: number;
  replayed: {
    partition: number;
    offset: string;
    key: string | null;
    stage: string;
    reason: string;
    replayCount: number;
  }[];
  /** Producer refusals: JSON from the source, which the consumer cannot read; ask the source again instead. */
  notReplayable: number;
  /** Letters --reason left out. */
  filteredOut: number;
  /** The group's committed offsets after the run (unchanged by --dry-run). */
  committed: Record<number, number>;
}

/**
 * The consumer group that remembers how far replays have gone: one per --reason, so that replaying one
 * reason does not mark the others as done.
 */
export function replayGroupId(consumerGroupId: string, reason: string | undefined): string {
  return `${consumerGroupId}.dlq-replay${reason === undefined ? '' : `.${reason}`}`;
}

/** The replay count a letter already has (0 when never replayed). */
export function replayCount(letter: Letter): number {
  const count = Number(letter.headers[REPLAY_COUNT_HEADER] ?? 0);
  return Number.isSafeInteger(count) && count >= 0 ? count : 0;
}

/** The headers the replayed message carries: the letter's own (dlq.* included), replay count plus one. */
export function replayHeaders(letter: Letter): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(letter.rawHeaders)) {
    if (value === undefined) continue;
    headers[name] = value;
  }
  headers[REPLAY_COUNT_HEADER] = String(replayCount(letter) + 1);
  return headers;
}

/** The consumer's letters that --reason selects, and how many others were left out. */
export function selectForReplay(
  letters: readonly Letter[],
  reason: string | undefined,
): { selected: Letter[]; notReplayable: number; filteredOut: number } {
  const selected: Letter[] = [];
  let notReplayable = 0;
  let filteredOut = 0;
  for (const letter of letters) {
    if (!matchesReason(letter, reason)) filteredOut += 1;
    else if (isProducerRefusal(letter) || letter.value === null) notReplayable += 1;
    else selected.push(letter);
  }
  return { selected, notReplayable, filteredOut };
}

/**
 * Sends the selected letters back to the input topic with their original key, bytes and headers plus the
 * replay count, waits for Kafka's acknowledgement, then commits the replay group's offsets to where the read
 * ended, so that the same command run again sends nothing. Writes are idempotent upserts: a letter sent twice
 * (a crash between the send and the commit) writes the same row again.
 */
export async function replayLetters(
  ctx: CliContext,
  options: { reason?: string | undefined; sinceMs?: number | undefined; dryRun: boolean },
): Promise<ReplayReport> {
  const admin = await ctx.admin();
  const dlqTopic = ctx.config.KAFKA_DLQ_TOPIC;
  const groupId = replayGroupId(ctx.config.CONSUMER_GROUP_ID, options.reason);
  const committed = (await admin.fetchOffsets({ groupId, topics: [dlqTopic] }))[0]?.partitions ?? [];
  const start = new Map(
    committed.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]),
  );
  const { letters, end } = await readLetters(ctx, { sinceMs: options.sinceMs, start });
  const { selected, notReplayable, filteredOut } = selectForReplay(letters, options.reason);

  if (!options.dryRun) {
    if (selected.length > 0) {
      const producer = createIdempotentProducer(ctx.kafka);
      await producer.connect();
      try {
        for (let i = 0; i < selected.length; i += SEND_CHUNK) {
          await producer.send({
            topic: ctx.config.KAFKA_TOPIC,
            acks: -1,
            messages: selected
              .slice(i, i + SEND_CHUNK)
              .map((letter) => ({ key: letter.key, value: letter.value, headers: replayHeaders(letter) })),
          });
        }
      } finally {
        await producer.disconnect();
      }
    }
    await admin.setOffsets({
      groupId,
      topic: dlqTopic,
      partitions: [...end].map(([partition, offset]) => ({ partition, offset: String(offset) })),
    });
  }
  const after = options.dryRun ? start : end;
  return {
    topic: dlqTopic,
    groupId,
    dryRun: options.dryRun,
    read: letters.length,
    replayed: selected.map((letter) => ({
      partition: letter.partition,
      offset: letter.offset,
      key: keyText(letter),
      stage: letterStage(letter),
      reason: letterReason(letter),
      replayCount: replayCount(letter) + 1,
    })),
    notReplayable,
    filteredOut,
    committed: Object.fromEntries(after),
  };
}

/** The replay report for people. */
export function renderReplay(report: ReplayReport, inputTopic: string): string {
  const verb = report.dryRun ? 'would send' : 'sent';
  const lines = [
    `${report.topic} -> ${inputTopic}: ${verb} ${report.replayed.length} of ${report.read} letters read (group ${report.groupId})`,
  ];
  if (report.notReplayable > 0) {
    lines.push(
      `${report.notReplayable} producer refusal(s) not replayable: they hold the source's JSON; fix the cause and run the producer again (their headers name the seed and page)`,
    );
  }
  if (report.filteredOut > 0) lines.push(`${report.filteredOut} letter(s) left out by --reason`);
  if (report.replayed.length > 0) {
    lines.push(
      '',
      renderTable(
        ['PARTITION', 'OFFSET', 'KEY', 'STAGE', 'REASON', 'REPLAY'],
        report.replayed.map((r) => [
          r.partition,
          r.offset,
          r.key ?? '(none)',
          r.stage,
          r.reason,
          r.replayCount,
        ]),
      ),
    );
  }
  if (report.dryRun) lines.push('', 'dry run: nothing sent, offsets unchanged');
  return lines.join('\n');
}
