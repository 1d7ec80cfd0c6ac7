// shellcheck for the tests of one script: skipped where it is not installed, except under CI=true, where a
// missing shellcheck must fail the test rather than let the script pass unchecked.
import { spawnSync } from 'node:child_process';

/** Whether shellcheck is on the PATH. */
export const hasShellcheck =
  spawnSync('sh', ['-c', 'command -v shellcheck'], { stdio: 'ignore' }).status === 0;

/** node:test's `skip` for a shellcheck test: why, when shellcheck is missing outside CI; false otherwise. */
export function shellcheckSkip(installHint = ''): string | false {
  return !hasShellcheck && process.env.CI !== 'true'
    ? `shellcheck is not installed${installHint}; required when CI=true`
    : false;
}

/** Runs shellcheck with `args`: its exit status and what it printed. */
export function shellcheck(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('shellcheck', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
