import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector, faultControlSchema, NO_FAULTS } from './faults.ts';

/** A `random` that returns `values` in turn, forever. */
function cycle(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length] ?? 0;
}

describe('FaultInjector', () => {
  it('answers ok every time with no faults configured', () => {
    const faults = new FaultInjector(NO_FAULTS);
    for (let i = 0; i < 100; i++) assert.equal(faults.next(), 'ok');
  });

  it('draws outcomes against the rates in a fixed order: 500, 429, malformed, slow', () => {
    const settings = { ...NO_FAULTS, rate500: 0.1, rate429: 0.1, rateMalformed: 0.1, rateSlow: 0.1 };
    const faults = new FaultInjector(settings, cycle(0.05, 0.15, 0.25, 0.35, 0.45, 0.99));
    assert.deepEqual(
      Array.from({ length: 6 }, () => faults.next()),
      ['500', '429', 'malformed', 'slow', 'ok', 'ok'],
    );
  });

  it('serves queued outcomes first, in order, then falls back to the rates', () => {
    const faults = new FaultInjector({ ...NO_FAULTS, rate500: 1 });
    faults.apply({ next: ['ok', '429', 'slow'] });
    assert.deepEqual(faults.state().queue, ['ok', '429', 'slow']);
    assert.deepEqual(
      [faults.next(), faults.next(), faults.next(), faults.next()],
      ['ok', '429', 'slow', '500'],
    );
  });

  it('changes delays and rates on request, and reset restores the configured ones', () => {
    const faults = new FaultInjector(NO_FAULTS, () => 0.5);
    faults.apply({ next: ['500'], delayMs: 10, retryAfterSeconds: 7, rates: { slow: 0.9 } });
    assert.deepEqual(faults.settings, { ...NO_FAULTS, slowDelayMs: 10, retryAfterSeconds: 7, rateSlow: 0.9 });
    assert.equal(faults.next(), '500');
    assert.equal(faults.next(), 'slow');
    faults.apply({ next: ['429'] });
    faults.reset();
    assert.deepEqual(faults.state(), { queue: [], settings: NO_FAULTS });
    assert.equal(faults.next(), 'ok');
  });

  it('refuses rates adding up to more than 1, changing nothing', () => {
    const faults = new FaultInjector({ ...NO_FAULTS, rate500: 0.5 });
    assert.throws(() => faults.apply({ next: ['429'], rates: { '429': 0.6 } }), RangeError);
    assert.deepEqual(faults.state(), { queue: [], settings: { ...NO_FAULTS, rate500: 0.5 } });
  });

  it('refuses a queue of more than 100,000 outcomes across requests, changing nothing', () => {
    const faults = new FaultInjector(NO_FAULTS);
    faults.apply({ next: new Array<'500'>(60_000).fill('500') });
    assert.throws(
      () => faults.apply({ next: new Array<'500'>(40_001).fill('500'), delayMs: 5 }),
      /the queue would hold 100001 outcomes, more than 100000/,
    );
    assert.equal(faults.state().queue.length, 60_000);
    assert.equal(faults.state().settings.slowDelayMs, NO_FAULTS.slowDelayMs);
  });
});

describe('faultControlSchema', () => {
  it('accepts the documented body and refuses unknown outcomes and keys', () => {
    assert.ok(
      faultControlSchema.safeParse({
        next: ['500', '429', 'malformed', 'slow', 'ok'],
        retryAfterSeconds: 1,
        delayMs: 200,
      }).success,
    );
    assert.equal(faultControlSchema.safeParse({ next: ['503'] }).success, false);
    assert.equal(faultControlSchema.safeParse({ nxt: ['500'] }).success, false);
    assert.equal(faultControlSchema.safeParse({ delayMs: -1 }).success, false);
    assert.equal(faultControlSchema.safeParse({ rates: { '500': 2 } }).success, false);
  });
});
