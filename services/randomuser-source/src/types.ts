// The JSON shape randomuser.me API 1.4 answers with, as this service reproduces it.

import type { Nationality } from '@userstream/shared/record';

export { NATIONALITIES, type Nationality } from '@userstream/shared/record';

/** The top-level fields of a result, in the order randomuser.me writes them; `inc`/`exc` name these. */
export const USER_FIELDS = [
  'gender',
  'name',
  'location',
  'email',
  'login',
  'dob',
  'registered',
  'phone',
  'cell',
  'id',
  'picture',
  'nat',
] as const;

export type UserField = (typeof USER_FIELDS)[number];

/** A date with the whole years elapsed since it, as randomuser.me reports `dob` and `registered`. */
export interface DatedAge {
  /** ISO 8601 with milliseconds, e.g. "1993-07-20T09:44:18.674Z". */
  date: string;
  age: number;
}

/** One complete user, every field present. */
export interface RandomUser {
  gender: 'male' | 'female';
  name: { title: string; first: string; last: string };
  location: {
    street: { number: number; name: string };
    city: string;
    state: string;
    country: string;
    /** A JSON number for numeric-postcode countries (leading zeros lost, as upstream), a string otherwise. */
    postcode: number | string;
    coordinates: { latitude: string; longitude: string };
    timezone: { offset: string; description: string };
  };
  email: string;
  login: {
    uuid: string;
    username: string;
    password: string;
    salt: string;
    md5: string;
    sha1: string;
    sha256: string;
  };
  dob: DatedAge;
  registered: DatedAge;
  phone: string;
  cell: string;
  /** `{ name: "", value: null }` for nationalities without a national id, as upstream. */
  id: { name: string; value: string | null };
  picture: { large: string; medium: string; thumbnail: string };
  nat: Nationality;
}

/** One entry of `results`: any field may be absent because of `inc`/`exc`. */
export type RandomUserResult = Partial<RandomUser>;

/** The `info` block, absent when the request carried `noinfo`. */
export interface RandomUserInfo {
  seed: string;
  results: number;
  page: number;
  version: '1.4';
}

/** A whole API answer. */
export interface RandomUserResponse {
  results: RandomUserResult[];
  info?: RandomUserInfo;
}
