import { Command, CommanderError, Option } from 'commander';
import { parsePositiveInt, parseReplayStart, parseTime, type ReplayStart } from './args.ts';
import { EXIT } from './exit-codes.ts';

/** What each subcommand does once its arguments are parsed; each resolves to the exit code. */
export interface Handlers {
  dlqStats(options: { since?: number; json: boolean }): Promise<number>;
  dlqShow(options: { reason?: string; limit: number; json: boolean }): Promise<number>;
  dlqReplay(options: { reason?: string; since?: number; dryRun: boolean; json: boolean }): Promise<number>;
  replay(options: { from: ReplayStart; dryRun: boolean; group?: string; json: boolean }): Promise<number>;
  status(options: { json: boolean }): Promise<number>;
}

/** Where the program writes its help and usage errors. */
export interface ProgramOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const SETTINGS_HELP = `
Settings come from the environment, then from .env in the working directory, with the services' names and
defaults: KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_DLQ_TOPIC, CONSUMER_GROUP_ID, SCHEMA_REGISTRY_URL (and _USERNAME,
_PASSWORD), CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC, CASSANDRA_KEYSPACE, CASSANDRA_TABLE, ...

Exit codes: 0 done, 1 a server failed or could not be reached, 2 bad arguments or settings,
3 refused (e.g. the consumer group has live members). Nothing is changed when the code is 2 or 3.`;

const jsonOption = () => new Option('--json', 'print JSON for machines instead of tables').default(false);
const sinceOption = (what: string) =>
  new Option(
    '--since <time>',
    `only ${what} dead-lettered at or after <time>: ISO 8601 or 30s, 15m, 2h, 7d ago`,
  ).argParser((value: string) => parseTime(value));
const reasonOption = () =>
  new Option(
    '--reason <reason>',
    'only letters with this reason (dlq.error.reason, else the error class) or stage',
  );

/** The `userstream` command line, its actions bound to `handlers`, and the exit code its action gave. */
export function buildProgram(
  handlers: Handlers,
  output?: ProgramOutput,
): { program: Command; exitCode: () => number } {
  const program = new Command('userstream')
    .description('Operate the userstream pipeline: dead letters, replays, status.')
    .addHelpText('after', SETTINGS_HELP)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  if (output) program.configureOutput(output);
  let code: number = EXIT.ok;
  const run = (action: Promise<number>) => action.then((result) => void (code = result));

  const dlq = program
    .command('dlq')
    .description('look at dead letters and send them back')
    .addHelpText(
      'after',
      '\nStages: decode, validate, write (consumer), validate (producer refusals, JSON).',
    );
  dlq
    .command('stats')
    .description('count dead letters by stage and reason, with the oldest and newest')
    .addOption(sinceOption('count letters'))
    .addOption(jsonOption())
    .action((o: { since?: number; json: boolean }) => run(handlers.dlqStats(o)));
  dlq
    .command('show')
    .description('show dead letters with their headers and value (decoded Avro, JSON, or hex), oldest first')
    .addOption(reasonOption())
    .addOption(new Option('--limit <n>', 'show at most <n> letters').argParser(parsePositiveInt).default(20))
    .addOption(jsonOption())
    .action((o: { reason?: string; limit: number; json: boolean }) => run(handlers.dlqShow(o)));
  dlq
    .command('replay')
    .description(
      'send dead letters back to the input topic (original key, bytes and headers, plus a replay count), then remember how far it got so that running it again sends nothing new',
    )
    .addOption(reasonOption())
    .addOption(sinceOption('replay letters'))
    .addOption(new Option('--dry-run', 'list what would be sent; send and commit nothing').default(false))
    .addOption(jsonOption())
    .action((o: { reason?: string; since?: number; dryRun: boolean; json: boolean }) =>
      run(handlers.dlqReplay(o)),
    );

  program
    .command('replay')
    .description(
      "move the consumer group's committed offsets back so that it reads the input topic again from a point (the consumers must be stopped)",
    )
    .addOption(
      new Option('--from <point>', 'offset:earliest, or an ISO 8601 time (the first offset at or after it)')
        .argParser(parseReplayStart)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--group <id>', 'the consumer group (default: CONSUMER_GROUP_ID)'))
    .addOption(
      new Option('--dry-run', 'show the lag per partition before and after; move nothing').default(false),
    )
    .addOption(jsonOption())
    .action((o: { from: ReplayStart; dryRun: boolean; group?: string; json: boolean }) =>
      run(handlers.replay(o)),
    );

  program
    .command('status')
    .description(
      "one screen: the input topic's partitions and the group's lag, the dead-letter count, the registry subject's versions and compatibility, the table's row count",
    )
    .addOption(jsonOption())
    .action((o: { json: boolean }) => run(handlers.status(o)));
  return { program, exitCode: () => code };
}

/**
 * Runs the command line on `argv` (without node and the script) and resolves to the exit code: the
 * handler's, 0 for --help, 2 for a usage error (which commander has already printed).
 */
export async function runProgram(
  argv: readonly string[],
  handlers: Handlers,
  output?: ProgramOutput,
): Promise<number> {
  const { program, exitCode } = buildProgram(handlers, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    throw error;
  }
  return exitCode();
}
