import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowHistory, type FlowScrape } from './flow-history.ts';

const scrape = (entries: Record<string, Record<string, number>>): FlowScrape =>
  new Map(Object.entries(entries));

test('rates are per second between scrapes, summed over the sources that answered both times', () => {
  const history = new FlowHistory(60_000);
  history.add(0, scrape({ p: { published: 0 }, c1: { written: 0 }, c2: { written: 10 } }));
  history.add(2_000, scrape({ p: { published: 100 }, c1: { written: 40 }, c2: { written: 30 } }));
  // c2 did not answer: only c1 counts; p did not answer: no rate (null, not 0).
  history.add(4_000, scrape({ c1: { written: 60 } }));
  const series = history.series();
  assert.deepEqual(series.t, [2, 4]);
  assert.deepEqual(series.rates.published, [50, null]);
  assert.deepEqual(series.rates.written, [30, 10]);
  assert.deepEqual(series.rates.fetched, [null, null]);
});

test('a counter that went down (a restart) counts from zero', () => {
  const history = new FlowHistory(60_000);
  history.add(0, scrape({ c: { written: 500 } }));
  history.add(1_000, scrape({ c: { written: 20 } }));
  assert.deepEqual(history.series().rates.written, [20]);
});

test('keeps the window (and the one scrape before it)', () => {
  const history = new FlowHistory(10_000);
  for (let at = 0; at <= 30_000; at += 5_000) history.add(at, scrape({ c: { written: at / 1000 } }));
  assert.deepEqual(history.series().t, [20, 25, 30]);
  assert.ok(history.series().rates.written.every((rate) => rate === 1));
});
