import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../errors/pipeline-errors.ts';
import { validateUserRecord } from './user-record.ts';
import { sampleRecord } from './sample-record.fixture.ts';

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
