import { Faker, base, en } from '@faker-js/faker';
import { NATIONALITIES, type Nationality } from './types.ts';
import { PROFILES } from './nationalities.ts';
import { toAsciiSlug } from './transliterate.ts';

/** A text as shown, and already escaped as a JSON string (quotes included) for the direct renderer. */
export interface PoolText {
  text: string;
  json: string;
}

/** A name, with its ASCII form ready for email addresses. */
export interface PoolName extends PoolText {
  slug: string;
}

/** Names and places of one nationality, drawn once from its faker locale. */
export interface LocalePools {
  maleFirst: readonly PoolName[];
  femaleFirst: readonly PoolName[];
  maleLast: readonly PoolName[];
  femaleLast: readonly PoolName[];
  cities: readonly PoolText[];
  states: readonly PoolText[];
  streets: readonly PoolText[];
}

/** How many faker draws fill each pool; duplicates are dropped, so small locale lists stay small. */
const POOL_DRAWS = 600;
/** A fixed seed: every process builds the same pools, so a seed means the same users everywhere. */
const POOL_SEED = 0x5eed_1a4;

const cache = new Map<Nationality, LocalePools>();

/** Distinct values of `draw`, called POOL_DRAWS times. */
function sample(draw: () => string): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < POOL_DRAWS; i++) seen.add(draw());
  return [...seen];
}

function texts(values: readonly string[]): PoolText[] {
  return values.map((text) => ({ text, json: JSON.stringify(text) }));
}

function names(values: string[]): PoolName[] {
  // A name that transliterates to nothing still needs something before the "@".
  return values.map((text) => ({ text, json: JSON.stringify(text), slug: toAsciiSlug(text) || 'user' }));
}

/**
 * The pools of `nat`, built by its localized faker on first use and kept: calling faker per user
 * (template parsing, locale fallback) is what would make 5000-user pages slow.
 */
export function localePools(nat: Nationality): LocalePools {
  const cached = cache.get(nat);
  if (cached) return cached;
  const profile = PROFILES[nat];
  const faker = new Faker({ locale: profile.locales });
  faker.seed(POOL_SEED + NATIONALITIES.indexOf(nat));
  const pools: LocalePools = {
    maleFirst: names(sample(() => faker.person.firstName('male'))),
    femaleFirst: names(sample(() => faker.person.firstName('female'))),
    // Some locales (uk) inflect last names by sex.
    maleLast: names(sample(() => faker.person.lastName('male'))),
    femaleLast: names(sample(() => faker.person.lastName('female'))),
    cities: texts(profile.cities ?? sample(() => faker.location.city())),
    states: texts(profile.states ?? sample(() => faker.location.state())),
    streets: texts(sample(() => faker.location.street())),
  };
  cache.set(nat, pools);
  return pools;
}

/** Words for usernames and passwords, shared by every nationality as upstream's are. */
export interface LoginPools {
  adjectives: readonly string[];
  animals: readonly string[];
  passwords: readonly string[];
}

let loginPools: LoginPools | undefined;

/** Username parts ("purple" + "koala" + 3 digits, upstream's style) and plausible weak passwords. */
export function loginWords(): LoginPools {
  if (loginPools) return loginPools;
  const faker = new Faker({ locale: [en, base] });
  faker.seed(POOL_SEED);
  const short = (words: readonly string[]): string[] => words.filter((word) => /^[a-z]{3,8}$/.test(word));
  const definitions = faker.rawDefinitions;
  const adjectives = short([...(definitions.color?.human ?? []), ...(definitions.word?.adjective ?? [])]);
  const animals = short(definitions.animal?.type ?? []);
  const passwords = sample(() => {
    const word = faker.word.sample({ length: { min: 4, max: 8 } }).toLowerCase();
    // About a quarter get digits on the end, the way people pad a word to pass a password rule.
    return faker.number.int(3) === 0 ? `${word}${faker.number.int({ min: 1, max: 9999 })}` : word;
  }).filter((word) => /^[a-z0-9]+$/.test(word));
  loginPools = { adjectives, animals, passwords };
  return loginPools;
}
