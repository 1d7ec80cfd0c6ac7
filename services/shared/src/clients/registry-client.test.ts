import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUserDecoder, createUserEncoder } from '../record/avro-codec.ts';
import { sampleRecord } from '../record/sample-record.ts';
import { DecodeError } from '../errors/pipeline-errors.ts';
import { createRegistry, pingRegistry, registryConfigFrom, registryServesSchema } from './registry-client.ts';

test('registryConfigFrom moves credentials out of the URL into Basic auth settings', () => {
  assert.deepEqual(
    registryConfigFrom({ SCHEMA_REGISTRY_URL: 'https://api%2Fkey:p%40ss@registry.example.com/v7' }),
    {
      url: 'https://registry.example.com/v7',
      username: 'api/key',
      password: 'p@ss',
    },
  );
  // Explicit settings win; the URL still loses its credentials.
  assert.deepEqual(
    registryConfigFrom({
      SCHEMA_REGISTRY_URL: 'https://old:gone@registry.example.com/',
      SCHEMA_REGISTRY_USERNAME: 'app',
      SCHEMA_REGISTRY_PASSWORD: 'secret',
    }),
    { url: 'https://registry.example.com/', username: 'app', password: 'secret' },
  );
  // A setting left unset is taken from the URL; a '%' that is no escape is taken as written.
  assert.deepEqual(
    registryConfigFrom({
      SCHEMA_REGISTRY_URL: 'https://user:100%25%zz@registry.example.com/',
      SCHEMA_REGISTRY_USERNAME: 'app',
    }),
    { url: 'https://registry.example.com/', username: 'app', password: '100%25%zz' },
  );
  assert.deepEqual(registryConfigFrom({ SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' }), {
    url: 'http://127.0.0.1:8081/apis/ccompat/v7',
    username: undefined,
    password: undefined,
  });
});

test('a registry that accepts the request but never answers times out, as a transient lookup failure', async () => {
  const held: ServerResponse[] = [];
  const server: Server = createServer((_request, response) => void held.push(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const registry = createRegistry({ url: `http://127.0.0.1:${port}` }, 200);
    const decode = createUserDecoder(registry, () => Promise.resolve());
    // Without a timeout this lookup never settles: the race fails the test after 10 s instead.
    const unsettled = new Promise((resolve) =>
      setTimeout(resolve, 10_000, 'still waiting after 10 s').unref(),
    );
    const lookup = decode(createUserEncoder(7)(sampleRecord));
    await assert.rejects(Promise.race([lookup, unsettled]), (error: unknown) => {
      assert.ok(error instanceof DecodeError);
      assert.equal(error.reason, 'registry-unavailable');
      assert.equal(error.permanent, false);
      assert.match(String((error.cause as Error | undefined)?.message), /Timeout \(200ms\)/);
      return true;
    });
    assert.ok(held.length >= 1, 'the request reached the server');
  } finally {
    for (const response of held) response.destroy();
    server.close();
  }
});

test('a schema id the registry serves as a document that cannot be read is unreadable; a proxy page is an outage', async () => {
  // What the library gets for id 1 (a schema it cannot parse) and id 2 (a proxy's maintenance page, 200).
  const server: Server = createServer((request, response) => {
    const id = /\/schemas\/ids\/(\d+)/.exec(request.url ?? '')?.[1];
    if (id === '1') {
      response.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      response.end(JSON.stringify({ schema: '{"type":"record","name":"1bad-name","fields":[]}' }));
    } else {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>down for maintenance</html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const config = { url: `http://127.0.0.1:${port}` };
    assert.equal(await registryServesSchema(config, 1), true);
    assert.equal(await registryServesSchema(config, 2), false);
    const decode = createUserDecoder(
      createRegistry(config),
      () => Promise.resolve(),
      (id) => registryServesSchema(config, id),
    );
    const reason = (id: number) =>
      decode(createUserEncoder(id)(sampleRecord)).then(
        () => 'decoded',
        (error: unknown) => (error instanceof DecodeError ? error.reason : String(error)),
      );
    assert.equal(await reason(1), 'unreadable-schema');
    assert.equal(await reason(2), 'registry-unavailable');
  } finally {
    server.close();
  }
});

test('readiness: a registry that lists subjects, or forbids this key to (403), is ready; 401 and 5xx are not', async () => {
  let status = 200;
  const server: Server = createServer((request, response) => {
    response.writeHead(request.url === '/subjects' ? status : 404).end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const config = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    await pingRegistry(config);
    status = 403;
    await pingRegistry(config);
    status = 401;
    await assert.rejects(pingRegistry(config), /registry answered HTTP 401/);
    status = 503;
    await assert.rejects(pingRegistry(config), /registry answered HTTP 503/);
  } finally {
    server.close();
  }
});
