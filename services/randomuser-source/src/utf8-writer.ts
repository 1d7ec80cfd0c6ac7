/**
 * Appends strings to one growing UTF-8 buffer. Writing each user's JSON straight into it costs about half
 * of joining 5000 strings into one (which turns two-byte as soon as one Persian name appears) and then
 * encoding that.
 */
export class Utf8Writer {
  #buffer: Buffer;
  #length = 0;

  /** `expectedBytes` is a guess; the buffer doubles whenever it runs out. */
  constructor(expectedBytes: number) {
    this.#buffer = Buffer.allocUnsafe(Math.max(64, expectedBytes));
  }

  /** Appends `text` encoded as UTF-8. */
  write(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    const worstCase = text.length * 3;
    if (this.#buffer.length - this.#length < worstCase) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + worstCase));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#length += this.#buffer.write(text, this.#length, 'utf8');
  }

  /** The bytes written so far (a view, not a copy; only the written part is ever exposed). */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
