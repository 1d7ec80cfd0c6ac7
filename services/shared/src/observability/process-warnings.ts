// Node's process warnings as log lines, less the ones known to be harmless here (kept out of the logs at
// start so that a real problem stands out). kafkajs's own harmless errors: clients/kafka-client.ts.
import type { Logger } from 'pino';

/**
 * Node process warnings to drop. kafkajs's request queue arms a timer for a throttle deadline that may
 * already have passed; Node then warns that the negative delay was taken as 1 ms, which is what is meant.
 */
const HARMLESS_WARNINGS = new Set(['TimeoutNegativeWarning']);

/** True for a Node process warning known to be harmless (see HARMLESS_WARNINGS). */
export function isHarmlessWarning(warning: Error): boolean {
  return HARMLESS_WARNINGS.has(warning.name);
}

/**
 * Node's process warnings go to `logger` (as structured lines, instead of Node's own stderr text), except
 * the harmless ones. Replaces Node's default printer, so call it once per process.
 */
export function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (!isHarmlessWarning(warning)) logger.warn({ err: warning }, `process warning: ${warning.name}`);
  });
}
