// The services as processes: started as the image starts them (or from source), their output kept, their
// ops port read from their log, stopped by their own pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { effective, execForm, readDockerfile } from './dockerfile.ts';
import { REPO_ROOT } from './paths.ts';
import { stack } from './stack.ts';
import { waitFor } from './wait.ts';

/** A service started as its own Node.js process, with its output kept for assertions. */
export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited and its output is read. */
  exited: Promise<number | string>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** A service of this repository that runs as a process. */
export type ServiceName = 'producer' | 'consumer' | 'randomuser-source' | 'status';

/** How to start a service beyond its environment. */
export interface StartOptions {
  /** Shown as it comes, besides being kept (`npm run pipeline`), while this returns true; never by default. */
  echo?: () => boolean;
  /** In a process group of its own, so that a terminal's Ctrl-C reaches only the parent; false by default. */
  detached?: boolean;
}

const started = new Set<ChildProcess>();

/** SIGKILLs those of `children` still running and waits for them to exit. */
async function killAll(children: Iterable<ChildProcess>): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}

/** SIGKILLs `services` where still running (after a failure), by their own pids. */
export async function killServices(services: Iterable<ServiceProcess>): Promise<void> {
  await killAll([...services].map((service) => service.child));
}

/** SIGKILLs every service this process started and left running (after a failed assertion), so it can end. */
export async function killLeftovers(): Promise<void> {
  await killAll(started);
  started.clear();
}

/** The node flags and script the image's CMD gives a service (docker/Dockerfile), e.g. heap limits. */
export function imageCommand(name: string): string[] {
  const cmd = effective(readDockerfile(), name, 'CMD');
  const argv = cmd ? execForm(cmd.args) : undefined;
  if (!argv || argv[0] !== 'node') throw new Error(`docker/Dockerfile: no exec-form node CMD for ${name}`);
  return argv.slice(1);
}

/**
 * Starts `services/<name>/src/main.ts` with the stack's settings plus `env` (HTTP_PORT 0 unless `env` sets
 * it: read the bound port with `opsPort`); with USERSTREAM_RUN_BUILT=1 (the benchmark sets it) the built
 * service runs instead, exactly as the image's CMD starts it.
 */
export function startService(
  name: ServiceName,
  env: Record<string, string>,
  args: string[] = [],
  options: StartOptions = {},
): ServiceProcess {
  const entry =
    process.env.USERSTREAM_RUN_BUILT === '1'
      ? imageCommand(name)
      : ['--conditions=source', `services/${name}/src/main.ts`];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...stack, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  started.add(child);
  let output = '';
  const keep = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
    output += chunk.toString();
    if (options.echo?.()) target.write(chunk);
  };
  child.stdout?.on('data', keep(process.stdout));
  child.stderr?.on('data', keep(process.stderr));
  // 'close', not 'exit': by then the last of its output has been read.
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => output,
    exited,
    waitForOutput: (pattern, timeoutMs = 60_000) =>
      waitFor(
        // The output as it is at the timeout, not as it was when the wait began.
        () => `${name} to log ${String(pattern)}\n--- ${name} output ---\n${output.slice(-3_000)}`,
        () => Promise.resolve(pattern.test(output) ? true : undefined),
        timeoutMs,
      ).then(() => undefined),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        // A signal that lands before the service installs its handlers would kill it outright; the
        // handlers are installed right before the "starting" (source: "ready") line, logged at info; don't
        // wait forever for it.
        await waitFor(
          `${name} to install its signal handlers`,
          () =>
            Promise.resolve(
              /"msg":"(starting (producer|consumer|status)|randomuser source ready)"/.test(output) ||
                child.exitCode !== null ||
                child.signalCode !== null
                ? true
                : undefined,
            ),
          10_000,
        ).catch(() => undefined);
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** The port a service's ops server bound (HTTP_PORT=0), read from its "ops server listening" log line. */
export async function opsPort(service: ServiceProcess): Promise<number> {
  await service.waitForOutput(/"msg":"ops server listening"/);
  const match = /"port":(\d+)[^\n]*"msg":"ops server listening"/.exec(service.output());
  if (!match) throw new Error('no ops port in the service output');
  return Number(match[1]);
}
