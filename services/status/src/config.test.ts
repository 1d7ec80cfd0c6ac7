import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@userstream/shared';
import { loadStatusConfig } from './config.ts';

test('defaults: port 8070 on loopback, the local services, 15 minutes of history', () => {
  const config = loadStatusConfig({});
  assert.equal(config.HTTP_HOST, '127.0.0.1');
  assert.equal(config.HTTP_PORT, 8070);
  assert.equal(config.STATUS_PRODUCER_URL, 'http://127.0.0.1:8080');
  assert.deepEqual(config.STATUS_CONSUMER_URLS, ['http://127.0.0.1:8090']);
  assert.equal(config.STATUS_HISTORY_MINUTES, 15);
});

test('consumer URLs are a comma-separated list; trailing slashes are dropped', () => {
  const config = loadStatusConfig({
    STATUS_CONSUMER_URLS: 'http://c1:8090/, http://c2:8090',
    STATUS_PRODUCER_URL: 'http://producer:8080/',
  });
  assert.deepEqual(config.STATUS_CONSUMER_URLS, ['http://c1:8090', 'http://c2:8090']);
  assert.equal(config.STATUS_PRODUCER_URL, 'http://producer:8080');
});

test('bad settings are refused by name', () => {
  assert.throws(
    () =>
      loadStatusConfig({ STATUS_CONSUMER_URLS: 'c1:8090', STATUS_POLL_MS: '10', STATUS_PRODUCER_URL: 'x' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const names = error.problems.map((p) => p.split(/[.:]/)[0]);
      assert.ok(names.includes('STATUS_CONSUMER_URLS'), error.message);
      assert.ok(names.includes('STATUS_POLL_MS'), error.message);
      assert.ok(names.includes('STATUS_PRODUCER_URL'), error.message);
      return true;
    },
  );
});
