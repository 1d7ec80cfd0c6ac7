import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePositiveInt, parseReplayStart, parseTime } from './args.ts';
import { runProgram, type Handlers } from './program.ts';

/** Handlers that record what they were called with and answer `code`. */
function recording(code = 0) {
  const calls: [string, unknown][] = [];
  const handler = (name: string) => (options: unknown) => {
    calls.push([name, options]);
    return Promise.resolve(code);
  };
  const handlers: Handlers = {
    dlqStats: handler('dlqStats'),
    dlqShow: handler('dlqShow'),
    dlqReplay: handler('dlqReplay'),
    replay: handler('replay'),
    status: handler('status'),
  };
  return { calls, handlers };
}

async function run(argv: string[], code = 0) {
  const { calls, handlers } = recording(code);
  let out = '';
  let err = '';
  const exit = await runProgram(argv, handlers, {
    writeOut: (text) => void (out += text),
    writeErr: (text) => void (err += text),
  });
  return { exit, calls, out, err };
}

test('each subcommand reaches its handler with parsed options and defaults', async () => {
  const now = Date.now();
  assert.deepEqual((await run(['dlq', 'stats'])).calls, [['dlqStats', { json: false }]]);
  assert.deepEqual((await run(['dlq', 'show', '--reason', 'avro-decode', '--limit', '3', '--json'])).calls, [
    ['dlqShow', { reason: 'avro-decode', limit: 3, json: true }],
  ]);
  assert.deepEqual((await run(['dlq', 'show'])).calls, [['dlqShow', { limit: 20, json: false }]]);
  assert.deepEqual((await run(['dlq', 'replay', '--since', '2026-12-08T03:00:00Z', '--dry-run'])).calls, [
    ['dlqReplay', { since: Date.parse('2026-12-08T03:00:00Z'), dryRun: true, json: false }],
  ]);
  const [[, stats]] = (await run(['dlq', 'stats', '--since', '2h'])).calls as [[string, { since: number }]];
  assert.ok(Math.abs(stats.since - (now - 7_200_000)) < 60_000, 'two hours back from now');
  assert.deepEqual((await run(['replay', '--from', 'offset:earliest', '--group', 'g'])).calls, [
    ['replay', { from: { kind: 'earliest' }, group: 'g', dryRun: false, json: false }],
  ]);
  assert.deepEqual((await run(['status', '--json'])).calls, [['status', { json: true }]]);
});

test("the handler's exit code is the program's", async () => {
  assert.equal((await run(['status'], 3)).exit, 3);
  assert.equal((await run(['status'], 0)).exit, 0);
});

test('--help on every subcommand exits 0 and calls nothing', async () => {
  for (const argv of [
    [],
    ['dlq'],
    ['dlq', 'stats'],
    ['dlq', 'show'],
    ['dlq', 'replay'],
    ['replay'],
    ['status'],
  ]) {
    const result = await run([...argv, '--help']);
    assert.equal(result.exit, 0, argv.join(' '));
    assert.deepEqual(result.calls, []);
    assert.match(result.out, /^Usage: userstream/, argv.join(' '));
  }
  const root = await run(['--help']);
  assert.match(root.out, /Exit codes: 0 done, 1 .* 2 bad arguments or settings,\s+3 refused/);
});

test('usage errors exit 2, say what is wrong, and call nothing', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['dlq', 'show', '--limit', '0'],
      /--limit <n>' argument '0' is invalid\. expected a positive whole number/,
    ],
    [['dlq', 'stats', '--since', 'yesterday'], /expected an ISO 8601 time .* or a duration back from now/],
    [['replay'], /required option '--from <point>' not specified/],
    [['replay', '--from', 'offset:latest'], /expected offset:earliest or an ISO 8601 time/],
    [['dlq', 'purge'], /unknown command 'purge'/],
    [['status', '--verbose'], /unknown option '--verbose'/],
    [['dlq'], /Usage: userstream dlq/],
  ];
  for (const [argv, message] of cases) {
    const result = await run(argv);
    assert.equal(result.exit, 2, argv.join(' '));
    assert.deepEqual(result.calls, [], argv.join(' '));
    assert.match(result.err, message, argv.join(' '));
  }
});

test('times: ISO 8601 dates and times, or durations back from now', () => {
  const now = Date.parse('2026-12-08T12:00:00Z');
  assert.equal(parseTime('2026-12-08T03:00:00Z', now), Date.parse('2026-12-08T03:00:00Z'));
  assert.equal(parseTime('2026-12-08T03:00:00.5+01:00', now), Date.parse('2026-12-08T02:00:00.500Z'));
  assert.equal(parseTime('2026-12-08', now), Date.parse('2026-12-08T00:00:00Z'));
  assert.equal(parseTime('30s', now), now - 30_000);
  assert.equal(parseTime('15m', now), now - 900_000);
  assert.equal(parseTime('7d', now), now - 7 * 86_400_000);
  for (const bad of ['', 'now', '12/08/2026', '2026-13-40', '5w', '-1h'])
    assert.throws(() => parseTime(bad, now), bad);
  assert.deepEqual(parseReplayStart('offset:earliest'), { kind: 'earliest' });
  assert.deepEqual(parseReplayStart('2026-12-08T03:00:00Z'), {
    kind: 'time',
    millis: Date.parse('2026-12-08T03:00:00Z'),
  });
  assert.throws(() => parseReplayStart('2h'), /offset:earliest or an ISO 8601 time/);
  assert.equal(parsePositiveInt('7'), 7);
  for (const bad of ['0', '-1', '1.5', 'ten', '']) assert.throws(() => parsePositiveInt(bad), bad);
});
