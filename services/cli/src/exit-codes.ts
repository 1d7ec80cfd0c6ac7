/** The exit codes scripts can rely on (docs/cli.md). */
export const EXIT = {
  /** Done (a dry run included). */
  ok: 0,
  /** A server failed or could not be reached; the message says which. */
  failure: 1,
  /** Bad arguments or settings: nothing was done. */
  usage: 2,
  /** Refused on purpose, e.g. replay while the consumer group has live members: nothing was done. */
  refused: 3,
} as const;

/** An operation refused because of the pipeline's state (exit 3); the message says why. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}
