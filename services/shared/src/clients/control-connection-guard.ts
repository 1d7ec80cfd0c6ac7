// cassandra-driver 4.10.0 crashes the process when its control connection reconnects to a node that is
// still starting: the node answers `system.local` with no row, the connection's host stays null, and
// `_setHealthListeners(null, ...)` throws inside a timer, an unhandled rejection. Seen here when a killed
// Cassandra restarted under a running consumer. The guard schedules another reconnection instead, as the
// driver itself does when a reconnection fails.
import { createRequire } from 'node:module';

interface ControlConnectionInternals {
  _setHealthListeners: (this: ControlConnectionInternals, host: unknown, connection: unknown) => void;
  _refresh(): Promise<void>;
  _reconnectionSchedule: Iterator<number, number | undefined>;
  _isShuttingDown: boolean;
  log(level: string, message: string): void;
}

interface ControlConnectionClass {
  prototype: ControlConnectionInternals & { __userstreamGuarded?: boolean };
}

const RETRY_MS_WHEN_SCHEDULE_ENDS = 1_000;

/** Makes `ControlConnection` reconnect later, instead of throwing, when it found no host for its connection. */
export function guardControlConnection(controlConnection: ControlConnectionClass): void {
  const proto = controlConnection.prototype;
  if (proto.__userstreamGuarded) return;
  const original = proto._setHealthListeners;
  proto._setHealthListeners = function (this: ControlConnectionInternals, host, connection) {
    if (host) return original.call(this, host, connection);
    if (this._isShuttingDown) return undefined;
    const next: IteratorResult<number, number | undefined> = this._reconnectionSchedule.next();
    const delay = next.value ?? RETRY_MS_WHEN_SCHEDULE_ENDS;
    this.log('warning', `ControlConnection found no host for its connection; reconnecting in ${delay}ms`);
    setTimeout(() => void this._refresh().catch(() => undefined), delay).unref();
    return undefined;
  };
  proto.__userstreamGuarded = true;
}

/** Installs the guard on the cassandra-driver this package loads. */
export function guardInstalledDriver(): void {
  const require = createRequire(import.meta.url);
  guardControlConnection(require('cassandra-driver/lib/control-connection.js') as ControlConnectionClass);
}
