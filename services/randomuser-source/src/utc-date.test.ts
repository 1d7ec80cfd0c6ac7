import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoString, utcParts, yearsBetween } from './utc-date.ts';

describe('utc-date', () => {
  it('formats instants exactly as Date#toISOString does', () => {
    const samples = [
      0,
      951_782_400_000,
      4_102_444_799_999,
      -315_619_200_001,
      Date.UTC(2024, 1, 29, 23, 59, 59, 7),
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(-1_500_000_000_000 + i * 1_700_000_123.457));
    for (const ms of samples) assert.equal(isoString(utcParts(ms)), new Date(ms).toISOString(), String(ms));
  });

  it('counts whole years, the day before a birthday still one short', () => {
    const born = utcParts(Date.UTC(1990, 5, 15, 12));
    assert.equal(yearsBetween(born, utcParts(Date.UTC(2020, 5, 14, 23))), 29);
    assert.equal(yearsBetween(born, utcParts(Date.UTC(2020, 5, 15, 0))), 30);
    assert.equal(yearsBetween(born, utcParts(Date.UTC(2021, 0, 1))), 30);
  });
});
