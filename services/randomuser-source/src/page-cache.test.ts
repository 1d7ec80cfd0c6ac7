import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageCache } from './page-cache.ts';

describe('PageCache', () => {
  it('evicts the least recently used entry when full', () => {
    const cache = new PageCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    assert.equal(cache.get('a'), 'A');
    cache.set('c', 'C');
    assert.equal(cache.get('b'), undefined, 'b was the least recently used');
    assert.equal(cache.get('a'), 'A');
    assert.equal(cache.get('c'), 'C');
    assert.equal(cache.size, 2);
  });

  it('keeps nothing with capacity 0', () => {
    const cache = new PageCache<string>(0);
    cache.set('a', 'A');
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
  });
});
