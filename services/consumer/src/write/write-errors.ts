import cassandra from 'cassandra-driver';

const { responseErrorCodes } = cassandra.types;

/**
 * True when Cassandra (or the driver) refuses this row for good, so retrying is pointless and the message
 * belongs in the dead-letter topic. Unavailability, timeouts, overload and a missing table are transient:
 * they are retried, because they say nothing about the record itself.
 */
export function isPermanentWriteError(error: unknown): boolean {
  // The driver throws TypeError (or its ArgumentError) when a value cannot be serialized for its column.
  if (error instanceof TypeError || error instanceof cassandra.errors.ArgumentError) return true;
  if (error instanceof cassandra.errors.ResponseError) {
    const code: number = error.code;
    const refused: number[] = [responseErrorCodes.invalid, responseErrorCodes.syntaxError];
    if (refused.includes(code)) {
      return !/unconfigured table|keyspace .* does not exist|does not exist/i.test(error.message);
    }
  }
  return false;
}
