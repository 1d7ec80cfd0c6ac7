import { z } from 'zod';
import { ValidationError } from '../errors/pipeline-errors.ts';

const text = z.string().trim().min(1, 'must not be empty').nullable();
// The range a JavaScript Date holds: the driver would write a value outside it as 1970-01-01.
const DATE_LIMIT_MS = 8_640_000_000_000_000;
const epochMillis = z
  .number()
  .int('must be epoch milliseconds')
  .min(-DATE_LIMIT_MS, 'must be epoch milliseconds within a Date')
  .max(DATE_LIMIT_MS, 'must be epoch milliseconds within a Date')
  .nullable();
// 9999-12-31T23:59:59.999Z. produced_at is the row's write timestamp: a value in microseconds (or any far
// future) would win over every later update of the row, for good.
const MAX_PRODUCED_AT_MS = 253_402_300_799_999;

/** Degrees within ±limit, or null. */
const degrees = (limit: number) =>
  z
    .number()
    .min(-limit, `must be degrees within ±${limit}`)
    .max(limit, `must be degrees within ±${limit}`)
    .nullable();

/**
 * The record both services agree on: what the producer publishes and the consumer writes.
 * Every field but `id` and `produced_at` may be null because randomuser's `inc`/`exc` can leave it out.
 * `cell`, `latitude`, `longitude` and `timezone_offset` came with schema v2: a v1 record decodes with them null.
 * Compiled (zod's `z.compile`): both services validate every record with it, and the compiled fast path
 * costs a sixth of the interpreted parse; an invalid value falls back to the regular parser, so the issues
 * and the output are the same.
 */
export const userRecordSchema = z.compile(
  z.object({
    id: z.uuid('must be a UUID (login.uuid)'),
    first_name: text,
    last_name: text,
    gender: text,
    address: text,
    postcode: text,
    email: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
      .nullable(),
    username: text,
    dob: epochMillis,
    registered_date: epochMillis,
    phone: text,
    picture: z.url('must be a URL').nullable(),
    nat: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter nationality code')
      .nullable(),
    cell: text,
    latitude: degrees(90),
    longitude: degrees(180),
    timezone_offset: z
      .string()
      .regex(/^[+-]?\d{1,2}:\d{2}$/, 'must be an offset such as +5:30 or -3:00')
      .nullable(),
    produced_at: z
      .number()
      .int('must be epoch milliseconds')
      .nonnegative('must be epoch milliseconds')
      .max(MAX_PRODUCED_AT_MS, 'must be epoch milliseconds (at most year 9999), not microseconds'),
  }),
);

export type UserRecord = z.output<typeof userRecordSchema>;

/** Field-by-field descriptions of a zod failure: "email: must be an email address". */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(record)'}: ${issue.message}`);
}

/** Validates a decoded value as a UserRecord, or throws ValidationError naming each bad field. */
export function validateUserRecord(value: unknown): UserRecord {
  const result = userRecordSchema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(describeIssues(result.error), { cause: result.error });
}
