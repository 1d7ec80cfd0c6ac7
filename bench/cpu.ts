// CPU time of the stack's servers and of the bench process itself, for the CPU-per-record figures.
import { cpuSeconds, stackServerPid, type ProcessWatch, type ServiceProcess } from '../dev/index.ts';

/** CPU seconds of the stack's Cassandra and Kafka so far (NaN for a server whose pid is unknown). */
export interface StackCpu {
  cassandra: number;
  kafka: number;
}

/** The stack servers' CPU seconds now, from their pids (scripts/stack.sh's pid files). */
export function stackCpu(): StackCpu {
  const of = (server: 'cassandra' | 'kafka') => {
    const pid = stackServerPid(server);
    return (pid === undefined ? undefined : cpuSeconds(pid)) ?? NaN;
  };
  return { cassandra: of('cassandra'), kafka: of('kafka') };
}

/** The stack servers' CPU seconds spent since `before`. */
export function stackCpuSince(before: StackCpu): StackCpu {
  const now = stackCpu();
  return { cassandra: now.cassandra - before.cassandra, kafka: now.kafka - before.kafka };
}

/** This process's own CPU seconds (user + system) so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Resolves with the CPU seconds `watch` reads at the moment `service` first logs a line matching `pattern`
 * (read on the output event itself, not on a poll, so little of what follows is counted).
 */
export function cpuWhenLogged(
  service: ServiceProcess,
  watch: ProcessWatch,
  pattern: RegExp,
): Promise<number> {
  return new Promise((resolve) => {
    const check = () => {
      if (!pattern.test(service.output())) return;
      resolve(watch.read().cpuSeconds);
      service.child.stdout?.off('data', check);
    };
    // Added after the harness's own listener, so the output it tests already holds the chunk.
    service.child.stdout?.on('data', check);
    check();
  });
}
