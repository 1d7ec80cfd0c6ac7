/**
 * A small least-recently-used map. Producers retry the page that just failed, so keeping the last few
 * rendered pages answers a retry without generating and serializing 5000 users again.
 */
export class PageCache<V> {
  readonly #capacity: number;
  // A Map iterates in insertion order, so its first key is always the least recently used.
  readonly #entries = new Map<string, V>();

  /** `capacity` 0 keeps nothing. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, now the most recently used, or undefined. */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: string, value: V): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}
