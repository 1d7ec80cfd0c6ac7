import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@userstream/shared/errors';
import { loadConfig } from './config.ts';

/** The ConfigError `loadConfig(env)` throws; fails the test if it does not throw one. */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to port 8088 on 127.0.0.1 with no faults', () => {
    assert.deepEqual(loadConfig({}), {
      host: '127.0.0.1',
      port: 8088,
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
      faults: {
        rate500: 0,
        rate429: 0,
        rateMalformed: 0,
        rateSlow: 0,
        slowDelayMs: 2_000,
        retryAfterSeconds: 1,
      },
      pageCacheSize: 8,
      portraitsUrl: undefined,
    });
  });

  it('reads every fault variable, empty ones falling back to defaults', () => {
    const config = loadConfig({
      HTTP_PORT: '0',
      SOURCE_FAULT_500_RATE: '0.1',
      SOURCE_FAULT_429_RATE: '0.05',
      SOURCE_FAULT_MALFORMED_RATE: '0.02',
      SOURCE_FAULT_SLOW_RATE: '0.3',
      SOURCE_SLOW_DELAY_MS: '250',
      SOURCE_RETRY_AFTER_SECONDS: '',
      SOURCE_PAGE_CACHE_SIZE: '0',
    });
    assert.equal(config.port, 0);
    assert.deepEqual(config.faults, {
      rate500: 0.1,
      rate429: 0.05,
      rateMalformed: 0.02,
      rateSlow: 0.3,
      slowDelayMs: 250,
      retryAfterSeconds: 1,
    });
    assert.equal(config.pageCacheSize, 0);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      SOURCE_FAULT_500_RATE: '1.5',
      SOURCE_FAULT_429_RATE: 'often',
      SOURCE_FAULT_MALFORMED_RATE: '-0.1',
      SOURCE_SLOW_DELAY_MS: 'slow',
      SOURCE_RETRY_AFTER_SECONDS: '2.5',
      HTTP_PORT: '70000',
      LOG_LEVEL: 'chatty',
    });
    const names = problems.map((problem) => problem.split(':')[0]);
    for (const name of [
      'SOURCE_FAULT_500_RATE',
      'SOURCE_FAULT_429_RATE',
      'SOURCE_FAULT_MALFORMED_RATE',
      'SOURCE_SLOW_DELAY_MS',
      'SOURCE_RETRY_AFTER_SECONDS',
      'HTTP_PORT',
      'LOG_LEVEL',
    ]) {
      assert.ok(names.includes(name), `${name} missing from ${problems.join(' | ')}`);
    }
    assert.ok(!names.includes('SOURCE_FAULT_SLOW_RATE'), 'a valid variable is not blamed');
  });

  it('refuses rates that add up to more than 1, naming each non-zero one', () => {
    const problems = problemsOf({ SOURCE_FAULT_500_RATE: '0.6', SOURCE_FAULT_SLOW_RATE: '0.5' });
    const names = problems.map((problem) => problem.split(':')[0]);
    assert.deepEqual(names.sort(), ['SOURCE_FAULT_500_RATE', 'SOURCE_FAULT_SLOW_RATE']);
    assert.match(problems[0] ?? '', /at most 1/);
  });
});

it('SOURCE_PORTRAITS_URL must be an http(s) URL ending in /', () => {
  assert.equal(
    loadConfig({ SOURCE_PORTRAITS_URL: 'http://127.0.0.1:8088/api/portraits/' }).portraitsUrl,
    'http://127.0.0.1:8088/api/portraits/',
  );
  for (const bad of ['http://127.0.0.1:8088/api/portraits', 'ftp://x/', 'not a url'])
    assert.throws(() => loadConfig({ SOURCE_PORTRAITS_URL: bad }), /SOURCE_PORTRAITS_URL/, bad);
});
