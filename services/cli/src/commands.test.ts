import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLAY_COUNT_HEADER } from '@userstream/shared';
import { environmentWithDotenv, loadCliConfig } from './config.ts';
import { toLetter, type Letter } from './dlq/letter.ts';
import { renderReplay, replayGroupId, replayHeaders, selectForReplay } from './dlq/replay-letters.ts';
import { renderShown, showLetter } from './dlq/show.ts';
import { computeStats, renderStats } from './dlq/stats.ts';
import { viewValue } from './dlq/value-view.ts';
import { liveMembersMessage, renderGroupReplay } from './group/replay-group.ts';
import { renderTable } from './render/table.ts';
import { renderStatus, statusHasErrors, type StatusReport } from './status.ts';

const letter = (offset: number, headers: Record<string, string>, timestamp: number, value?: Buffer): Letter =>
  toLetter(0, {
    key: Buffer.from(`k${offset}`),
    value: value ?? Buffer.from('{}'),
    timestamp: String(timestamp),
    attributes: 0,
    offset: String(offset),
    headers,
  });
const T = Date.parse('2026-12-08T03:00:00Z');
const decodeLetter = {
  'dlq.stage': 'decode',
  'dlq.error.class': 'DecodeError',
  'dlq.error.reason': 'avro-decode',
};
const writeLetter = { 'dlq.stage': 'write', 'dlq.error.class': 'WriteError', 'dlq.source.topic': 'users' };
const refusal = {
  'dlq.stage': 'validate',
  'dlq.error.class': 'ValidationError',
  'dlq.source.api': 'randomuser',
};

test('tables: a header row and aligned columns, no borders or trailing spaces', () => {
  assert.equal(
    renderTable(
      ['A', 'LONGER'],
      [
        ['x', 1],
        ['yyyy', 22],
      ],
    ),
    ['A     LONGER', 'x     1', 'yyyy  22'].join('\n'),
  );
});

test('stats: counted by stage and reason, largest first, with oldest and newest', () => {
  const stats = computeStats('t.dlq', [
    letter(0, decodeLetter, T),
    letter(1, writeLetter, T + 1_000),
    letter(2, decodeLetter, T + 2_000),
  ]);
  assert.deepEqual(stats, {
    topic: 't.dlq',
    total: 3,
    oldest: '2026-12-08T03:00:00.000Z',
    newest: '2026-12-08T03:00:02.000Z',
    groups: [
      {
        stage: 'decode',
        reason: 'avro-decode',
        count: 2,
        oldest: '2026-12-08T03:00:00.000Z',
        newest: '2026-12-08T03:00:02.000Z',
      },
      {
        stage: 'write',
        reason: 'WriteError',
        count: 1,
        oldest: '2026-12-08T03:00:01.000Z',
        newest: '2026-12-08T03:00:01.000Z',
      },
    ],
  });
  const text = renderStats(stats);
  assert.match(
    text,
    /^t\.dlq: 3 dead letters, oldest 2026-12-08T03:00:00\.000Z, newest 2026-12-08T03:00:02\.000Z$/m,
  );
  assert.match(text, /^STAGE\s+REASON\s+COUNT\s+OLDEST\s+NEWEST$/m);
  assert.match(text, /^decode\s+avro-decode\s+2\s+2026-12-08T03:00:00\.000Z\s+2026-12-08T03:00:02\.000Z$/m);
  assert.equal(renderStats(computeStats('t.dlq', [])), 't.dlq: no dead letters');
});

test('values: Avro through the decoder, JSON, hex with the reason, none', async () => {
  const framed = Buffer.from([0, 0, 0, 0, 7, 1, 2]);
  const avro = await viewValue(framed, () => Promise.resolve({ id: 'u', n: 1 }));
  assert.deepEqual(avro, { format: 'avro', schemaId: 7, data: { id: 'u', n: 1 } });
  const failed = await viewValue(framed, () =>
    Promise.reject(new Error('schema id 7 is not in the registry')),
  );
  assert.deepEqual(failed, {
    format: 'hex',
    bytes: 7,
    data: '00000000070102',
    note: 'Avro decoding failed: schema id 7 is not in the registry',
  });
  assert.deepEqual(await viewValue(Buffer.from('{"a":[1]}'), () => Promise.reject(new Error('unused'))), {
    format: 'json',
    data: { a: [1] },
  });
  const long = await viewValue(Buffer.alloc(300, 0xab), () => Promise.reject(new Error('unused')));
  assert.equal(long.format === 'hex' && long.data, `${'ab'.repeat(256)}…`);
  assert.deepEqual(await viewValue(null, () => Promise.reject(new Error('unused'))), { format: 'none' });
});

test('show: a block per letter with its position, reason, sorted headers and value', () => {
  const shown = showLetter(letter(4, writeLetter, T), { format: 'json', data: { email: 'x' } });
  const text = renderShown('t.dlq', [shown], 3);
  assert.equal(
    text,
    [
      't.dlq partition 0 offset 4  2026-12-08T03:00:00.000Z  write/WriteError  key k4',
      '  dlq.error.class: WriteError',
      '  dlq.source.topic: users',
      '  dlq.stage: write',
      '  value (JSON):',
      '      {',
      '        "email": "x"',
      '      }',
      '',
      '1 of 3 matching letters shown (--limit)',
    ].join('\n'),
  );
  assert.equal(renderShown('t.dlq', [], 0), 't.dlq: no dead letters match');
});

test('replay: selects by reason or stage, never the producer refusals; headers keep dlq.* and count up', () => {
  const letters = [
    letter(0, writeLetter, T),
    letter(1, decodeLetter, T),
    letter(2, refusal, T),
    letter(3, { ...writeLetter, [REPLAY_COUNT_HEADER]: '2' }, T),
  ];
  const all = selectForReplay(letters, undefined);
  assert.deepEqual(
    [all.selected.map((l) => l.offset), all.notReplayable, all.filteredOut],
    [['0', '1', '3'], 1, 0],
  );
  const write = selectForReplay(letters, 'write');
  assert.deepEqual([write.selected.map((l) => l.offset), write.filteredOut], [['0', '3'], 2]);
  assert.deepEqual(
    selectForReplay(letters, 'avro-decode').selected.map((l) => l.offset),
    ['1'],
  );
  assert.deepEqual(replayHeaders(letters[0]!), { ...writeLetter, [REPLAY_COUNT_HEADER]: '1' });
  assert.equal(replayHeaders(letters[3]!)[REPLAY_COUNT_HEADER], '3');
  assert.equal(replayGroupId('sink', undefined), 'sink.dlq-replay');
  assert.equal(replayGroupId('sink', 'write'), 'sink.dlq-replay.write');
  const text = renderReplay(
    {
      topic: 't.dlq',
      groupId: 'sink.dlq-replay',
      dryRun: true,
      read: 4,
      replayed: [
        { partition: 0, offset: '0', key: 'k0', stage: 'write', reason: 'WriteError', replayCount: 1 },
      ],
      notReplayable: 1,
      filteredOut: 2,
      committed: {},
    },
    'users',
  );
  assert.match(text, /^t\.dlq -> users: would send 1 of 4 letters read \(group sink\.dlq-replay\)$/m);
  assert.match(text, /^1 producer refusal\(s\) not replayable/m);
  assert.match(text, /^2 letter\(s\) left out by --reason$/m);
  assert.match(text, /^0\s+0\s+k0\s+write\s+WriteError\s+1$/m);
  assert.match(text, /dry run: nothing sent, offsets unchanged$/);
});

test('group replay: lag before and after per partition; the refusal names every live member', () => {
  const text = renderGroupReplay({
    groupId: 'sink',
    topic: 'users',
    from: 'offset:earliest',
    dryRun: true,
    partitions: [
      { partition: 0, committed: 10, end: 10, lagBefore: 0, target: 0, lagAfter: 10 },
      { partition: 1, committed: -1, end: 5, lagBefore: 5, target: 0, lagAfter: 5 },
    ],
  });
  assert.match(text, /^dry run: would move group sink on users to offset:earliest$/m);
  assert.match(text, /^1\s+-\s+5\s+5\s+0\s+5$/m);
  assert.match(text, /^lag before 5, after 15 \(nothing moved\)$/m);
  assert.equal(
    liveMembersMessage('sink', [
      { memberId: 'm-1', clientId: 'userstream-consumer', clientHost: '/127.0.0.1' },
      { memberId: 'm-2', clientId: 'userstream-consumer', clientHost: '/127.0.0.2' },
    ]),
    "consumer group sink has 2 live member(s): userstream-consumer on /127.0.0.1 (m-1), userstream-consumer on /127.0.0.2 (m-2). Stop the consumers first; the group's offsets can only be moved while it is empty",
  );
});

test('status: each part, or its error; any error makes the run fail', () => {
  const report: StatusReport = {
    topic: {
      name: 'users',
      groupId: 'sink',
      groupState: 'Stable',
      members: 1,
      partitions: [{ partition: 0, committed: 7, end: 9, lag: 2 }],
      lag: 2,
    },
    deadLetters: { topic: 'users.dlq', count: 4 },
    registry: { subject: 'users-value', versions: [1, 2], latestId: 12, compatibility: 'FULL_TRANSITIVE' },
    table: { name: 'userstream.users', rows: 1_000 },
  };
  const text = renderStatus(report);
  assert.match(text, /^topic users, group sink \(Stable, 1 member\(s\)\), lag 2$/m);
  assert.match(text, /^0\s+7\s+9\s+2$/m);
  assert.match(text, /^dead letters users\.dlq: 4$/m);
  assert.match(
    text,
    /^registry subject users-value: versions 1, 2 \(latest schema id 12\), compatibility FULL_TRANSITIVE$/m,
  );
  assert.match(text, /^table userstream\.users: 1000 rows$/m);
  assert.equal(statusHasErrors(report), false);
  const broken = {
    ...report,
    table: { name: 'userstream.users', error: 'NoHostAvailableError: all hosts tried' },
  };
  assert.match(
    renderStatus(broken),
    /^table userstream\.users: ERROR NoHostAvailableError: all hosts tried$/m,
  );
  assert.equal(statusHasErrors(broken), true);
});

test('settings: the environment wins over .env; the services names and defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'userstream-cli-'));
  const file = join(dir, '.env');
  writeFileSync(file, 'KAFKA_TOPIC=from_file\nKAFKA_DLQ_TOPIC=from_file.dlq\n# comment\n');
  const env = environmentWithDotenv({ KAFKA_TOPIC: 'from_env' }, file);
  const config = loadCliConfig(env);
  assert.equal(config.KAFKA_TOPIC, 'from_env');
  assert.equal(config.KAFKA_DLQ_TOPIC, 'from_file.dlq');
  assert.equal(loadCliConfig({}).CONSUMER_GROUP_ID, 'userstream-cassandra-sink');
  assert.deepEqual(environmentWithDotenv({ A: '1' }, join(dir, 'missing')), { A: '1' });
  assert.throws(
    () => loadCliConfig({ KAFKA_TOPIC: 'same', KAFKA_DLQ_TOPIC: 'same' }),
    /KAFKA_DLQ_TOPIC: must differ/,
  );
});
