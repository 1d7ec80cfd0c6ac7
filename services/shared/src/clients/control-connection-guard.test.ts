import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { guardControlConnection, guardInstalledDriver } from './control-connection-guard.ts';

function fakeControlConnection() {
  const calls: unknown[] = [];
  class Fake {
    _isShuttingDown = false;
    _reconnectionSchedule = [25][Symbol.iterator]();
    refreshed = 0;
    logged: string[] = [];
    _setHealthListeners(host: unknown, connection: unknown) {
      calls.push([host, connection]);
      (host as { once(): void }).once();
    }
    _refresh() {
      this.refreshed++;
      return Promise.resolve();
    }
    log(_level: string, message: string) {
      this.logged.push(message);
    }
  }
  return { Fake, calls };
}

test('a control connection with no host reconnects later instead of throwing', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { Fake, calls } = fakeControlConnection();
  guardControlConnection(Fake);
  const cc = new Fake();
  assert.doesNotThrow(() => cc._setHealthListeners(null, {}));
  assert.equal(calls.length, 0);
  assert.match(cc.logged[0]!, /reconnecting in 25ms/);
  t.mock.timers.tick(25);
  await Promise.resolve();
  assert.equal(cc.refreshed, 1);
  // With a host, the driver's own code runs.
  let listened = 0;
  cc._setHealthListeners({ once: () => listened++ }, {});
  assert.equal(listened, 1);
});

test('the installed driver is guarded, once', () => {
  guardInstalledDriver();
  guardInstalledDriver();
  const require = createRequire(import.meta.url);
  const ControlConnection = require('cassandra-driver/lib/control-connection.js') as {
    prototype: { __userstreamGuarded?: boolean };
  };
  assert.equal(ControlConnection.prototype.__userstreamGuarded, true);
});
