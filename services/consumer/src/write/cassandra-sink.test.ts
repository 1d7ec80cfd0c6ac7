import { test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { schemaColumns } from '@userstream/shared/cassandra';
import { createCassandraSink, upsertParams, upsertStatement, type RowToWrite } from './cassandra-sink.ts';
import { asPermissionError, isNodeLossError, isPermanentWriteError } from './write-errors.ts';

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
  cell: null,
  latitude: null,
  longitude: null,
  timezone_offset: null,
  produced_at: 1_764_000_000_123,
};

test('the upsert binds every column plus a write timestamp in microseconds of produced_at', () => {
  const statement = upsertStatement('ks', 'users');
  assert.match(
    statement,
    /^INSERT INTO ks\.users \(id, first_name, .*, ingested_at\) VALUES \(\?(, \?){20}\) USING TIMESTAMP \?$/,
  );
  const ingestedAt = new Date(1_764_000_001_000);
  const params = upsertParams({ record, partition: 2, offset: '9007199254740993' }, ingestedAt);
  assert.equal(params.length, 22);
  assert.equal(params[0], record.id);
  assert.deepEqual(params[8], new Date(700_067_596_688));
  assert.equal(params[9], null);
  assert.deepEqual(params.slice(13, 17), [null, null, null, null], 'v2 columns of a record without them');
  assert.equal(params[18], 2);
  assert.equal(String(params[19]), '9007199254740993', 'offsets beyond 2^53 survive');
  assert.equal(params[20], ingestedAt);
  assert.equal(String(params[21]), '1764000000123000');
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
  // Wrong statement or schema, not a wrong row (messages as Cassandra 5 words them): every row would fail.
  const statementProblems = [
    new ResponseError(codes.invalid, 'Undefined column name nat in table userstream.users'),
    new ResponseError(codes.invalid, 'Some clustering keys are missing: created'),
    new ResponseError(codes.invalid, 'Some partition key parts are missing: bucket'),
    new ResponseError(codes.syntaxError, "line 1:7 no viable alternative at input 'INTO'"),
    // Guardrails (GuardrailViolatedException is an invalid request) that refuse every write alike.
    new ResponseError(
      codes.invalid,
      'Guardrail user_timestamps violated: User provided timestamps (USING TIMESTAMP) is not allowed',
    ),
    new ResponseError(
      codes.invalid,
      'Guardrail write_consistency_levels violated: Provided values [LOCAL_ONE] are not allowed for write_consistency_levels (disallowed values are: [LOCAL_ONE])',
    ),
    new ResponseError(
      codes.invalid,
      'Guardrail replica_disk_usage violated: Write request failed because disk usage exceeds failure threshold',
    ),
  ];
  for (const error of statementProblems) assert.equal(isPermanentWriteError(error), false, error.message);
  // A guardrail against the row's own values refuses only that row.
  const tooLarge =
    "Guardrail column_value_size violated: Value of column 'address' has size 2 MiB, this exceeds the failure threshold of 1 MiB.";
  assert.equal(isPermanentWriteError(new ResponseError(codes.invalid, tooLarge)), true);
});

/**
 * A client double that records the rows of each request; `owner` maps an id to the host that owns it, and
 * `delayMs` how long the request with a given number (from 0) takes to be answered.
 */
function recordingClient(hostCount: number, owner: (id: string) => string, delayMs = (_n: number) => 0) {
  const requests: string[][] = [];
  const idOf = (params: unknown) => (params as unknown[])[0] as string;
  const answer = (): Promise<void> => {
    const delay = delayMs(requests.length - 1);
    return delay === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, delay));
  };
  const client = {
    hosts: { length: hostCount },
    getReplicas: (_keyspace: string, key: Buffer) => [
      { address: owner(new cassandra.types.Uuid(key).toString()) },
    ],
    execute: (_query: string, params: unknown) => {
      requests.push([idOf(params)]);
      return answer();
    },
    batch: (queries: { params: unknown }[]) => {
      requests.push(queries.map((q) => idOf(q.params)));
      return answer();
    },
  };
  return { client: client as unknown as cassandra.Client, requests };
}

const rowsFor = (count: number): RowToWrite[] =>
  Array.from({ length: count }, (_, i) => ({
    record: { ...record, id: `${i.toString(16).padStart(8, '0')}-9430-4d68-901f-c0d4c1c3bf00` },
    partition: 0,
    offset: String(i),
  }));

test('a node that went away is told apart from one that answered with an error', () => {
  const { errors, types } = cassandra;
  assert.ok(isNodeLossError(new errors.NoHostAvailableError({})));
  assert.ok(isNodeLossError(new errors.OperationTimedOutError('The host 127.0.0.1:9042 did not reply')));
  assert.ok(isNodeLossError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
  assert.ok(isNodeLossError(new Error('Socket was closed')));
  // It answered: an overloaded or short-of-replicas node lost nothing it acknowledged.
  assert.ok(!isNodeLossError(new errors.ResponseError(types.responseErrorCodes.overloaded, 'Overloaded')));
  assert.ok(
    !isNodeLossError(new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'Write timeout')),
  );
  assert.ok(!isNodeLossError(new TypeError('Not a valid uuid')));
});

test('batches only rows owned by the same replicas, at most batchRows per request', async () => {
  const owner = (id: string) => (parseInt(id.slice(0, 8), 16) % 3 === 0 ? '10.0.0.1' : '10.0.0.2');
  const { client, requests } = recordingClient(2, owner);
  const sink = createCassandraSink(client, { keyspace: 'ks', table: 't', concurrency: 4, batchRows: 4 });
  const outcome = await sink.write(rowsFor(25));
  assert.deepEqual(
    [...outcome.written].sort((a, b) => a - b),
    Array.from({ length: 25 }, (_, i) => i),
  );
  assert.equal(requests.flat().length, 25);
  for (const ids of requests) {
    assert.ok(ids.length <= 4);
    assert.equal(new Set(ids.map(owner)).size, 1, `one owner per request: ${ids.join(' ')}`);
  }
});

test('on a one-node cluster rows are batched in order without looking up replicas', async () => {
  const { client, requests } = recordingClient(1, () => {
    throw new Error('replicas looked up');
  });
  const sink = createCassandraSink(client, { keyspace: 'ks', table: 't', concurrency: 2, batchRows: 10 });
  const rows = rowsFor(23);
  const outcome = await sink.write(rows);
  assert.equal(outcome.written.length, 23);
  assert.deepEqual(
    requests.map((ids) => ids.length).sort((a, b) => a - b),
    [3, 10, 10],
  );
  assert.deepEqual(new Set(requests.flat()), new Set(rows.map((row) => row.record.id)));
});

test('each written row carries the time its own request was acknowledged', async () => {
  // The second request is answered 60 ms after the first.
  const { client } = recordingClient(
    1,
    () => '10.0.0.1',
    (n) => (n === 0 ? 0 : 60),
  );
  const sink = createCassandraSink(client, { keyspace: 'ks', table: 't', concurrency: 2, batchRows: 10 });
  const before = Date.now();
  const outcome = await sink.write(rowsFor(20));
  const after = Date.now();
  assert.equal(outcome.writtenAt.length, outcome.written.length);
  const timeOf = (row: number) => outcome.writtenAt[outcome.written.indexOf(row)]!;
  for (const row of [0, 9]) assert.ok(timeOf(row) >= before && timeOf(row) < timeOf(10), `row ${row}`);
  for (const row of [10, 19]) assert.ok(timeOf(row) >= timeOf(0) + 50 && timeOf(row) <= after, `row ${row}`);
});

test('with batchRows 1 every row is its own request, in order, without looking up replicas', async () => {
  const { client, requests } = recordingClient(2, () => {
    throw new Error('replicas looked up');
  });
  const sink = createCassandraSink(client, { keyspace: 'ks', table: 't', concurrency: 1, batchRows: 1 });
  const rows = rowsFor(5);
  assert.equal((await sink.write(rows)).written.length, 5);
  assert.deepEqual(
    requests,
    rows.map((row) => [row.record.id]),
  );
});

test('the upsert writes exactly the columns of users.cql, which the consumer checks at start-up', () => {
  const statement = upsertStatement('ks', 'users');
  const columns = /\(([^)]*)\) VALUES/.exec(statement)?.[1]?.split(', ');
  assert.deepEqual(columns, [...schemaColumns().keys()]);
});

test('a refused permission is transient, never dead-lettered, and reported naming CASSANDRA_USERNAME', () => {
  const { ResponseError } = cassandra.errors;
  const codes = cassandra.types.responseErrorCodes;
  const refused = new ResponseError(
    codes.unauthorized,
    'User reader has no MODIFY permission on <table userstream.users> or any of its parents',
  );
  assert.equal(isPermanentWriteError(refused), false);
  assert.match(
    asPermissionError(refused)?.message ?? '',
    /^CASSANDRA_USERNAME: Cassandra denied the role a permission \(User reader has no MODIFY permission on <table userstream\.users>/,
  );
  assert.equal(asPermissionError(new ResponseError(codes.writeTimeout, 'timeout')), undefined);
  assert.equal(asPermissionError(new Error('other')), undefined);
});
