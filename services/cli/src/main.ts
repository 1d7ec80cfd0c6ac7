// The `userstream` command line: dead letters, replays and status for an operator (docs/cli.md).
import { ConfigError, describeError } from '@userstream/shared';
import { loadCliConfig } from './config.ts';
import { createCliContext, type CliContext } from './context.ts';
import { computeStats, renderStats } from './dlq/stats.ts';
import { matchesReason } from './dlq/letter.ts';
import { readLetters } from './dlq/read-letters.ts';
import { renderReplay, replayLetters } from './dlq/replay-letters.ts';
import { renderShown, showLetter } from './dlq/show.ts';
import { viewValue } from './dlq/value-view.ts';
import { EXIT, RefusedError } from './exit-codes.ts';
import { renderGroupReplay, replayGroup } from './group/replay-group.ts';
import { runProgram, type Handlers } from './program.ts';
import { readStatus, renderStatus, statusHasErrors } from './status.ts';

const print = (text: string): void => void process.stdout.write(`${text}\n`);
const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

/**
 * Runs `action` with clients made from the settings, closes them, and maps failures to exit codes: bad
 * settings 2, a refusal 3, anything else 1, each with one line on stderr.
 */
async function withContext(action: (ctx: CliContext) => Promise<number>): Promise<number> {
  let ctx: CliContext | undefined;
  try {
    ctx = createCliContext(loadCliConfig());
    return await action(ctx);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`userstream: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof RefusedError) {
      process.stderr.write(`userstream: refused: ${error.message}\n`);
      return EXIT.refused;
    }
    process.stderr.write(`userstream: ${describeError(error)}\n`);
    return EXIT.failure;
  } finally {
    await ctx?.close();
  }
}

const handlers: Handlers = {
  dlqStats: (o) =>
    withContext(async (ctx) => {
      const { letters } = await readLetters(ctx, { sinceMs: o.since });
      const stats = computeStats(ctx.config.KAFKA_DLQ_TOPIC, letters);
      if (o.json) printJson(stats);
      else print(renderStats(stats));
      return EXIT.ok;
    }),
  dlqShow: (o) =>
    withContext(async (ctx) => {
      const { letters } = await readLetters(ctx);
      const matching = letters.filter((letter) => matchesReason(letter, o.reason));
      const registry = ctx.registry();
      const shown = [];
      for (const letter of matching.slice(0, o.limit)) {
        shown.push(showLetter(letter, await viewValue(letter.value, (value) => registry.decode(value))));
      }
      if (o.json) printJson({ topic: ctx.config.KAFKA_DLQ_TOPIC, matching: matching.length, letters: shown });
      else print(renderShown(ctx.config.KAFKA_DLQ_TOPIC, shown, matching.length));
      return EXIT.ok;
    }),
  dlqReplay: (o) =>
    withContext(async (ctx) => {
      const report = await replayLetters(ctx, { reason: o.reason, sinceMs: o.since, dryRun: o.dryRun });
      if (o.json) printJson(report);
      else print(renderReplay(report, ctx.config.KAFKA_TOPIC));
      return EXIT.ok;
    }),
  replay: (o) =>
    withContext(async (ctx) => {
      const report = await replayGroup(ctx, o.from, { dryRun: o.dryRun, groupId: o.group });
      if (o.json) printJson(report);
      else print(renderGroupReplay(report));
      return EXIT.ok;
    }),
  status: (o) =>
    withContext(async (ctx) => {
      const report = await readStatus(ctx);
      if (o.json) printJson(report);
      else print(renderStatus(report));
      return statusHasErrors(report) ? EXIT.failure : EXIT.ok;
    }),
};

process.exitCode = await runProgram(process.argv.slice(2), handlers);
