// scripts/setup/compose.sh, which builds the pinned Docker Compose into .tools/: shellcheck (required under
// CI=true), the cache (no build when the pinned binary is there), and a clear failure without Go.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COMPOSE_BIN, REPO_ROOT, composeSkip } from './compose-model.ts';
import { shellcheck, shellcheckSkip } from '../../dev/shellcheck.ts';

const SCRIPT = join(REPO_ROOT, 'scripts', 'setup', 'compose.sh');
const scratch = mkdtempSync(join(tmpdir(), 'userstream-setup-compose-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  return spawnSync('bash', [SCRIPT], { env: { HOME: scratch, ...env }, encoding: 'utf8' });
}

describe('scripts/setup/compose.sh', () => {
  it('passes shellcheck', { skip: shellcheckSkip() }, () => {
    const result = shellcheck([SCRIPT]);
    assert.equal(result.status, 0, result.output);
  });

  it('uses the pinned binary it finds, without building, and prints its path', { skip: composeSkip }, () => {
    // No Go on PATH: a build would fail, so success means the cache was used.
    const result = run({ PATH: '/usr/bin:/bin', COMPOSE_TOOLS_DIR: dirname(COMPOSE_BIN) });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), COMPOSE_BIN);
    assert.match(result.stderr, /using Docker Compose 5\.6\.0 .*\(cached\)/);
  });

  it('fails with a clear message when it has to build and there is no Go', () => {
    const result = run({ PATH: '/usr/bin:/bin', COMPOSE_TOOLS_DIR: join(scratch, 'tools') });
    assert.notEqual(result.status, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Go is needed to build Docker Compose 5\.6\.0/);
  });
});
