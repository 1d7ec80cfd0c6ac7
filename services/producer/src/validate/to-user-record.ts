import { describeIssues, userRecordSchema, type UserRecord } from '@userstream/shared';
import { randomUserResultSchema, type RandomUserResult } from './randomuser-result.ts';

/** A record the producer refused, with where it was, why (field by field), and the result as received. */
export interface RejectedRecord {
  index: number;
  id: string | null;
  issues: string[];
  raw: unknown;
}

/** Maps one parsed randomuser result to our record (pure; no validation of the output). */
export function mapRandomUser(
  result: RandomUserResult,
  producedAt: number,
): Omit<UserRecord, 'id'> & { id: string } {
  const location = result.location;
  return {
    id: result.login?.uuid ?? '',
    first_name: result.name?.first ?? null,
    last_name: result.name?.last ?? null,
    gender: result.gender ?? null,
    // Joined as the Python design did: "<number> <street>, <city>, <state>, <country>".
    address: location
      ? `${String(location.street.number)} ${location.street.name}, ${location.city}, ${location.state}, ${location.country}`
      : null,
    postcode: location ? String(location.postcode) : null,
    email: result.email ?? null,
    username: result.login?.username ?? null,
    dob: result.dob ? Date.parse(result.dob.date) : null,
    registered_date: result.registered ? Date.parse(result.registered.date) : null,
    phone: result.phone ?? null,
    picture: result.picture?.medium ?? null,
    nat: result.nat ?? null,
    cell: result.cell ?? null,
    latitude: degreesOrNull(location?.coordinates?.latitude),
    longitude: degreesOrNull(location?.coordinates?.longitude),
    timezone_offset: location?.timezone?.offset ?? null,
    produced_at: producedAt,
  };
}

/** A coordinate as a number; text that is not one becomes NaN, which validation refuses by field name. */
function degreesOrNull(value: number | string | undefined): number | null {
  if (value === undefined) return null;
  return typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
}

/** Validates and maps a page of raw results; invalid ones are returned as rejections, never thrown. */
export function toUserRecords(
  raw: readonly unknown[],
  producedAt: number,
): { records: UserRecord[]; rejected: RejectedRecord[] } {
  const records: UserRecord[] = [];
  const rejected: RejectedRecord[] = [];
  raw.forEach((item, index) => {
    const id = readUuid(item);
    const parsed = randomUserResultSchema.safeParse(item);
    if (!parsed.success) {
      rejected.push({ index, id, issues: describeIssues(parsed.error), raw: item });
      return;
    }
    if (!parsed.data.login) {
      rejected.push({
        index,
        id,
        issues: ['login.uuid: required as the record id (is "login" excluded?)'],
        raw: item,
      });
      return;
    }
    const checked = userRecordSchema.safeParse(mapRandomUser(parsed.data, producedAt));
    if (!checked.success) {
      rejected.push({ index, id, issues: describeIssues(checked.error), raw: item });
      return;
    }
    records.push(checked.data);
  });
  return { records, rejected };
}

function readUuid(item: unknown): string | null {
  const uuid = (item as { login?: { uuid?: unknown } } | null)?.login?.uuid;
  return typeof uuid === 'string' ? uuid : null;
}
