import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, ValidationError, WriteError } from '@userstream/shared/errors';
import { createRequire } from 'node:module';
import type { IHeaders } from 'kafkajs';
import { buildDlqHeaders } from './dlq-headers.ts';

// kafkajs's record encoder, the code that sends the letter (internal, so loaded by path).
const encodeRecord = createRequire(import.meta.url)(
  'kafkajs/src/protocol/recordBatch/record/v0/index.js',
) as (record: { key: string; value: string; headers: IHeaders }) => unknown;

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

test('null header values (which kafkajs cannot encode) are sent empty and named', () => {
  const original = { a: null, b: 'x', c: ['y', null] } as unknown as IHeaders; // as kafkajs decodes them
  const headers = buildDlqHeaders(new ValidationError(['email: bad']), source, original, at);
  assert.deepEqual(headers.a, Buffer.alloc(0));
  assert.equal(headers.b, 'x');
  assert.deepEqual(headers.c, ['y', Buffer.alloc(0)]);
  assert.equal(headers['dlq.null-headers'], 'a,c');
  // kafkajs's own record encoder must accept the result (it throws a TypeError on a null value).
  const encode = (headers: IHeaders) => encodeRecord({ key: 'k', value: 'v', headers });
  assert.throws(() => encode(original), TypeError);
  assert.doesNotThrow(() => encode(headers));
});

test("a replayed letter that fails again: its last failure's dlq.* headers become dlq.previous.*, older ones go", () => {
  const replayed: IHeaders = {
    'trace-id': 'abc',
    'dlq.stage': 'decode',
    'dlq.error.reason': 'unknown-schema-id',
    'dlq.null-headers': 'x',
    'dlq.previous.stage': 'write',
  };
  const headers = buildDlqHeaders(
    new ValidationError(['email: must be an email address']),
    source,
    replayed,
    at,
  );
  assert.equal(headers['dlq.stage'], 'validate');
  assert.equal(headers['dlq.error.reason'], undefined, 'no reason for a validation error, not the old one');
  assert.equal(headers['dlq.null-headers'], undefined);
  assert.equal(headers['dlq.previous.stage'], 'decode');
  assert.equal(headers['dlq.previous.error.reason'], 'unknown-schema-id');
  assert.equal(headers['dlq.previous.null-headers'], 'x');
  assert.equal(headers['trace-id'], 'abc');
  assert.ok(!Object.keys(headers).some((name) => name.startsWith('dlq.previous.previous')));
});
