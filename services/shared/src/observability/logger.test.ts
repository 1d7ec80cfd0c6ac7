import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { captureLogs } from './log-capture.ts';
import { createLogger, prettyDestination, wantsPrettyLogs } from './logger.ts';

const capture = () => captureLogs('info');

test('an HTTP client error is logged without its request: no URL credentials, auth or headers', () => {
  const { logger, lines } = capture();
  // The shape axios gives a failed request.
  const error = Object.assign(new Error('Request failed with status code 401 at https://key:s3cret@reg/'), {
    name: 'AxiosError',
    code: 'ERR_BAD_REQUEST',
    config: {
      baseURL: 'https://key:s3cret@reg/',
      auth: { username: 'key', password: 's3cret' },
      headers: { Authorization: 'Basic a2V5OnMzY3JldA==' },
    },
    request: { path: '/subjects' },
    response: { status: 401, headers: { 'www-authenticate': 'Basic' } },
  });
  logger.error({ err: error }, 'run failed');
  const text = JSON.stringify(lines);
  assert.doesNotMatch(text, /s3cret|a2V5OnMzY3JldA|"key"/);
  const err = lines[0]!.err as Record<string, unknown>;
  assert.equal(err.code, 'ERR_BAD_REQUEST', 'what is not about the request is kept');
  assert.match(String(err.message), /status code 401 at https:\/\/\*\*\*@reg\//);
});

test('passwords and Authorization headers are redacted wherever a log call puts them', () => {
  const { logger, lines } = capture();
  logger.info(
    {
      config: { SCHEMA_REGISTRY_PASSWORD: 'pw1', CASSANDRA_PASSWORD: 'pw2', KAFKA_TOPIC: 'users' },
      request: { headers: { Authorization: 'Basic pw3' } },
      password: 'pw4',
      auth: { password: 'pw5' },
    },
    'starting',
  );
  const text = JSON.stringify(lines);
  assert.doesNotMatch(text, /pw[1-5]/);
  assert.match(text, /"KAFKA_TOPIC":"users"/);
});

test('a thrown string, a cause and aggregated errors are masked and scrubbed too', () => {
  const { logger, lines } = capture();
  logger.error({ err: 'failed at https://key:s3cret@reg/subjects' }, 'thrown string');
  const inner = Object.assign(new Error('401 from https://key:s3cret@reg/'), {
    config: { auth: { password: 's3cret' } },
  });
  logger.error({ err: new Error('run failed', { cause: inner }) }, 'with a cause');
  logger.error({ err: new AggregateError([inner], 'all failed') }, 'aggregated');
  const text = JSON.stringify(lines);
  assert.doesNotMatch(text, /s3cret/);
  assert.equal(lines[0]!.err, 'failed at https://***@reg/subjects');
  assert.match(text, /401 from https:\/\/\*\*\*@reg\//);
});

test('readable lines only at a terminal outside production; JSON when piped and in containers', () => {
  assert.equal(wantsPrettyLogs(true, undefined), true);
  assert.equal(wantsPrettyLogs(true, 'development'), true);
  assert.equal(wantsPrettyLogs(true, 'production'), false, 'the image sets NODE_ENV=production');
  assert.equal(wantsPrettyLogs(false, undefined), false, 'piped or collected');
});

test('the pretty stream writes a readable line, still redacted', () => {
  let text = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const stream = prettyDestination(output);
  assert.ok(stream, 'pino-pretty is installed for development');
  createLogger('producer', 'info', stream).info({ published: 3, password: 'hunter2' }, 'run finished');
  assert.match(text, /INFO \(producer\): run finished\n/);
  assert.match(text, /published: 3/);
  assert.doesNotMatch(text, /hunter2/);
  assert.doesNotMatch(text, /^\{/m, 'not JSON');
});
