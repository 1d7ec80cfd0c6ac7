import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Runs runMain in a child process with a main that fails with `message`; its exit code and stderr. */
function failStart(message: string): { status: number | null; stderr: string } {
  const script = `
    import { runMain } from ${JSON.stringify(new URL('./run-main.ts', import.meta.url).href)};
    runMain('svc', () => Promise.reject(new Error(${JSON.stringify(message)})));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], { encoding: 'utf8' });
  return { status: child.status, stderr: child.stderr };
}

test('a failed start is one JSON line, exit 1, with credentials in the error masked', () => {
  const { status, stderr } = failStart(
    'connect to http://app:s3cret@registry:8081 failed; Provided username svc-user and/or password are incorrect',
  );
  assert.equal(status, 1);
  const line = JSON.parse(stderr.trim()) as { level: string; msg: string; err: string };
  assert.equal(line.level, 'fatal');
  assert.equal(line.msg, 'start-up failed');
  assert.equal(
    line.err,
    'Error: connect to http://***@registry:8081 failed; Provided username *** and/or password are incorrect',
  );
  assert.ok(!stderr.includes('s3cret') && !stderr.includes('svc-user'));
});
