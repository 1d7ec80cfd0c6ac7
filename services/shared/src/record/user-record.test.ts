import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ValidationError } from '../errors/pipeline-errors.ts';
import { userRecordSchema, validateUserRecord } from './user-record.ts';
import { sampleRecord } from './sample-record.ts';

test('a complete record validates unchanged', () => {
  assert.deepEqual(validateUserRecord(sampleRecord), sampleRecord);
});

test('nullable fields may be null (fields excluded with inc/exc)', () => {
  const sparse = { ...sampleRecord, email: null, address: null, postcode: null, dob: null, picture: null };
  assert.deepEqual(validateUserRecord(sparse), sparse);
});

test('names each failing field', () => {
  assert.throws(
    () => validateUserRecord({ ...sampleRecord, id: 'nope', email: 'no-at-sign', nat: 'usa' }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.stage, 'validate');
      const fields = error.issues.map((issue) => issue.split(':')[0]);
      assert.deepEqual(fields.sort(), ['email', 'id', 'nat']);
      return true;
    },
  );
});

test('a missing produced_at or a non-object is rejected', () => {
  const { produced_at: _dropped, ...rest } = sampleRecord;
  assert.throws(() => validateUserRecord(rest), /produced_at/);
  assert.throws(() => validateUserRecord(null), ValidationError);
});

test('timestamps outside what Cassandra would keep as written are rejected, by field', () => {
  // A produced_at in microseconds would become a write timestamp no later update of the row could beat.
  assert.throws(
    () => validateUserRecord({ ...sampleRecord, produced_at: 1_764_000_000_123_000 }),
    /produced_at: must be epoch milliseconds \(at most year 9999\), not microseconds/,
  );
  // Beyond a Date's range the driver would write 1970-01-01.
  assert.throws(
    () => validateUserRecord({ ...sampleRecord, dob: 9_000_000_000_000_000 }),
    /dob: must be epoch milliseconds within a Date/,
  );
  assert.throws(
    () => validateUserRecord({ ...sampleRecord, registered_date: -9_000_000_000_000_000 }),
    /registered_date: must be epoch milliseconds within a Date/,
  );
  const edge = { ...sampleRecord, dob: -8_640_000_000_000_000, produced_at: 253_402_300_799_999 };
  assert.deepEqual(validateUserRecord(edge), edge);
});

test('the compiled schema compiles whole and answers as the interpreted one does', () => {
  // Built from the same shape, uncompiled: z.compile hands back a schema it cannot compile unchanged, and
  // strict makes that refusal an error here rather than a silent loss of the fast path.
  const interpreted = z.object(userRecordSchema.shape);
  assert.doesNotThrow(() => z.compile(interpreted, { strict: true }));
  const values: unknown[] = [
    sampleRecord,
    { ...sampleRecord, email: null, cell: null, latitude: null, longitude: null, timezone_offset: null },
    { ...sampleRecord, first_name: '  padded  ', picture: ' https://example.com/a.jpg ' },
    { ...sampleRecord, extra: 'dropped' },
    { ...sampleRecord, id: 'nope', email: 'no-at-sign', nat: 'usa' },
    { ...sampleRecord, first_name: '   ', last_name: 7, gender: undefined },
    { ...sampleRecord, dob: 1.5, registered_date: Number.NaN, latitude: 91, longitude: Infinity },
    { ...sampleRecord, produced_at: 1_764_000_000_000_000, timezone_offset: '5h' },
    { ...sampleRecord, picture: 'not a url' },
    null,
    'text',
  ];
  for (const value of values) {
    const [compiled, plain] = [userRecordSchema.safeParse(value), interpreted.safeParse(value)];
    assert.equal(compiled.success, plain.success, JSON.stringify(value));
    assert.deepEqual(compiled.data, plain.data);
    assert.deepEqual(
      compiled.error?.issues.map((issue) => [issue.path, issue.message]),
      plain.error?.issues.map((issue) => [issue.path, issue.message]),
    );
  }
});
