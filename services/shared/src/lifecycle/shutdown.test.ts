import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// installShutdown owns the process's signals and exit, so it is exercised in a child process.
const child = `
import { installShutdown } from ${JSON.stringify(new URL('./shutdown.ts', import.meta.url).pathname)};
const quiet = () => undefined;
const logger = { info: quiet, warn: quiet, error: quiet, fatal: quiet, flush: quiet };
const shutdown = installShutdown(logger, 10_000);
console.log('before the signal: stopping=' + shutdown.stopping);
// A step that lasts until the late step is registered: start-up code runs on while shutdown is under way.
let release;
shutdown.add('slow', () => new Promise((resolve) => (release = resolve)));
// Registered after installShutdown's own listener, so it runs once shutdown has begun; no timers to race.
process.once('SIGTERM', () => {
  setImmediate(() => {
    console.log('after the signal: stopping=' + shutdown.stopping);
    shutdown.add('late', () => console.log('late step ran'));
    release();
  });
});
// Keeps the loop alive until the signal arrives; the shutdown's own process.exit ends it.
setInterval(() => undefined, 1_000);
process.kill(process.pid, 'SIGTERM');
`;

test('stopping turns true on the signal, and a step registered after it still runs before the exit', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child], {
    timeout: 20_000,
  });
  assert.deepEqual(stdout.trim().split('\n'), [
    'before the signal: stopping=false',
    'after the signal: stopping=true',
    'late step ran',
  ]);
});
