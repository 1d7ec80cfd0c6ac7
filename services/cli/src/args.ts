import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A point in time for --since: an ISO 8601 date or time (2026-12-08, 2026-12-08T03:00:00Z), or a duration
 * back from `now` (30s, 15m, 2h, 7d). Returns epoch milliseconds.
 */
export function parseTime(value: string, now = Date.now()): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const millis = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(millis)) {
    throw new InvalidArgumentError(
      'expected an ISO 8601 time (2026-12-08T03:00:00Z) or a duration back from now (30s, 15m, 2h, 7d)',
    );
  }
  return millis;
}

/** Where `replay --from` moves the group: the earliest retained offsets, or the first at or after a time. */
export type ReplayStart = { kind: 'earliest' } | { kind: 'time'; millis: number };

/** Parses --from: `offset:earliest` or an ISO 8601 time (no relative durations: a replay names its point). */
export function parseReplayStart(value: string): ReplayStart {
  if (value === 'offset:earliest') return { kind: 'earliest' };
  const millis = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(millis)) {
    throw new InvalidArgumentError(
      'expected offset:earliest or an ISO 8601 time such as 2026-12-08T03:00:00Z',
    );
  }
  return { kind: 'time', millis };
}

/** A positive integer option (--limit). */
export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a positive whole number');
  }
  return Number(value);
}
