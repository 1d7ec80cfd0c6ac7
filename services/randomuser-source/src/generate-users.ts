import { hash } from 'node:crypto';
import { MAX_RESULTS, normalizeNats, selectFields, type ApiQuery } from './api-query.ts';
import { localePools, loginWords, type LocalePools, type LoginPools } from './locale-pools.ts';
import { fillDigits, PROFILES } from './nationalities.ts';
import { TIMEZONES } from './timezones.ts';
import {
  NATIONALITIES,
  USER_FIELDS,
  type DatedAge,
  type Nationality,
  type RandomUser,
  type RandomUserResponse,
  type RandomUserResult,
  type UserField,
} from './types.ts';
import { pageKey, UserRandom, type PageKey } from './user-random.ts';
import { isoString, utcParts, yearsBetween, type UtcParts } from './utc-date.ts';

/** What `generateUsers` needs; `nat`, `inc` and `exc` follow the API's rules (unknown names ignored). */
export interface GenerateUsersOptions {
  seed: string;
  /** 1 when absent. */
  page?: number;
  /** 1..5000; 1 when absent. */
  results?: number;
  /** Nationalities to pick from (any order, any case); all of them when absent or empty. */
  nat?: readonly string[];
  inc?: readonly string[];
  exc?: readonly string[];
}

/**
 * Ages are counted at this fixed instant, not at "now": otherwise a seed's users would change
 * on their birthdays and the same request would stop being byte-identical from one day to the next.
 */
export const AGE_REFERENCE_TIME = Date.UTC(2026, 0, 1);
const REFERENCE_PARTS = utcParts(AGE_REFERENCE_TIME);
const YEAR_MS = 365.2425 * 24 * 3600 * 1000;
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const SALT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PORTRAITS = 'https://randomuser.me/api/portraits/';

/** Generates one page of users: the same options always give the same users, in the same order. */
export function generateUsers(options: GenerateUsersOptions): RandomUserResult[] {
  const page = options.page ?? 1;
  const results = options.results ?? 1;
  if (!Number.isSafeInteger(page) || page < 1)
    throw new RangeError(`page must be an integer >= 1, got ${page}`);
  if (!Number.isInteger(results) || results < 1 || results > MAX_RESULTS) {
    throw new RangeError(`results must be an integer from 1 to ${MAX_RESULTS}, got ${results}`);
  }
  return generatePage(
    options.seed,
    page,
    results,
    normalizeNats(options.nat ?? []),
    selectFields(options.inc ?? [], options.exc ?? []),
  );
}

/** The whole API answer for a parsed query, `info` included unless `noinfo` was given. */
export function buildResponse(query: ApiQuery): RandomUserResponse {
  const results = generatePage(query.seed, query.page, query.results, query.nat, query.fields);
  if (query.noinfo) return { results };
  return { results, info: { seed: query.seed, results: query.results, page: query.page, version: '1.4' } };
}

/** The users of one page, with `nats` already normalized (sorted, known) and `fields` in upstream order. */
function generatePage(
  seed: string,
  page: number,
  results: number,
  nats: readonly Nationality[],
  fields: readonly UserField[],
): RandomUserResult[] {
  const pool = nats.length > 0 ? nats : NATIONALITIES;
  const key = pageKey(seed, page, nats.join(','));
  const login = loginWords();
  const full = fields.length === USER_FIELDS.length;
  // Hashing is the costliest step per user; skip it when nobody will see the login.
  const withHashes = fields.includes('login');
  const users: RandomUserResult[] = new Array<RandomUserResult>(results);
  for (let index = 0; index < results; index++) {
    const user = generateUser(key, index, pool, login, withHashes);
    users[index] = full ? user : pick(user, fields);
  }
  return users;
}

function pick(user: RandomUser, fields: readonly UserField[]): RandomUserResult {
  // Copied by name, so each kept field has exactly its type in RandomUser.
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = user[field];
  return out;
}

/**
 * User `index` of the page with `key`. The draws happen in a fixed order whatever fields are wanted,
 * so `inc`/`exc` only hide fields and never change the ones they keep.
 */
function generateUser(
  key: PageKey,
  index: number,
  nats: readonly Nationality[],
  login: LoginPools,
  withHashes: boolean,
): RandomUser {
  const random = new UserRandom(key, index);
  const uuid = uuidV4(random);
  const nat = random.pick(nats);
  const profile = PROFILES[nat];
  const pools: LocalePools = localePools(nat);
  const male = random.below(2) === 0;
  const title = random.pick(male ? profile.titles.male : profile.titles.female);
  const first = random.pick(male ? pools.maleFirst : pools.femaleFirst);
  const last = random.pick(male ? pools.maleLast : pools.femaleLast);
  const streetNumber = random.between(1, 9999);
  const streetName = random.pick(pools.streets);
  const city = random.pick(pools.cities);
  const state = random.pick(pools.states);
  const postcode = profile.postcode(random);
  const latitude = (random.fraction() * 180 - 90).toFixed(4);
  const longitude = (random.fraction() * 360 - 180).toFixed(4);
  const timezone = random.pick(TIMEZONES);
  const username = `${random.pick(login.adjectives)}${random.pick(login.animals)}${random.between(100, 999)}`;
  const password = random.pick(login.passwords);
  let salt = '';
  for (let i = 0; i < 8; i++) salt += SALT_ALPHABET.charAt(random.below(SALT_ALPHABET.length));
  // Ages 21..77 and accounts 1..21 years old, upstream's ranges.
  const dobTime = Math.floor(AGE_REFERENCE_TIME - (21 + random.fraction() * 56) * YEAR_MS);
  const registeredTime = Math.floor(AGE_REFERENCE_TIME - (1 + random.fraction() * 20) * YEAR_MS);
  const phone = fillDigits(profile.phone, random);
  const cell = fillDigits(profile.cell, random);
  const dob = utcParts(dobTime);
  const id = profile.id(random, { day: dob.day, month: dob.month, year: dob.year, male });
  const portrait = `${male ? 'men' : 'women'}/${random.below(100)}.jpg`;
  const salted = password + salt;
  return {
    gender: male ? 'male' : 'female',
    name: { title, first: first.text, last: last.text },
    location: {
      street: { number: streetNumber, name: streetName },
      city,
      state,
      country: profile.country,
      postcode,
      coordinates: { latitude, longitude },
      timezone: { offset: timezone.offset, description: timezone.description },
    },
    email: `${first.slug}.${last.slug}@example.com`,
    login: {
      uuid,
      username,
      password,
      salt,
      md5: withHashes ? hash('md5', salted) : '',
      sha1: withHashes ? hash('sha1', salted) : '',
      sha256: withHashes ? hash('sha256', salted) : '',
    },
    dob: datedAge(dob),
    registered: datedAge(utcParts(registeredTime)),
    phone,
    cell,
    id,
    picture: {
      large: `${PORTRAITS}${portrait}`,
      medium: `${PORTRAITS}med/${portrait}`,
      thumbnail: `${PORTRAITS}thumb/${portrait}`,
    },
    nat,
  };
}

/** A random version-4 UUID drawn from the user's stream, so it is fixed by seed, page and index. */
function uuidV4(random: UserRandom): string {
  const a = hex32(random.next());
  const b = hex32(((random.next() & 0xffff0fff) | 0x00004000) >>> 0);
  const c = hex32(((random.next() & 0x3fffffff) | 0x80000000) >>> 0);
  const d = hex32(random.next());
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

function hex32(value: number): string {
  const byte = (shift: number): string => HEX_BYTES[(value >>> shift) & 0xff] ?? '';
  return byte(24) + byte(16) + byte(8) + byte(0);
}

function datedAge(parts: UtcParts): DatedAge {
  return { date: isoString(parts), age: yearsBetween(parts, REFERENCE_PARTS) };
}
