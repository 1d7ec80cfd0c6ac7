import { createHash } from 'node:crypto';

/** Four 32-bit words naming one page of users: everything a user's randomness is derived from, but its index. */
export type PageKey = readonly [number, number, number, number];

/** Hashes the seed, the page number and the nationality filter into the key of that page. */
export function pageKey(seed: string, page: number, natKey: string): PageKey {
  // NUL separators keep ("a1", page 2) and ("a", page 12) apart.
  const digest = createHash('sha256').update(`${seed}\u0000${page}\u0000${natKey}`).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

/** A 32-bit integer finaliser (lowbias32): spreads every input bit over every output bit. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The random stream of one user: sfc32 seeded from the page key and the user's index.
 * Each user has its own stream so that user i is the same whatever `results` asks for,
 * and so that it costs a few integer operations instead of re-seeding a Mersenne Twister.
 */
export class UserRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(key: PageKey, index: number) {
    const spread = mix32(index ^ 0x9e3779b9);
    this.#a = mix32(key[0] ^ spread);
    this.#b = mix32(key[1] ^ mix32(spread + 1));
    this.#c = mix32(key[2] ^ mix32(spread + 2));
    this.#d = mix32(key[3] ^ mix32(spread + 3));
    // sfc32's first outputs still show its seed; these rounds wash it out.
    for (let round = 0; round < 12; round++) this.next();
  }

  /** The next unsigned 32-bit integer. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  fraction(): number {
    return this.next() / 4_294_967_296;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.fraction() * bound);
  }

  /** An integer in [min, max], both included. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    // Callers only pass the non-empty pools built at startup, so the index is always in range.
    return items[this.below(items.length)] as T;
  }
}
