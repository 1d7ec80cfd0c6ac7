import { ConfigError, describeError } from '../errors/pipeline-errors.ts';

/**
 * Runs a service's async main; a ConfigError is printed as a list of bad variables (exit 2), any other
 * start-up failure as one JSON line (exit 1). `main` resolves to the exit code for run-once modes.
 */
export function runMain(service: string, main: () => Promise<number | undefined>): void {
  main().then(
    (code) => {
      if (code === undefined) return;
      process.exitCode = code;
      // A run-once mode is done: don't let a client's idle socket or timer keep the process alive.
      setTimeout(() => process.exit(code), 2_000).unref();
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        // One problem (a refused login, an untrusted certificate...) on one line; several as a list.
        const text =
          error.problems.length === 1 ? `invalid configuration: ${error.problems[0]}` : error.message;
        process.stderr.write(`${service}: ${text}\n`);
        process.exitCode = 2;
        // Some settings are only found wrong once a client is connected (a table that does not match).
        setTimeout(() => process.exit(2), 1_000).unref();
        return;
      }
      // Masked: a client's message may echo a URL with its credentials, or Cassandra the user name.
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', service, msg: 'start-up failed', err: describeError(error) })}\n`,
      );
      process.exitCode = 1;
      // Clients may hold sockets or timers open; a failed start must not hang.
      setTimeout(() => process.exit(1), 1_000).unref();
    },
  );
}
