// scripts/stop-pipeline.sh: bash -n (shellcheck: test/tools/linters.test.ts), and its behaviour
// against a stand-in `docker` that records how it is called (no Docker needed).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './compose-model.ts';

const SCRIPT = join(REPO_ROOT, 'scripts', 'stop-pipeline.sh');
const scratch = mkdtempSync(join(tmpdir(), 'userstream-stop-pipeline-'));
const bin = join(scratch, 'bin');
const log = join(scratch, 'docker.log');

// The stand-in: logs "cwd|args" per call; `docker compose version` succeeds unless FAKE_NO_COMPOSE is set;
// `docker compose ... down` exits with FAKE_DOWN_STATUS (default 0).
spawnSync('mkdir', ['-p', bin]);
writeFileSync(
  join(bin, 'docker'),
  [
    '#!/usr/bin/env bash',
    `printf '%s|%s\\n' "$PWD" "$*" >> ${JSON.stringify(log)}`,
    'if [[ $1 == compose && $2 == version ]]; then [[ -z ${FAKE_NO_COMPOSE:-} ]]; exit; fi',
    'exit "${FAKE_DOWN_STATUS:-0}"',
    '',
  ].join('\n'),
);
chmodSync(join(bin, 'docker'), 0o755);

function run(args: string[], env: Record<string, string> = {}, path = `${bin}:/usr/bin:/bin`) {
  rmSync(log, { force: true });
  const result = spawnSync('bash', [SCRIPT, ...args], {
    cwd: scratch, // any directory: the script finds the repository itself
    env: { PATH: path, HOME: scratch, ...env },
    encoding: 'utf8',
  });
  let calls: string[] = [];
  try {
    calls = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    calls = [];
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('scripts/stop-pipeline.sh', () => {
  it('passes bash -n', () => {
    const result = spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });

  it('uses strict mode and runs from the repository root', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    assert.match(text, /^#!\/usr\/bin\/env bash\n/);
    assert.match(text, /^set -euo pipefail$/m);
  });

  it('brings down the whole project, the offline profile included, keeping the volumes by default', () => {
    const result = run([]);
    assert.equal(result.status, 0, result.stderr);
    const down = result.calls.find((call) => call.includes(' down'));
    assert.ok(down, `docker compose down was called: ${result.calls.join('\n')}`);
    const [cwd, args] = down.split('|');
    assert.equal(cwd, REPO_ROOT.replace(/\/$/, ''));
    assert.equal(args, 'compose --file compose.yaml --profile offline down --remove-orphans');
    assert.match(result.stdout, /keeping its data volumes/);
    assert.match(result.stdout, /stopped; .*data kept/);
  });

  for (const flag of ['--volumes', '-v']) {
    it(`${flag} also deletes the data volumes`, () => {
      const result = run([flag]);
      assert.equal(result.status, 0, result.stderr);
      assert.ok(
        result.calls.some((call) =>
          call.endsWith('compose --file compose.yaml --profile offline down --remove-orphans --volumes'),
        ),
        result.calls.join('\n'),
      );
      assert.match(result.stdout, /data volumes removed/);
    });
  }

  it('exits with docker compose’s status when down fails, and says so', () => {
    const result = run([], { FAKE_DOWN_STATUS: '3' });
    assert.equal(result.status, 3);
    assert.match(result.stderr, /failed with exit status 3/);
    assert.doesNotMatch(result.stdout, /stopped;/);
  });

  it('fails clearly without docker or without the compose plugin', () => {
    // A PATH with only what the script needs besides docker, whether or not this machine has docker.
    const noDockerBin = join(scratch, 'no-docker-bin');
    mkdirSync(noDockerBin, { recursive: true });
    for (const tool of ['bash', 'dirname']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      assert.ok(found, `${tool} not found`);
      rmSync(join(noDockerBin, tool), { force: true });
      symlinkSync(found, join(noDockerBin, tool));
    }
    const noDocker = run([], {}, noDockerBin);
    assert.equal(noDocker.status, 127, noDocker.stderr);
    assert.match(noDocker.stderr, /docker is not installed/);
    const noCompose = run([], { FAKE_NO_COMPOSE: '1' });
    assert.equal(noCompose.status, 127);
    assert.match(noCompose.stderr, /docker compose.*not available/);
    assert.ok(!noCompose.calls.some((call) => call.includes(' down')));
  });

  it('rejects unknown options with status 2 and prints the usage', () => {
    const result = run(['--force']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown option: --force/);
    assert.match(result.stderr, /Usage: scripts\/stop-pipeline\.sh/);
    assert.equal(result.calls.length, 0);
  });

  it('--help prints the usage and exits 0 without calling docker', () => {
    const result = run(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--volumes/);
    assert.equal(result.calls.length, 0);
  });
});
