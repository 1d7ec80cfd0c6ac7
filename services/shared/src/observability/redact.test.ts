import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSettingValue, maskUrlCredentials } from './redact.ts';

test('free text: the user info of URLs is masked, with a scheme or without one', () => {
  const cases: [string, string][] = [
    ['GET https://key:s3cret@reg.example:8081/apis failed', 'GET https://***@reg.example:8081/apis failed'],
    ['https://key:p@ss@reg/x', 'https://***@reg/x'], // a raw '@' in the password
    ['http:/user:s3cret@reg:8081', 'http:/***@reg:8081'],
    ['got "user:s3cret@reg:8081"', 'got "***@reg:8081"'],
    ['a https://u:p@h/ and b http://t@h2/', 'a https://***@h/ and b http://***@h2/'],
  ];
  for (const [text, masked] of cases) assert.equal(maskUrlCredentials(text), masked, text);
});

test('free text: what only looks like user info is left as it is', () => {
  for (const text of [
    'connect ECONNREFUSED 127.0.0.1:9092',
    'job at 10:30:00@node1',
    '[2001:db8::1]:9042@dc1',
    '{"url":"https://h/x","email":"a@b.com"}',
    'at file:///app/node_modules/@userstream/shared/dist/main.js:1:2',
    'mail a@b.example',
  ]) {
    assert.equal(maskUrlCredentials(text), text);
  }
});

test('a setting is masked up to its last @ whatever it holds; a value without a user part stays', () => {
  assert.equal(maskSettingValue('https://user:pa ss@reg/'), 'https://***@reg/');
  assert.equal(maskSettingValue('user:s3cret@reg:8081'), '***@reg:8081');
  assert.equal(maskSettingValue('@hourly'), '@hourly');
  assert.equal(maskSettingValue('http://reg:8081/'), 'http://reg:8081/');
});

test("free text: the user name in Cassandra's refusal of a login is masked, spaces and all", () => {
  assert.equal(
    maskUrlCredentials(
      'All host(s) tried for query failed. First host tried, 127.0.0.1:9042: AuthenticationError: Provided username svc client and/or password are incorrect',
    ),
    'All host(s) tried for query failed. First host tried, 127.0.0.1:9042: AuthenticationError: Provided username *** and/or password are incorrect',
  );
});
