import cassandra from 'cassandra-driver';

const INVALID: number = cassandra.types.responseErrorCodes.invalid;
const UNAUTHORIZED: number = cassandra.types.responseErrorCodes.unauthorized;

/**
 * A refusal for lack of permission (the role may read but not write, say), as one line naming the setting
 * to fix; undefined for any other error. It is a configuration error, not bad data: it stays transient
 * (retried, the partitions paused), so nothing is dead-lettered or committed until the grant is fixed.
 */
export function asPermissionError(error: unknown): Error | undefined {
  if (!(error instanceof cassandra.errors.ResponseError) || error.code !== UNAUTHORIZED) return undefined;
  return new Error(
    `CASSANDRA_USERNAME: Cassandra denied the role a permission (${error.message.split('\n')[0] ?? ''}): grant it (nothing is written, dead-lettered or committed until then)`,
  );
}

/**
 * True when Cassandra (or the driver) refuses this row for good, so retrying is pointless and the message
 * belongs in the dead-letter topic. Unavailability, timeouts, overload and a missing table are transient:
 * they are retried, because they say nothing about the record itself. So is anything wrong with the
 * statement rather than the row (a syntax error, a column the table lacks, a guardrail against
 * USING TIMESTAMP or the consistency level): every row would fail the same way, and dead-lettering them all
 * would empty the topic into the dead-letter one.
 */
export function isPermanentWriteError(error: unknown): boolean {
  // The driver throws TypeError (or its ArgumentError) when a value cannot be serialized for its column.
  if (error instanceof TypeError || error instanceof cassandra.errors.ArgumentError) return true;
  if (error instanceof cassandra.errors.ResponseError) {
    const code: number = error.code;
    if (code === INVALID) return !STATEMENT_PROBLEM.test(error.message) && !systemGuardrail(error.message);
  }
  return false;
}

/** Messages of invalid-request errors that concern the statement or the schema, not the row's values. */
const STATEMENT_PROBLEM =
  /unconfigured table|does not exist|undefined column|unknown identifier|undefined name|no such column|some (partition key parts|clustering keys) are missing/i;

/**
 * Cassandra 5 guardrails that refuse a row for its own values (too large, a timestamp out of bounds); the
 * others (user timestamps or the consistency level disallowed, a full disk, ...) refuse every write alike.
 */
const ROW_GUARDRAILS = new Set([
  'column_value_size',
  'collection_size',
  'items_per_collection',
  'maximum_timestamp',
  'minimum_timestamp',
  'vector_dimensions',
  'sai_string_term_size',
  'sai_vector_term_size',
  'sai_frozen_term_size',
]);

/** True for a guardrail violation ("Guardrail NAME violated: ...") that is not about the row's values. */
function systemGuardrail(message: string): boolean {
  const name = /Guardrail (\w+) violated/.exec(message)?.[1];
  return name !== undefined && !ROW_GUARDRAILS.has(name);
}

/**
 * True when a write failed because the node (or the connection to it) went away rather than because it
 * answered: no host available, a closed or reset connection, a client-side timeout. Such a node may have
 * lost writes it acknowledged before (its commit log not yet synced), so the consumer writes them again.
 */
export function isNodeLossError(error: unknown): boolean {
  if (error instanceof cassandra.errors.ResponseError) return false;
  if (error instanceof cassandra.errors.NoHostAvailableError) return true;
  if (error instanceof cassandra.errors.OperationTimedOutError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE)$/.test(code)) return true;
  return (
    error instanceof Error &&
    /socket|connection (was )?closed|connection.*(reset|refused)/i.test(error.message)
  );
}
