import { hash } from 'node:crypto';
import { MAX_RESULTS, normalizeNats, selectFields, type ApiQuery } from './api-query.ts';
import { localePools, loginWords, type LoginPools, type PoolName, type PoolText } from './locale-pools.ts';
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
import { Utf8Writer } from './utf8-writer.ts';

/** What `generateUsers` needs; `nat`, `inc` and `exc` follow the API's rules (see api-query.ts). */
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
  /** Base URL of the picture URLs (ends with '/'); upstream's when absent. */
  portraits?: string;
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
/** Upstream's portraits; the offline server points its users at its own placeholders instead. */
export const UPSTREAM_PORTRAITS = 'https://randomuser.me/api/portraits/';
const TIMEZONE_JSON = TIMEZONES.map((timezone) => JSON.stringify(timezone));
const COUNTRY_JSON = Object.fromEntries(
  NATIONALITIES.map((nat) => [nat, JSON.stringify(PROFILES[nat].country)]),
) as Record<Nationality, string>;

/**
 * Everything drawn for one user, before it becomes either an object (generateUsers) or JSON text
 * (renderResponse). Texts that may need escaping arrive pre-escaped from the pools; every other string
 * is built from digits, ASCII letters and punctuation that JSON never escapes.
 */
interface UserDraw {
  uuid: string;
  nat: Nationality;
  male: boolean;
  title: string;
  first: PoolName;
  last: PoolName;
  streetNumber: number;
  street: PoolText;
  city: PoolText;
  state: PoolText;
  postcode: number | string;
  latitude: string;
  longitude: string;
  timezone: number;
  username: string;
  password: string;
  salt: string;
  md5: string;
  sha1: string;
  sha256: string;
  dob: DatedAge;
  registered: DatedAge;
  phone: string;
  cell: string;
  id: RandomUser['id'];
  portrait: string;
}

/** One page's inputs, normalized: `nats` sorted and known, `fields` in upstream order. */
interface PageSpec {
  seed: string;
  page: number;
  results: number;
  nats: readonly Nationality[];
  fields: readonly UserField[];
  /** Base URL of the picture URLs. */
  portraits: string;
}

/** Generates one page of users: the same options always give the same users, in the same order. */
export function generateUsers(options: GenerateUsersOptions): RandomUserResult[] {
  const page = options.page ?? 1;
  const results = options.results ?? 1;
  if (!Number.isSafeInteger(page) || page < 1)
    throw new RangeError(`page must be an integer >= 1, got ${page}`);
  if (!Number.isInteger(results) || results < 1 || results > MAX_RESULTS) {
    throw new RangeError(`results must be an integer from 1 to ${MAX_RESULTS}, got ${results}`);
  }
  const spec: PageSpec = {
    seed: options.seed,
    page,
    results,
    nats: normalizeNats(options.nat ?? []),
    fields: selectFields(options.inc?.length ? options.inc : undefined, options.exc ?? []),
    portraits: options.portraits ?? UPSTREAM_PORTRAITS,
  };
  return objectsOf(spec);
}

/** The whole API answer for a parsed query as objects, `info` included unless `noinfo` was given. */
export function buildResponse(query: ApiQuery, portraits = UPSTREAM_PORTRAITS): RandomUserResponse {
  const results = objectsOf(specOf(query, portraits));
  if (query.noinfo) return { results };
  return { results, info: infoOf(query) };
}

/**
 * The whole API answer for a parsed query as UTF-8 JSON, byte for byte `JSON.stringify(buildResponse(query))`
 * but written directly: JSON.stringify over 5000 nested objects cost more than generating them.
 */
export function renderResponse(query: ApiQuery, portraits = UPSTREAM_PORTRAITS): Buffer {
  const spec = specOf(query, portraits);
  // About 1.1 kB per complete user; the writer grows if a page needs more.
  const out = new Utf8Writer(
    512 + spec.results * Math.ceil((1300 * spec.fields.length) / USER_FIELDS.length),
  );
  out.write('{"results":[');
  forEachDraw(spec, (draw, index) => {
    out.write(
      index === 0
        ? userJson(draw, spec.fields, spec.portraits)
        : `,${userJson(draw, spec.fields, spec.portraits)}`,
    );
  });
  out.write(query.noinfo ? ']}' : `],"info":${JSON.stringify(infoOf(query))}}`);
  return out.bytes();
}

function specOf(query: ApiQuery, portraits: string): PageSpec {
  return {
    portraits,
    seed: query.seed,
    page: query.page,
    results: query.results,
    nats: query.nat,
    fields: query.fields,
  };
}

function infoOf(query: ApiQuery): NonNullable<RandomUserResponse['info']> {
  return { seed: query.seed, results: query.results, page: query.page, version: '1.4' };
}

function objectsOf(spec: PageSpec): RandomUserResult[] {
  const full = spec.fields.length === USER_FIELDS.length;
  const users = new Array<RandomUserResult>(spec.results);
  forEachDraw(spec, (draw, index) => {
    const user = userObject(draw, spec.portraits);
    users[index] = full ? user : pick(user, spec.fields);
  });
  return users;
}

/** Draws every user of the page in order. */
function forEachDraw(spec: PageSpec, visit: (draw: UserDraw, index: number) => void): void {
  const pool = spec.nats.length > 0 ? spec.nats : NATIONALITIES;
  const key = pageKey(spec.seed, spec.page, spec.nats.join(','));
  const login = loginWords();
  // Hashing is the costliest step per user; skip it when nobody will see the login.
  const withHashes = spec.fields.includes('login');
  for (let index = 0; index < spec.results; index++)
    visit(drawUser(key, index, pool, login, withHashes), index);
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
function drawUser(
  key: PageKey,
  index: number,
  nats: readonly Nationality[],
  login: LoginPools,
  withHashes: boolean,
): UserDraw {
  const random = new UserRandom(key, index);
  const uuid = uuidV4(random);
  const nat = random.pick(nats);
  const profile = PROFILES[nat];
  const pools = localePools(nat);
  const male = random.below(2) === 0;
  const title = random.pick(male ? profile.titles.male : profile.titles.female);
  const first = random.pick(male ? pools.maleFirst : pools.femaleFirst);
  const last = random.pick(male ? pools.maleLast : pools.femaleLast);
  const streetNumber = random.between(1, 9999);
  const street = random.pick(pools.streets);
  const city = random.pick(pools.cities);
  const state = random.pick(pools.states);
  const postcode = profile.postcode(random);
  const latitude = (random.fraction() * 180 - 90).toFixed(4);
  const longitude = (random.fraction() * 360 - 180).toFixed(4);
  const timezone = random.below(TIMEZONES.length);
  const username = `${random.pick(login.adjectives)}${random.pick(login.animals)}${random.between(100, 999)}`;
  const password = random.pick(login.passwords);
  let salt = '';
  for (let i = 0; i < 8; i++) salt += SALT_ALPHABET.charAt(random.below(SALT_ALPHABET.length));
  // Ages 21..77 and accounts 1..21 years old, upstream's ranges.
  const dob = utcParts(Math.floor(AGE_REFERENCE_TIME - (21 + random.fraction() * 56) * YEAR_MS));
  const registered = utcParts(Math.floor(AGE_REFERENCE_TIME - (1 + random.fraction() * 20) * YEAR_MS));
  const phone = fillDigits(profile.phone, random);
  const cell = fillDigits(profile.cell, random);
  const id = profile.id(random, { day: dob.day, month: dob.month, year: dob.year, male });
  // Upstream has portraits men/0..99 and women/0..96.
  const portrait = male ? `men/${random.below(100)}.jpg` : `women/${random.below(97)}.jpg`;
  const salted = password + salt;
  return {
    uuid,
    nat,
    male,
    title,
    first,
    last,
    streetNumber,
    street,
    city,
    state,
    postcode,
    latitude,
    longitude,
    timezone,
    username,
    password,
    salt,
    md5: withHashes ? hash('md5', salted) : '',
    sha1: withHashes ? hash('sha1', salted) : '',
    sha256: withHashes ? hash('sha256', salted) : '',
    dob: datedAge(dob),
    registered: datedAge(registered),
    phone,
    cell,
    id,
    portrait,
  };
}

function userObject(draw: UserDraw, portraits: string): RandomUser {
  // TIMEZONES has an entry for every index drawn below its length.
  const timezone = TIMEZONES[draw.timezone] as RandomUser['location']['timezone'];
  return {
    gender: draw.male ? 'male' : 'female',
    name: { title: draw.title, first: draw.first.text, last: draw.last.text },
    location: {
      street: { number: draw.streetNumber, name: draw.street.text },
      city: draw.city.text,
      state: draw.state.text,
      country: PROFILES[draw.nat].country,
      postcode: draw.postcode,
      coordinates: { latitude: draw.latitude, longitude: draw.longitude },
      timezone: { offset: timezone.offset, description: timezone.description },
    },
    email: `${draw.first.slug}.${draw.last.slug}@example.com`,
    login: {
      uuid: draw.uuid,
      username: draw.username,
      password: draw.password,
      salt: draw.salt,
      md5: draw.md5,
      sha1: draw.sha1,
      sha256: draw.sha256,
    },
    dob: { date: draw.dob.date, age: draw.dob.age },
    registered: { date: draw.registered.date, age: draw.registered.age },
    phone: draw.phone,
    cell: draw.cell,
    id: { name: draw.id.name, value: draw.id.value },
    picture: {
      large: `${portraits}${draw.portrait}`,
      medium: `${portraits}med/${draw.portrait}`,
      thumbnail: `${portraits}thumb/${draw.portrait}`,
    },
    nat: draw.nat,
  };
}

/** The JSON of one field, exactly as JSON.stringify would write it inside userObject(draw). */
function fieldJson(draw: UserDraw, field: UserField, portraits: string): string {
  switch (field) {
    case 'gender':
      return draw.male ? '"gender":"male"' : '"gender":"female"';
    case 'name':
      return `"name":{"title":"${draw.title}","first":${draw.first.json},"last":${draw.last.json}}`;
    case 'location': {
      const postcode = typeof draw.postcode === 'number' ? String(draw.postcode) : `"${draw.postcode}"`;
      return (
        `"location":{"street":{"number":${draw.streetNumber},"name":${draw.street.json}},` +
        `"city":${draw.city.json},"state":${draw.state.json},"country":${COUNTRY_JSON[draw.nat]},` +
        `"postcode":${postcode},"coordinates":{"latitude":"${draw.latitude}","longitude":"${draw.longitude}"},` +
        `"timezone":${TIMEZONE_JSON[draw.timezone]}}`
      );
    }
    case 'email':
      return `"email":"${draw.first.slug}.${draw.last.slug}@example.com"`;
    case 'login':
      return (
        `"login":{"uuid":"${draw.uuid}","username":"${draw.username}","password":"${draw.password}",` +
        `"salt":"${draw.salt}","md5":"${draw.md5}","sha1":"${draw.sha1}","sha256":"${draw.sha256}"}`
      );
    case 'dob':
      return `"dob":{"date":"${draw.dob.date}","age":${draw.dob.age}}`;
    case 'registered':
      return `"registered":{"date":"${draw.registered.date}","age":${draw.registered.age}}`;
    case 'phone':
      return `"phone":"${draw.phone}"`;
    case 'cell':
      return `"cell":"${draw.cell}"`;
    case 'id':
      return `"id":{"name":"${draw.id.name}","value":${draw.id.value === null ? 'null' : `"${draw.id.value}"`}}`;
    case 'picture':
      return (
        `"picture":{"large":"${portraits}${draw.portrait}","medium":"${portraits}med/${draw.portrait}",` +
        `"thumbnail":"${portraits}thumb/${draw.portrait}"}`
      );
    case 'nat':
      return `"nat":"${draw.nat}"`;
  }
}

function userJson(draw: UserDraw, fields: readonly UserField[], portraits: string): string {
  let out = '{';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) out += ',';
    out += fieldJson(draw, fields[i] as UserField, portraits);
  }
  return `${out}}`;
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
