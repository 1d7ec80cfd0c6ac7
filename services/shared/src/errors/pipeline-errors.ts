import { maskUrlCredentials } from '../observability/redact.ts';
/** The stage of the pipeline where a record failed; written into dead-letter headers. */
export type Stage = 'fetch' | 'validate' | 'encode' | 'publish' | 'decode' | 'write';

/** Base class for record-level failures: carries the stage and the underlying cause. */
export class PipelineError extends Error {
  readonly stage: Stage;
  /** Permanent errors go to the dead-letter topic; transient ones are retried. */
  readonly permanent: boolean;

  constructor(stage: Stage, message: string, options: { cause?: unknown; permanent?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.stage = stage;
    this.permanent = options.permanent ?? true;
  }
}

/** A record does not satisfy the user schema; `issues` names each field and reason. */
export class ValidationError extends PipelineError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[], options: { cause?: unknown } = {}) {
    super('validate', `invalid record: ${issues.join('; ')}`, options);
    this.issues = issues;
  }
}

/** A Kafka value could not be turned back into a record (framing, schema id, Avro). */
export class DecodeError extends PipelineError {
  readonly reason:
    | 'no-confluent-framing'
    | 'unknown-schema-id'
    | 'unreadable-schema'
    | 'avro-decode'
    | 'registry-unavailable';

  constructor(reason: DecodeError['reason'], message: string, options: { cause?: unknown } = {}) {
    super('decode', message, { ...options, permanent: reason !== 'registry-unavailable' });
    this.reason = reason;
  }
}

/** Cassandra refused or failed a write. */
export class WriteError extends PipelineError {
  constructor(message: string, options: { cause?: unknown; permanent: boolean }) {
    super('write', message, options);
  }
}

/** One or more environment variables are missing or invalid. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * A short, single-line description of any thrown value, for logs, headers and HTTP answers; credentials of
 * URLs in it are masked (an upstream error page or a client's message may echo the URL it was given).
 */
export function describeError(error: unknown): string {
  return maskUrlCredentials(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
