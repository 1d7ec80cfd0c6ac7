import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AGE_REFERENCE_TIME, buildResponse, generateUsers, renderResponse } from './generate-users.ts';
import { parseApiQuery } from './api-query.ts';
import { NATIONALITIES, USER_FIELDS, type RandomUser, type RandomUserResult } from './types.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Narrows a result to a complete user, failing the test if any field is missing. */
function complete(result: RandomUserResult): RandomUser {
  for (const field of USER_FIELDS) assert.ok(field in result, `missing ${field}`);
  return result as RandomUser;
}

function usersOf(nat: string, results = 300): RandomUser[] {
  return generateUsers({ seed: `quirks-${nat}`, results, nat: [nat] }).map(complete);
}

function assertString(value: unknown, what: string): void {
  assert.equal(typeof value, 'string', `${what} should be a string, got ${JSON.stringify(value)}`);
}

describe('generateUsers', () => {
  it('gives every field of every result with the type randomuser.me 1.4 uses', () => {
    const users = generateUsers({ seed: 'shape', results: 500 }).map(complete);
    for (const user of users) {
      assert.deepEqual(Object.keys(user), [...USER_FIELDS]);
      assert.ok(user.gender === 'male' || user.gender === 'female');
      for (const part of ['title', 'first', 'last'] as const) {
        assertString(user.name[part], `name.${part}`);
        assert.ok(user.name[part].length > 0);
      }
      const { location } = user;
      assert.ok(Number.isInteger(location.street.number) && location.street.number >= 1);
      assertString(location.street.name, 'street.name');
      assertString(location.city, 'city');
      assertString(location.state, 'state');
      assertString(location.country, 'country');
      assert.ok(typeof location.postcode === 'number' || typeof location.postcode === 'string');
      assert.match(location.coordinates.latitude, /^-?\d{1,2}\.\d{4}$/);
      assert.match(location.coordinates.longitude, /^-?\d{1,3}\.\d{4}$/);
      assert.ok(Math.abs(Number(location.coordinates.latitude)) <= 90);
      assert.ok(Math.abs(Number(location.coordinates.longitude)) <= 180);
      assert.match(location.timezone.offset, /^[+-]?\d{1,2}:\d{2}$/);
      assertString(location.timezone.description, 'timezone.description');
      assert.match(user.email, /^[a-z0-9]+\.[a-z0-9]+@example\.com$/);
      assert.match(user.login.uuid, UUID_V4);
      assert.match(user.login.username, /^[a-z]+\d{3}$/);
      assert.match(user.login.salt, /^[A-Za-z0-9]{8}$/);
      const salted = user.login.password + user.login.salt;
      assert.equal(user.login.md5, createHash('md5').update(salted).digest('hex'));
      assert.equal(user.login.sha1, createHash('sha1').update(salted).digest('hex'));
      assert.equal(user.login.sha256, createHash('sha256').update(salted).digest('hex'));
      for (const dated of [user.dob, user.registered]) {
        assert.equal(new Date(dated.date).toISOString(), dated.date);
        assert.ok(Number.isInteger(dated.age));
      }
      assert.ok(user.dob.age >= 20 && user.dob.age <= 77, `dob.age ${user.dob.age}`);
      assert.ok(
        user.registered.age >= 0 && user.registered.age <= 21,
        `registered.age ${user.registered.age}`,
      );
      assertString(user.phone, 'phone');
      assertString(user.cell, 'cell');
      assert.match(user.phone, /\d{2}/);
      assertString(user.id.name, 'id.name');
      assert.ok(user.id.value === null || typeof user.id.value === 'string');
      const kind = user.gender === 'male' ? 'men' : 'women';
      assert.match(
        user.picture.large,
        new RegExp(`^https://randomuser\\.me/api/portraits/${kind}/\\d{1,2}\\.jpg$`),
      );
      // Upstream's portraits: men 0..99, women 0..96.
      const portrait = Number(/(\d+)\.jpg$/.exec(user.picture.large)![1]);
      assert.ok(portrait <= (user.gender === 'male' ? 99 : 96), user.picture.large);
      assert.match(
        user.picture.medium,
        new RegExp(`^https://randomuser\\.me/api/portraits/med/${kind}/\\d+\\.jpg$`),
      );
      assert.match(
        user.picture.thumbnail,
        new RegExp(`^https://randomuser\\.me/api/portraits/thumb/${kind}/\\d+\\.jpg$`),
      );
      assert.ok((NATIONALITIES as readonly string[]).includes(user.nat));
    }
  });

  it('counts ages in whole years up to the fixed reference instant', () => {
    const reference = new Date(AGE_REFERENCE_TIME);
    for (const user of generateUsers({ seed: 'ages', results: 200 }).map(complete)) {
      const born = new Date(user.dob.date);
      let age = reference.getUTCFullYear() - born.getUTCFullYear();
      const birthdayPassed =
        reference.getUTCMonth() > born.getUTCMonth() ||
        (reference.getUTCMonth() === born.getUTCMonth() && reference.getUTCDate() >= born.getUTCDate());
      if (!birthdayPassed) age -= 1;
      assert.equal(user.dob.age, age, user.dob.date);
    }
  });

  it('gives byte-identical users for the same seed, page and results', () => {
    const first = JSON.stringify(generateUsers({ seed: 'same', page: 3, results: 250 }));
    const second = JSON.stringify(generateUsers({ seed: 'same', page: 3, results: 250 }));
    assert.equal(first, second);
  });

  it('derives login.uuid from seed, page and index alone: pinned, so a change of derivation shows', () => {
    const uuids = generateUsers({ seed: 'golden', results: 3 }).map((user) => complete(user).login.uuid);
    assert.deepEqual(uuids, [
      'a1bcf795-bd74-4286-8a83-c79cd4347c14',
      '7e9bab00-45e4-4fdd-a9b3-157b176cc6ca',
      '96edbafe-a315-4fe6-addb-53566ac8fb08',
    ]);
    const norwegian = generateUsers({ seed: 'golden', page: 2, nat: ['NO'] }).map(
      (user) => complete(user).login.uuid,
    );
    assert.deepEqual(norwegian, ['29ac18b3-2aa7-4df9-bb54-f81a4c124eb8']);
  });

  it('gives the same bytes in another process (the faker pools are seeded, not random)', () => {
    const options = { seed: 'other-process', page: 5, results: 200, nat: ['ir', 'ua', 'gb', 'no'] };
    const script =
      `import { generateUsers } from ${JSON.stringify(new URL('./generate-users.ts', import.meta.url).href)};` +
      `process.stdout.write(JSON.stringify(generateUsers(${JSON.stringify(options)})));`;
    const elsewhere = execFileSync(
      process.execPath,
      ['--conditions=source', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(elsewhere, JSON.stringify(generateUsers(options)));
  });

  it('keeps user i the same whatever results asks for', () => {
    const ten = generateUsers({ seed: 'prefix', page: 2, results: 10 });
    const four = generateUsers({ seed: 'prefix', page: 2, results: 4 });
    assert.deepEqual(four, ten.slice(0, 4));
  });

  it('gives different users, with different uuids, on different pages and seeds', () => {
    const uuids = (seed: string, page: number): string[] =>
      generateUsers({ seed, page, results: 100 }).map((user) => complete(user).login.uuid);
    const page1 = uuids('pages', 1);
    const page2 = uuids('pages', 2);
    const otherSeed = uuids('pages2', 1);
    const all = new Set([...page1, ...page2, ...otherSeed]);
    assert.equal(all.size, 300, 'every uuid is distinct within and across pages and seeds');
    const names = (page: number): string =>
      JSON.stringify(generateUsers({ seed: 'pages', page, results: 20 }).map((user) => user.name));
    assert.notEqual(names(1), names(2));
  });

  it('picks each user from the nationalities asked for, in any case; an unknown code means every one', () => {
    const users = generateUsers({ seed: 'nat', results: 400, nat: ['us', 'GB'] }).map(complete);
    assert.deepEqual(new Set(users.map((user) => user.nat)), new Set(['US', 'GB']));
    for (const user of users) {
      assert.equal(user.location.country, user.nat === 'US' ? 'United States' : 'United Kingdom');
    }
    for (const nat of [['XX'], ['US', 'XX']]) {
      const users = generateUsers({ seed: 'nat', results: 400, nat }).map(complete);
      assert.ok(new Set(users.map((user) => user.nat)).size > 10, `${nat.join(',')} means every nationality`);
    }
  });

  it('treats a nationality list the same whatever its order', () => {
    assert.deepEqual(
      generateUsers({ seed: 'order', results: 30, nat: ['FR', 'de'] }),
      generateUsers({ seed: 'order', results: 30, nat: ['DE', 'fr', 'FR'] }),
    );
  });

  it('leaves out the fields inc does not name, keeping the values of those it does', () => {
    const full = generateUsers({ seed: 'fields', results: 20 }).map(complete);
    const some = generateUsers({ seed: 'fields', results: 20, inc: ['name', 'NAT', 'bogus'] });
    some.forEach((user, index) => {
      assert.deepEqual(Object.keys(user), ['name', 'nat']);
      assert.deepEqual(user.name, full[index]?.name);
      assert.equal(user.nat, full[index]?.nat);
    });
  });

  it('leaves out the fields exc names, and combines inc with exc', () => {
    const full = generateUsers({ seed: 'fields', results: 20 }).map(complete);
    const without = generateUsers({ seed: 'fields', results: 20, exc: ['login', 'id', 'picture'] });
    without.forEach((user, index) => {
      assert.deepEqual(
        Object.keys(user),
        USER_FIELDS.filter((field) => !['login', 'id', 'picture'].includes(field)),
      );
      assert.equal('login' in user, false);
      assert.equal(user.email, full[index]?.email);
    });
    const both = generateUsers({
      seed: 'fields',
      results: 5,
      inc: ['gender', 'email', 'login'],
      exc: ['email'],
    });
    for (const user of both) assert.deepEqual(Object.keys(user), ['gender', 'login']);
  });

  it('rejects page and results outside what the API allows', () => {
    assert.throws(() => generateUsers({ seed: 's', results: 5001 }), RangeError);
    assert.throws(() => generateUsers({ seed: 's', results: 0 }), RangeError);
    assert.throws(() => generateUsers({ seed: 's', page: 0 }), RangeError);
    assert.equal(generateUsers({ seed: 's', results: 5000 }).length, 5000);
  });
});

describe("generateUsers reproduces upstream's quirks", () => {
  it('writes postcodes as JSON numbers for numeric-postcode countries', () => {
    for (const nat of [
      'US',
      'AU',
      'DE',
      'ES',
      'FI',
      'FR',
      'DK',
      'CH',
      'IN',
      'MX',
      'TR',
      'RS',
      'BR',
      'IR',
      'UA',
      'NZ',
    ]) {
      for (const user of usersOf(nat, 50)) {
        assert.ok(Number.isInteger(user.location.postcode), `${nat} postcode ${user.location.postcode}`);
      }
    }
  });

  it('writes Canadian postcodes as strings like "A1B 2C3"', () => {
    for (const user of usersOf('CA')) {
      assertString(user.location.postcode, 'CA postcode');
      assert.match(String(user.location.postcode), /^[A-Z]\d[A-Z] \d[A-Z]\d$/);
    }
  });

  it('writes British postcodes as strings like "SW1A 1AA"', () => {
    for (const user of usersOf('GB')) {
      assertString(user.location.postcode, 'GB postcode');
      assert.match(String(user.location.postcode), /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/);
    }
  });

  it('writes Norwegian postcodes as four-digit strings, leading zeros kept', () => {
    const postcodes = usersOf('NO', 1000).map((user) => user.location.postcode);
    for (const postcode of postcodes) {
      assertString(postcode, 'NO postcode');
      assert.match(String(postcode), /^\d{4}$/);
    }
    assert.ok(
      postcodes.some((postcode) => String(postcode).startsWith('0')),
      'some Norwegian postcodes start with 0',
    );
  });

  it('writes Dutch postcodes as strings like "1234 AB"', () => {
    for (const user of usersOf('NL')) assert.match(String(user.location.postcode), /^\d{4} [A-Z]{2}$/);
  });

  it('gives { name: "", value: null } ids for IR, NZ, TR and UA, and real ids elsewhere', () => {
    for (const nat of ['IR', 'NZ', 'TR', 'UA']) {
      for (const user of usersOf(nat, 50)) assert.deepEqual(user.id, { name: '', value: null });
    }
    for (const user of usersOf('US', 50)) {
      assert.equal(user.id.name, 'SSN');
      assert.match(user.id.value ?? '', /^\d{3}-\d{2}-\d{4}$/);
    }
    for (const user of usersOf('FI', 50)) {
      // The Finnish check character is the 9-digit number modulo 31 in a fixed alphabet.
      const value = user.id.value ?? '';
      const digits = Number(value.slice(0, 6) + value.slice(7, 10));
      assert.equal(value.charAt(10), '0123456789ABCDEFHJKLMNPRSTUVWXY'.charAt(digits % 31));
    }
  });

  it('writes Iranian names in Persian script and Ukrainian names in Cyrillic, emails in ASCII', () => {
    for (const user of usersOf('IR', 100)) {
      assert.match(user.name.first, /^[\p{Script=Arabic}\s\u200c]+$/u);
      assert.match(user.name.last, /^[\p{Script=Arabic}\s\u200c]+$/u);
      assert.match(user.email, /^[a-z0-9]+\.[a-z0-9]+@example\.com$/);
    }
    for (const user of usersOf('UA', 100)) {
      assert.match(user.name.first, /^[\p{Script=Cyrillic}'’ -]+$/u);
      assert.match(user.name.last, /^[\p{Script=Cyrillic}'’ -]+$/u);
      assert.match(user.email, /^[a-z0-9]+\.[a-z0-9]+@example\.com$/);
    }
    for (const user of usersOf('US', 100)) assert.match(user.name.first, /^[A-Za-z' -]+$/);
  });

  it('makes street.number an integer for every nationality', () => {
    for (const user of generateUsers({ seed: 'streets', results: 2000 }).map(complete)) {
      assert.equal(typeof user.location.street.number, 'number');
      assert.ok(Number.isInteger(user.location.street.number));
    }
  });
});

describe('buildResponse', () => {
  it('wraps the users with info { seed, results, page, version: "1.4" }', () => {
    const response = buildResponse(parseApiQuery(new URLSearchParams('seed=abc&results=3&page=7')));
    assert.equal(response.results.length, 3);
    assert.deepEqual(response.info, { seed: 'abc', results: 3, page: 7, version: '1.4' });
    assert.deepEqual(response.results, generateUsers({ seed: 'abc', page: 7, results: 3 }));
  });

  it('has no info key at all with noinfo', () => {
    const response = buildResponse(parseApiQuery(new URLSearchParams('seed=abc&noinfo')));
    assert.equal('info' in response, false);
    assert.equal(response.results.length, 1);
  });
});

describe('renderResponse', () => {
  it('writes exactly the UTF-8 of JSON.stringify(buildResponse(query))', () => {
    const queries = [
      'seed=render&results=3000',
      'seed=render&results=500&page=9&nat=ir,ua,rs,tr,de,fr,no',
      'seed=render&results=200&inc=name,location,nat',
      'seed=render&results=200&exc=login,gender,picture&noinfo',
      'seed=render&results=50&inc=login,id,dob,registered,phone,cell,email',
      `seed=${encodeURIComponent('quote " backslash \\ ünïcödé \u2028 done')}&results=5`,
    ];
    for (const query of queries) {
      const parsed = parseApiQuery(new URLSearchParams(query));
      assert.equal(renderResponse(parsed).toString('utf8'), JSON.stringify(buildResponse(parsed)), query);
    }
  });
});
