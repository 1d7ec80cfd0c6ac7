import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { toUserRecords } from './to-user-record.ts';
import { randomUserResultSchema } from './randomuser-result.ts';
import { usResult } from './randomuser.fixture.ts';

const NOW = 1_764_000_000_000;
const location = (postcode: unknown, country: string) => ({
  street: { number: 12, name: 'Main St' },
  city: 'Town',
  state: 'State',
  country,
  postcode,
});

test('maps a randomuser result to our record', () => {
  const { records, rejected } = toUserRecords([usResult()], NOW);
  assert.deepEqual(rejected, []);
  assert.deepEqual(records[0], {
    id: '7a0eed16-9430-4d68-901f-c0d4c1c3bf00',
    first_name: 'Jennie',
    last_name: 'Nichols',
    gender: 'female',
    address: '8929 Valwood Pkwy, Billings, Michigan, United States',
    postcode: '63104',
    email: 'jennie.nichols@example.com',
    username: 'yellowpeacock117',
    dob: Date.parse('1992-03-08T15:13:16.688Z'),
    registered_date: Date.parse('2007-07-09T05:51:59.390Z'),
    phone: '(272) 790-0888',
    picture: 'https://randomuser.me/api/portraits/med/women/75.jpg',
    nat: 'US',
    cell: '(489) 330-2385',
    latitude: -69.8246,
    longitude: 134.8719,
    timezone_offset: '+9:30',
    produced_at: NOW,
  });
});

test('v2 fields: absent ones are null, and bad coordinates or offsets are refused by field', () => {
  const { location: full } = usResult() as { location: Record<string, unknown> };
  const { coordinates: _c, timezone: _t, ...v1Location } = full;
  const { cell: _cell, ...withoutCell } = usResult({ location: v1Location });
  const { records } = toUserRecords([withoutCell], NOW);
  assert.deepEqual(
    [records[0]?.cell, records[0]?.latitude, records[0]?.longitude, records[0]?.timezone_offset],
    [null, null, null, null],
  );
  const bad = (coordinates: unknown, offset: string) =>
    toUserRecords([usResult({ location: { ...full, coordinates, timezone: { offset } } })], NOW).rejected[0]
      ?.issues;
  assert.deepEqual(bad({ latitude: 'north', longitude: '12.5' }, '+1:00'), [
    'latitude: Invalid input: expected number, received NaN',
  ]);
  assert.deepEqual(bad({ latitude: '91', longitude: '-181' }, '+1:00'), [
    'latitude: must be degrees within ±90',
    'longitude: must be degrees within ±180',
  ]);
  assert.deepEqual(bad({ latitude: '1', longitude: '2' }, 'UTC'), [
    'timezone_offset: must be an offset such as +5:30 or -3:00',
  ]);
});

test('postcode quirks: integers become strings, CA/GB text and NO leading zeros are kept', () => {
  const { records, rejected } = toUserRecords(
    [
      usResult({ nat: 'CA', location: location('A1B 2C3', 'Canada') }),
      usResult({ nat: 'GB', location: location('SW1A 1AA', 'United Kingdom') }),
      usResult({ nat: 'NO', location: location('0001', 'Norway') }),
      usResult({ nat: 'DE', location: location(10115, 'Germany') }),
    ],
    NOW,
  );
  assert.deepEqual(rejected, []);
  assert.deepEqual(
    records.map((r) => r.postcode),
    ['A1B 2C3', 'SW1A 1AA', '0001', '10115'],
  );
  assert.equal(records[0]!.address, '12 Main St, Town, State, Canada');
});

test('id.value null, non-Latin names and integer street numbers pass', () => {
  const { records, rejected } = toUserRecords(
    [
      usResult({
        nat: 'IR',
        id: { name: '', value: null },
        name: { title: 'آقای', first: 'محمدطاها', last: 'کریمی' },
      }),
      usResult({ nat: 'UA', name: { title: 'Mr', first: 'Богодар', last: 'Ничипорук' } }),
    ],
    NOW,
  );
  assert.deepEqual(rejected, []);
  assert.equal(records[0]!.first_name, 'محمدطاها');
  assert.equal(records[1]!.last_name, 'Ничипорук');
});

test('fields excluded with inc/exc become null', () => {
  const result = usResult();
  for (const field of [
    'location',
    'email',
    'dob',
    'registered',
    'phone',
    'picture',
    'nat',
    'gender',
    'name',
  ]) {
    delete result[field];
  }
  const { records, rejected } = toUserRecords([result], NOW);
  assert.deepEqual(rejected, []);
  const record = records[0]!;
  assert.equal(record.id, '7a0eed16-9430-4d68-901f-c0d4c1c3bf00');
  for (const field of [
    'address',
    'postcode',
    'email',
    'dob',
    'registered_date',
    'phone',
    'picture',
    'nat',
    'gender',
    'first_name',
  ] as const) {
    assert.equal(record[field], null, field);
  }
});

test('a bad record is rejected with its index and field; the rest of the page survives', () => {
  const noLogin = usResult();
  delete noLogin.login;
  const page = [
    usResult(),
    usResult({
      email: 'not-an-email',
      login: { uuid: '11111111-2222-4333-8444-555555555555', username: 'x' },
    }),
    noLogin,
    usResult({ dob: { date: 'yesterday' }, login: { uuid: '21111111-2222-4333-8444-555555555555' } }),
    usResult({ login: { uuid: 'not-a-uuid' } }),
    'garbage',
  ];
  const { records, rejected } = toUserRecords(page, NOW);
  assert.equal(records.length, 1);
  assert.deepEqual(
    rejected.map((r) => [r.index, r.issues[0]?.split(':')[0]]),
    [
      [1, 'email'],
      [2, 'login.uuid'],
      [3, 'dob.date'],
      [4, 'id'],
      [5, '(record)'],
    ],
  );
  assert.equal(rejected[0]!.id, '11111111-2222-4333-8444-555555555555');
});

test('the compiled result schema compiles whole and answers as the interpreted one does', () => {
  const interpreted = z.object(randomUserResultSchema.shape);
  assert.doesNotThrow(() => z.compile(interpreted, { strict: true }));
  const values: unknown[] = [
    usResult(),
    usResult({ location: undefined, login: undefined, dob: undefined }),
    usResult({ location: location('EC1A 1BB', 'United Kingdom') }),
    usResult({ dob: { date: 'yesterday' }, email: 5 }),
    usResult({ name: { first: 'A' }, picture: {} }),
    usResult({ location: location(12.5, 'United States') }),
    null,
  ];
  for (const value of values) {
    const [compiled, plain] = [randomUserResultSchema.safeParse(value), interpreted.safeParse(value)];
    assert.equal(compiled.success, plain.success, JSON.stringify(value));
    assert.deepEqual(compiled.data, plain.data);
    assert.deepEqual(
      compiled.error?.issues.map((issue) => [issue.path, issue.message]),
      plain.error?.issues.map((issue) => [issue.path, issue.message]),
    );
  }
});
