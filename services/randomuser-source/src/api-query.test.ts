import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RESULTS, parseApiQuery } from './api-query.ts';
import { USER_FIELDS } from './types.ts';

const parse = (query: string) => parseApiQuery(new URLSearchParams(query), () => 'madeup');

describe('parseApiQuery', () => {
  it('accepts results from 1 to 5000 and turns anything else into 1, as upstream', () => {
    assert.equal(parse('results=5000').results, MAX_RESULTS);
    assert.equal(parse('results=37').results, 37);
    for (const bad of ['5001', '0', '-3', 'abc', '2.5', '', '99999999999999999999']) {
      assert.equal(parse(`results=${bad}`).results, 1, `results=${bad}`);
    }
    assert.equal(parse('').results, 1);
  });

  it('defaults page to 1 and turns garbage into 1', () => {
    assert.equal(parse('').page, 1);
    assert.equal(parse('page=12').page, 12);
    for (const bad of ['x', '0', '-1', '1e3']) assert.equal(parse(`page=${bad}`).page, 1, `page=${bad}`);
  });

  it('serves pages up to 10000 and page 1 after that, as upstream', () => {
    assert.equal(parse('page=10000').page, 10_000);
    assert.equal(parse('page=10001').page, 1);
  });

  it('keeps a given seed and makes one up when there is none', () => {
    assert.deepEqual([parse('seed=foo bar').seed, parse('seed=foo bar').seedGiven], ['foo bar', true]);
    assert.deepEqual([parse('').seed, parse('').seedGiven], ['madeup', false]);
    assert.deepEqual([parse('seed=').seed, parse('seed=').seedGiven], ['madeup', false]);
    assert.match(parseApiQuery(new URLSearchParams('')).seed, /^[0-9a-f]{16}$/);
  });

  it('reads nat case-insensitively and sorted; one unknown code means every nationality, as upstream', () => {
    assert.deepEqual(parse('nat=us,gb').nat, ['GB', 'US']);
    assert.deepEqual(parse('nat=Fr,,de,DE').nat, ['DE', 'FR']);
    assert.deepEqual(parse('nat=us,uk').nat, []);
    assert.deepEqual(parse('nat= Fr ').nat, [], 'upstream does not trim codes');
    assert.deepEqual(parse('nat=zz').nat, []);
    assert.deepEqual(parse('').nat, []);
  });

  it('reads inc and exc into the list of fields each result keeps', () => {
    assert.deepEqual(parse('').fields, [...USER_FIELDS]);
    assert.deepEqual(parse('inc=nat,Name,bogus').fields, ['name', 'nat']);
    assert.deepEqual(
      parse('exc=login,picture').fields,
      USER_FIELDS.filter((f) => f !== 'login' && f !== 'picture'),
    );
    assert.deepEqual(parse('inc=name,email&exc=email').fields, ['name']);
    assert.deepEqual(parse('inc=bogus').fields, [], 'upstream answers empty objects');
    assert.deepEqual(parse('inc=').fields, [...USER_FIELDS], 'an empty inc is no inc');
    assert.deepEqual(parse('inc=,').fields, [], 'upstream: "," lists no field, so empty objects');
    assert.deepEqual(parse('inc=%20').fields, []);
  });

  it('sees noinfo whatever its value', () => {
    assert.equal(parse('noinfo').noinfo, true);
    assert.equal(parse('noinfo=false').noinfo, true);
    assert.equal(parse('').noinfo, false);
  });
});
