import { Writable } from 'node:stream';
import type { LevelWithSilent } from 'pino';
import { createLogger, type Logger } from './logger.ts';

/** One log line as pino writes it. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** For tests: a service logger at `level` whose lines are parsed into `lines` instead of written out. */
export function captureLogs(level: LevelWithSilent = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: createLogger('test', level, stream), lines };
}
