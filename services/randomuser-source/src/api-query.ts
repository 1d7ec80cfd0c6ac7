import { randomBytes } from 'node:crypto';
import {
  RANDOMUSER_MAX_PAGE as MAX_PAGE,
  RANDOMUSER_MAX_RESULTS as MAX_RESULTS,
} from '@userstream/shared/record';
import { NATIONALITIES, USER_FIELDS, type Nationality, type UserField } from './types.ts';

// Upstream's limits, under the names this package has always exported.
export { MAX_PAGE, MAX_RESULTS };

/** An API request's parameters after the upstream leniency rules have been applied. */
export interface ApiQuery {
  seed: string;
  /** False when the seed was made up for this request (then the answer is not worth caching). */
  seedGiven: boolean;
  page: number;
  results: number;
  /** Sorted and deduplicated; empty means every nationality. */
  nat: Nationality[];
  /** The fields each result carries, in upstream order. */
  fields: UserField[];
  noinfo: boolean;
}

const knownNats = new Set<string>(NATIONALITIES);

/** A fresh 16-hex-digit seed, the form randomuser.me reports when the caller gave none. */
export function randomSeed(): string {
  return randomBytes(8).toString('hex');
}

/** Reads randomuser.me 1.4 query parameters, turning out-of-range or garbled values into upstream's defaults. */
export function parseApiQuery(params: URLSearchParams, makeSeed: () => string = randomSeed): ApiQuery {
  const givenSeed = params.get('seed');
  const seedGiven = givenSeed !== null && givenSeed !== '';
  const results = positiveInt(params.get('results'));
  const page = positiveInt(params.get('page'));
  return {
    seed: seedGiven ? givenSeed : makeSeed(),
    seedGiven,
    page: page > MAX_PAGE ? 1 : page,
    results: results > MAX_RESULTS ? 1 : results,
    nat: normalizeNats((params.get('nat') ?? '').split(',').filter((code) => code !== '')),
    // As upstream: an absent or empty inc means every field; any other (even ",") lists the fields kept.
    fields: selectFields(
      params.get('inc') ? commaList(params.get('inc')) : undefined,
      commaList(params.get('exc')),
    ),
    noinfo: params.has('noinfo'),
  };
}

/** A whole decimal number >= 1, or 1 for anything else (absent, zero, negative, non-numeric, too big). */
function positiveInt(raw: string | null): number {
  const text = raw?.trim() ?? '';
  if (!/^\d+$/.test(text)) return 1;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 ? value : 1;
}

function commaList(raw: string | null): string[] {
  if (raw === null) return [];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * The nationality filter, sorted and deduplicated (any case); empty, meaning every nationality, when it names a
 * code upstream does not know: randomuser.me then drops the whole filter, not just that code.
 */
export function normalizeNats(codes: readonly string[]): Nationality[] {
  const wanted = new Set(codes.map((code) => code.toUpperCase()));
  if ([...wanted].some((code) => !knownNats.has(code))) return [];
  // Sorted so that "us,gb" and "GB,US" describe, and therefore generate, the same users.
  return NATIONALITIES.filter((nat) => wanted.has(nat));
}

/**
 * The fields a result keeps: those in `inc` (all when it is undefined) minus those in `exc`. An `inc`
 * naming no field we know keeps none, as upstream answers empty objects then.
 */
export function selectFields(inc: readonly string[] | undefined, exc: readonly string[]): UserField[] {
  const included = inc && new Set(inc.map((field) => field.trim().toLowerCase()));
  const excluded = new Set(exc.map((field) => field.trim().toLowerCase()));
  return USER_FIELDS.filter((field) => (!included || included.has(field)) && !excluded.has(field));
}
