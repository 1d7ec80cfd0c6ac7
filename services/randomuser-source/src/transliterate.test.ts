import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toAsciiSlug } from './transliterate.ts';

describe('toAsciiSlug', () => {
  it('keeps ASCII letters and digits, lower-cased, and drops the rest', () => {
    assert.equal(toAsciiSlug("O'Keefe-Smith 2"), 'okeefesmith2');
  });

  it('strips accents and spells out letters that do not decompose', () => {
    assert.equal(toAsciiSlug('Émilie Çelik'), 'emiliecelik');
    assert.equal(toAsciiSlug('Đorđe Søren Straße'), 'dordesorenstrasse');
  });

  it('transliterates Cyrillic and Persian', () => {
    assert.equal(toAsciiSlug('Тимофій'), 'tymofiy');
    assert.equal(toAsciiSlug('Балабух'), 'balabukh');
    assert.equal(toAsciiSlug('مهدی'), 'mhdy');
  });
});
