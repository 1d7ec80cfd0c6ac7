import type { Logger } from 'pino';

/** Registers what to undo at shutdown; steps run last-registered first, like `defer`. */
export interface Shutdown {
  add(name: string, step: () => Promise<void> | void): void;
  /**
   * True once shutdown has begun. Start-up code checks it before starting work: steps it registers after
   * the signal still run, but work started then would meet clients already closed.
   */
  readonly stopping: boolean;
  /** Shuts down as on a signal, but exits 1: for a failure the service cannot recover from by itself. */
  fail(reason: string, error?: unknown): void;
}

/**
 * Installs SIGTERM/SIGINT handling at the very start of a service, so a signal during start-up is handled
 * too. On the first signal the registered steps run (newest first), then the process exits 0 (1 if a step
 * failed, all of them overran `timeoutMs`, or the shutdown came from `fail`). A second signal exits at once.
 */
export function installShutdown(logger: Logger, timeoutMs: number): Shutdown {
  const steps: { name: string; step: () => Promise<void> | void }[] = [];
  let stopping = false;
  let failure = false;
  const begin = (): void => {
    stopping = true;
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    void (async () => {
      let failed = false;
      for (const { name, step } of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          failed = true;
          logger.error({ err: error, step: name }, 'shutdown step failed');
        }
      }
      logger.info(failed ? 'shutdown finished with errors' : 'shutdown complete');
      logger.flush();
      process.exit(failed || failure ? 1 : 0);
    })();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    logger.info({ signal, timeoutMs }, 'shutting down: finishing in-flight work');
    begin();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    add: (name, step) => void steps.push({ name, step }),
    get stopping() {
      return stopping;
    },
    fail(reason, error) {
      failure = true;
      logger.fatal({ err: error, timeoutMs }, `shutting down after a fatal failure: ${reason}`);
      if (!stopping) begin();
    },
  };
}
