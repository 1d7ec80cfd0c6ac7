// What a process costs, read from outside in /proc: its CPU time (user + system, all its threads) and its
// peak resident memory. By pid, so it counts that process only, not its parent or siblings.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;
/** Clock ticks per second, the unit of /proc/<pid>/stat's times (100 on Linux almost always). */
function ticksPerSecond(): number {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return clockTicks;
}

/** CPU seconds (user + system) a live process has used so far, or undefined once it has gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
    // 14th and 15th fields of the line, the 12th and 13th after ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Peak resident memory (VmHWM) of a live process in MiB, or undefined once it has exited. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A process's CPU seconds and peak RSS (MiB) as last seen. */
export interface ProcessUsage {
  cpuSeconds: number;
  peakRssMiB: number;
}

/** A watch on one process's usage: `read()` samples now, `stop()` samples a last time and ends the watch. */
export interface ProcessWatch {
  read(): ProcessUsage;
  stop(): ProcessUsage;
}

/**
 * Samples a process's CPU time and peak RSS every `everyMs` until stopped, keeping the last values seen: a
 * process that exits on its own is counted up to its last sample (at most `everyMs` before its exit).
 */
export function watchProcess(pid: number, everyMs = 200): ProcessWatch {
  const usage: ProcessUsage = { cpuSeconds: 0, peakRssMiB: 0 };
  const read = () => {
    usage.cpuSeconds = cpuSeconds(pid) ?? usage.cpuSeconds;
    usage.peakRssMiB = Math.max(usage.peakRssMiB, peakRssMiB(pid) ?? 0);
    return { ...usage };
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    read,
    stop() {
      const last = read();
      clearInterval(timer);
      return last;
    },
  };
}
