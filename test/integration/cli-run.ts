// Runs the `userstream` command line as a process, as an operator would (its bin, the stack's settings).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, stack } from './support.ts';

/** What a run of the command line printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `userstream <args>` with the stack's settings plus `env`; never rejects on a non-zero exit. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--disable-warning=TimeoutNegativeWarning',
        join(REPO_ROOT, 'services/cli/bin/userstream.js'),
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...stack, ...env },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        if (typeof code !== 'number') reject(error ?? new Error('no exit code'));
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `userstream <args> --json`, expects exit 0, and parses the answer. */
export async function runCliJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const run = await runCli([...args, '--json'], env);
  if (run.code !== 0)
    throw new Error(`userstream ${args.join(' ')} exited ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as T;
}
