import {
  base,
  da,
  de,
  de_CH,
  en,
  en_AU,
  en_CA,
  en_GB,
  en_IE,
  en_IN,
  en_US,
  es,
  es_MX,
  fa,
  fi,
  fr,
  nb_NO,
  nl,
  pt_BR,
  sr_RS_latin,
  tr,
  uk,
  type LocaleDefinition,
} from '@faker-js/faker';
import type { Nationality, RandomUser } from './types.ts';
import type { UserRandom } from './user-random.ts';

/** The parts of a date of birth that national id numbers embed. */
export interface BirthParts {
  day: number;
  month: number;
  year: number;
  male: boolean;
}

/** What differs between nationalities, beyond the names and places faker's locale supplies. */
export interface NationalityProfile {
  country: string;
  /** Faker locale chain, most specific first, as faker's own prebuilt instances use. */
  locales: LocaleDefinition[];
  /** Replaces faker's cities where the locale has none and would fall back to made-up English ones. */
  cities?: readonly string[];
  /** Replaces faker's states where the locale has none and would fall back to US states. */
  states?: readonly string[];
  postcode(random: UserRandom): number | string;
  /** `#` stands for a digit. */
  phone: string;
  cell: string;
  id(random: UserRandom, birth: BirthParts): RandomUser['id'];
  titles: { male: readonly string[]; female: readonly string[] };
}

const englishTitles = { male: ['Mr'], female: ['Mrs', 'Ms', 'Miss'] };
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const noId = (): RandomUser['id'] => ({ name: '', value: null });

/** `count` random decimal digits, leading zeros kept. */
function digits(random: UserRandom, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String.fromCharCode(48 + random.below(10));
  return out;
}

function letter(random: UserRandom, alphabet: string = UPPER): string {
  return alphabet.charAt(random.below(alphabet.length));
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** DDMMYY, the date prefix Nordic personal numbers share. */
function ddmmyy(birth: BirthParts): string {
  return `${two(birth.day)}${two(birth.month)}${two(birth.year % 100)}`;
}

/** A British outward and inward code in one of the six Royal Mail shapes, e.g. "SW1A 1AA". */
function ukPostcode(random: UserRandom): string {
  const shapes = ['A9', 'A99', 'AA9', 'AA99', 'A9A', 'AA9A'];
  const outward = random
    .pick(shapes)
    .replace(/A/g, () => letter(random))
    .replace(/9/g, () => String(random.below(10)));
  return `${outward} ${random.below(10)}${letter(random, 'ABDEFGHJLNPQRSTUWXYZ')}${letter(random, 'ABDEFGHJLNPQRSTUWXYZ')}`;
}

/** A Canadian postal code, "A1B 2C3", using only the letters Canada Post does. */
function canadianPostcode(random: UserRandom): string {
  const first = 'ABCEGHJKLMNPRSTVXY';
  const other = 'ABCEGHJKLMNPRSTVWXYZ';
  return `${letter(random, first)}${random.below(10)}${letter(random, other)} ${random.below(10)}${letter(random, other)}${random.below(10)}`;
}

const irishCounties = [
  'Carlow',
  'Cavan',
  'Clare',
  'Cork',
  'Donegal',
  'Dublin',
  'Galway',
  'Kerry',
  'Kildare',
  'Kilkenny',
  'Laois',
  'Leitrim',
  'Limerick',
  'Longford',
  'Louth',
  'Mayo',
  'Meath',
  'Monaghan',
  'Offaly',
  'Roscommon',
  'Sligo',
  'Tipperary',
  'Waterford',
  'Westmeath',
  'Wexford',
  'Wicklow',
];
const irishTowns = [
  'Dublin',
  'Cork',
  'Limerick',
  'Galway',
  'Waterford',
  'Drogheda',
  'Dundalk',
  'Swords',
  'Bray',
  'Navan',
  'Kilkenny',
  'Ennis',
  'Carlow',
  'Tralee',
  'Newbridge',
  'Portlaoise',
  'Balbriggan',
  'Naas',
  'Athlone',
  'Mullingar',
  'Celbridge',
  'Wexford',
  'Letterkenny',
  'Sligo',
  'Greystones',
  'Clonmel',
  'Carrigaline',
  'Leixlip',
  'Tullamore',
  'Killarney',
  'Arklow',
  'Cobh',
  'Ashbourne',
  'Mallow',
  'Castlebar',
];
const newZealandRegions = [
  'Auckland',
  'Bay of Plenty',
  'Canterbury',
  'Gisborne',
  "Hawke's Bay",
  'Manawatu-Wanganui',
  'Marlborough',
  'Nelson',
  'Northland',
  'Otago',
  'Southland',
  'Taranaki',
  'Tasman',
  'Waikato',
  'Wellington',
  'West Coast',
];
const newZealandTowns = [
  'Auckland',
  'Wellington',
  'Christchurch',
  'Hamilton',
  'Tauranga',
  'Napier',
  'Dunedin',
  'Palmerston North',
  'Nelson',
  'Rotorua',
  'New Plymouth',
  'Whangarei',
  'Invercargill',
  'Whanganui',
  'Gisborne',
  'Hastings',
  'Porirua',
  'Upper Hutt',
  'Lower Hutt',
  'Timaru',
  'Masterton',
  'Blenheim',
  'Taupo',
  'Greymouth',
];

const FINNISH_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const SPANISH_CHECK = 'TRWAGMYFPDXBNJZSQVHLCKE';

/**
 * Per-nationality formats. Postcodes are JSON numbers where the country's postcodes are all digits
 * (so, like upstream, a leading zero is lost), and strings where they hold letters or, for NO, where
 * upstream keeps the leading zeros.
 */
export const PROFILES: Record<Nationality, NationalityProfile> = {
  AU: {
    country: 'Australia',
    locales: [en_AU, en, base],
    postcode: (r) => r.between(200, 9999),
    phone: '0#-####-####',
    cell: '04##-###-###',
    id: (r) => ({ name: 'TFN', value: digits(r, 9) }),
    titles: englishTitles,
  },
  BR: {
    country: 'Brazil',
    locales: [pt_BR, en, base],
    postcode: (r) => r.between(10000, 99999),
    phone: '(##) ####-####',
    cell: '(##) 9####-####',
    id: (r) => ({ name: 'CPF', value: `${digits(r, 3)}.${digits(r, 3)}.${digits(r, 3)}-${digits(r, 2)}` }),
    titles: englishTitles,
  },
  CA: {
    country: 'Canada',
    locales: [en_CA, en, base],
    postcode: canadianPostcode,
    phone: '(###) ###-####',
    cell: '(###) ###-####',
    id: (r) => ({ name: 'SIN', value: digits(r, 9) }),
    titles: englishTitles,
  },
  CH: {
    country: 'Switzerland',
    locales: [de_CH, de, en, base],
    postcode: (r) => r.between(1000, 9699),
    phone: '0## ### ## ##',
    cell: '07# ### ## ##',
    id: (r) => ({ name: 'AVS', value: `756.${digits(r, 4)}.${digits(r, 4)}.${digits(r, 2)}` }),
    titles: { male: ['Mr', 'Monsieur'], female: ['Mrs', 'Ms', 'Miss', 'Madame', 'Mademoiselle'] },
  },
  DE: {
    country: 'Germany',
    locales: [de, en, base],
    // From 1067 (Dresden, "01067") up: some come out with four digits, as upstream's do.
    postcode: (r) => r.between(1067, 99998),
    phone: '0###-#######',
    cell: '01##-#######',
    id: (r, birth) => ({
      name: 'SVNR',
      value: `${digits(r, 2)} ${ddmmyy(birth)} ${letter(r)} ${digits(r, 3)}`,
    }),
    titles: englishTitles,
  },
  DK: {
    country: 'Denmark',
    locales: [da, en, base],
    postcode: (r) => r.between(1000, 9990),
    phone: '########',
    cell: '########',
    id: (r, birth) => ({ name: 'CPR', value: `${ddmmyy(birth)}-${digits(r, 4)}` }),
    titles: englishTitles,
  },
  ES: {
    country: 'Spain',
    locales: [es, en, base],
    postcode: (r) => r.between(1001, 52080),
    phone: '9##-###-###',
    cell: '6##-###-###',
    id: (r) => {
      const number = r.between(10_000_000, 99_999_999);
      return { name: 'DNI', value: `${number}-${SPANISH_CHECK.charAt(number % 23)}` };
    },
    titles: englishTitles,
  },
  FI: {
    country: 'Finland',
    locales: [fi, en, base],
    postcode: (r) => r.between(100, 99999),
    phone: '0#-###-###',
    cell: '04#-###-##-##',
    id: (r, birth) => {
      const serial = digits(r, 3);
      const check = FINNISH_CHECK.charAt(Number(`${ddmmyy(birth)}${serial}`) % 31);
      return { name: 'HETU', value: `${ddmmyy(birth)}${birth.year >= 2000 ? 'A' : '-'}${serial}${check}` };
    },
    titles: englishTitles,
  },
  FR: {
    country: 'France',
    locales: [fr, en, base],
    postcode: (r) => r.between(1000, 95999),
    phone: '0#-##-##-##-##',
    cell: '06-##-##-##-##',
    id: (r, birth) => ({
      name: 'INSEE',
      value: `${birth.male ? 1 : 2}${two(birth.year % 100)}${two(birth.month)}${digits(r, 8)} ${digits(r, 2)}`,
    }),
    titles: englishTitles,
  },
  GB: {
    country: 'United Kingdom',
    locales: [en_GB, en, base],
    postcode: ukPostcode,
    phone: '0#### ######',
    cell: '07### ######',
    id: (r) => ({
      name: 'NINO',
      value: `${letter(r, 'ABCEGHJKLMNOPRSTWXYZ')}${letter(r, 'ABCEGHJKLMNPRSTWXYZ')} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${letter(r, 'ABCD')}`,
    }),
    titles: englishTitles,
  },
  IE: {
    country: 'Ireland',
    locales: [en_IE, en, base],
    cities: irishTowns,
    states: irishCounties,
    postcode: (r) => r.between(10000, 99999),
    phone: '0##-###-####',
    cell: '08#-###-####',
    id: (r) => ({ name: 'PPS', value: `${digits(r, 7)}${letter(r, 'ABCDEFGHIJKLMNOPQRSTUVW')}` }),
    titles: englishTitles,
  },
  IN: {
    country: 'India',
    locales: [en_IN, en, base],
    postcode: (r) => r.between(110001, 855126),
    phone: '9#########',
    cell: '9#########',
    id: (r) => ({ name: 'UIDAI', value: digits(r, 12) }),
    titles: englishTitles,
  },
  IR: {
    country: 'Iran',
    locales: [fa, en, base],
    postcode: (r) => r.between(10000, 99999),
    phone: '0##-########',
    cell: '09##-###-####',
    id: noId,
    titles: englishTitles,
  },
  MX: {
    country: 'Mexico',
    locales: [es_MX, es, en, base],
    postcode: (r) => r.between(10000, 99999),
    phone: '(###) ### ####',
    cell: '(###) ### ####',
    id: (r) => ({
      name: 'NSS',
      value: `${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 4)} ${digits(r, 1)}`,
    }),
    titles: englishTitles,
  },
  NL: {
    country: 'Netherlands',
    locales: [nl, en, base],
    postcode: (r) => `${r.between(1000, 9999)} ${letter(r)}${letter(r)}`,
    phone: '(0##) #######',
    cell: '(06) ########',
    id: (r) => ({ name: 'BSN', value: digits(r, 8) }),
    titles: englishTitles,
  },
  NO: {
    country: 'Norway',
    locales: [nb_NO, en, base],
    // Oslo's are 0001-1299: kept as four-character strings, leading zeros and all.
    postcode: (r) => String(r.between(1, 9991)).padStart(4, '0'),
    phone: '########',
    cell: '4#######',
    id: (r, birth) => ({ name: 'FN', value: `${ddmmyy(birth)}${digits(r, 5)}` }),
    titles: englishTitles,
  },
  NZ: {
    country: 'New Zealand',
    locales: [en, base],
    cities: newZealandTowns,
    states: newZealandRegions,
    postcode: (r) => r.between(1010, 9893),
    phone: '(###)-###-####',
    cell: '(###)-###-####',
    id: noId,
    titles: englishTitles,
  },
  RS: {
    country: 'Serbia',
    locales: [sr_RS_latin, en, base],
    postcode: (r) => r.between(11000, 38999),
    phone: '0##-####-###',
    cell: '06#-####-###',
    id: (r) => ({ name: 'SID', value: digits(r, 9) }),
    titles: englishTitles,
  },
  TR: {
    country: 'Turkey',
    locales: [tr, en, base],
    postcode: (r) => r.between(10000, 81999),
    phone: '(###)-###-####',
    cell: '(###)-###-####',
    id: noId,
    titles: englishTitles,
  },
  UA: {
    country: 'Ukraine',
    locales: [uk, en, base],
    postcode: (r) => r.between(10000, 99999),
    phone: '(0##) ###-####',
    cell: '(09#) ###-####',
    id: noId,
    titles: englishTitles,
  },
  US: {
    country: 'United States',
    locales: [en_US, en, base],
    postcode: (r) => r.between(10000, 99999),
    phone: '(###)-###-####',
    cell: '(###)-###-####',
    id: (r) => ({ name: 'SSN', value: `${digits(r, 3)}-${digits(r, 2)}-${digits(r, 4)}` }),
    titles: englishTitles,
  },
};

/** Replaces each `#` of a phone format with a random digit. */
export function fillDigits(format: string, random: UserRandom): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const char = format.charAt(i);
    out += char === '#' ? String.fromCharCode(48 + random.below(10)) : char;
  }
  return out;
}
