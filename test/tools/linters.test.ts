// The linters that are binaries of their own, not npm packages: shellcheck on every tracked shell script and
// hadolint on docker/Dockerfile. Part of the integration run, whose CI set-up (scripts/setup.sh) installs
// both; a missing one fails here rather than passing unchecked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.error)
    throw new Error(`${command} could not run (${result.error.message}): bash scripts/setup.sh installs it`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Tracked shell scripts: *.sh and the CI entry point. */
function shellScripts(): string[] {
  const listed = run('git', ['ls-files', '--', '*.sh', '.ci/run']);
  assert.equal(listed.status, 0, listed.output);
  return listed.output.split('\n').filter(Boolean);
}

describe('linters outside npm', () => {
  it('shellcheck finds nothing in any shell script', () => {
    const scripts = shellScripts();
    assert.ok(scripts.includes('.ci/run') && scripts.includes('scripts/stack.sh'), scripts.join(' '));
    const { status, output } = run('shellcheck', ['--shell=bash', ...scripts]);
    assert.equal(status, 0, output);
  });

  it('hadolint finds nothing in docker/Dockerfile', () => {
    const { status, output } = run('hadolint', ['--no-color', 'docker/Dockerfile']);
    assert.equal(status, 0, output);
  });
});
