import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, ValidationError, WriteError } from '@userstream/shared';
import { buildDlqHeaders } from './dlq-headers.ts';

const source = { topic: 'users_created', partition: 2, offset: '41', timestamp: '1764000000000' };
const at = new Date('2026-11-25T10:00:00Z');

test('names the stage, error class, message, reason and source position; keeps original headers', () => {
  const headers = buildDlqHeaders(
    new DecodeError('unknown-schema-id', 'schema id 99 is not in the registry'),
    source,
    { traceparent: 'abc' },
    at,
  );
  assert.deepEqual(headers, {
    traceparent: 'abc',
    'dlq.stage': 'decode',
    'dlq.error.class': 'DecodeError',
    'dlq.error.message': 'schema id 99 is not in the registry',
    'dlq.error.reason': 'unknown-schema-id',
    'dlq.source.topic': 'users_created',
    'dlq.source.partition': '2',
    'dlq.source.offset': '41',
    'dlq.source.timestamp': '1764000000000',
    'dlq.failed.at': '2026-11-25T10:00:00.000Z',
  });
});

test('validation and write errors carry their stage', () => {
  assert.equal(buildDlqHeaders(new ValidationError(['email: bad']), source)['dlq.stage'], 'validate');
  const write = buildDlqHeaders(new WriteError('refused', { permanent: true }), source);
  assert.equal(write['dlq.stage'], 'write');
  assert.equal(write['dlq.error.class'], 'WriteError');
});

test('an unknown error is still described, and long messages are cut', () => {
  const headers = buildDlqHeaders(new TypeError('x'.repeat(5_000)), source);
  assert.equal(headers['dlq.stage'], 'unknown');
  assert.equal(headers['dlq.error.class'], 'TypeError');
  assert.equal(String(headers['dlq.error.message']).length, 2_001);
  assert.equal(buildDlqHeaders('boom', source)['dlq.error.message'], 'boom');
});
