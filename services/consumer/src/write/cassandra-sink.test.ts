import { test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { upsertParams, upsertStatement } from './cassandra-sink.ts';
import { isPermanentWriteError } from './write-errors.ts';

const record = {
  id: '7a0eed16-9430-4d68-901f-c0d4c1c3bf00',
  first_name: 'Jennie',
  last_name: null,
  gender: 'female',
  address: null,
  postcode: '0001',
  email: null,
  username: null,
  dob: 700_067_596_688,
  registered_date: null,
  phone: null,
  picture: null,
  nat: 'NO',
  produced_at: 1_764_000_000_123,
};

test('the upsert binds every column plus a write timestamp in microseconds of produced_at', () => {
  const statement = upsertStatement('ks', 'users');
  assert.match(
    statement,
    /^INSERT INTO ks\.users \(id, first_name, .*, ingested_at\) VALUES \(\?(, \?){16}\) USING TIMESTAMP \?$/,
  );
  const ingestedAt = new Date(1_764_000_001_000);
  const params = upsertParams({ record, partition: 2, offset: '9007199254740993' }, ingestedAt);
  assert.equal(params.length, 18);
  assert.equal(params[0], record.id);
  assert.deepEqual(params[8], new Date(700_067_596_688));
  assert.equal(params[9], null);
  assert.equal(params[14], 2);
  assert.equal(String(params[15]), '9007199254740993', 'offsets beyond 2^53 survive');
  assert.equal(params[16], ingestedAt);
  assert.equal(String(params[17]), '1764000000123000');
});

test('classifies write errors: refused values are permanent, outages are transient', () => {
  const { ResponseError, NoHostAvailableError, OperationTimedOutError } = cassandra.errors;
  const codes = cassandra.types.responseErrorCodes;
  assert.equal(isPermanentWriteError(new TypeError('Not a valid bigint')), true);
  assert.equal(isPermanentWriteError(new ResponseError(codes.invalid, 'Key may not be empty')), true);
  assert.equal(isPermanentWriteError(new ResponseError(codes.invalid, 'unconfigured table users')), false);
  assert.equal(isPermanentWriteError(new ResponseError(codes.writeTimeout, 'timeout')), false);
  assert.equal(isPermanentWriteError(new ResponseError(codes.unavailableException, 'down')), false);
  assert.equal(isPermanentWriteError(new ResponseError(codes.overloaded, 'busy')), false);
  assert.equal(isPermanentWriteError(new NoHostAvailableError({})), false);
  assert.equal(isPermanentWriteError(new OperationTimedOutError('slow')), false);
});
