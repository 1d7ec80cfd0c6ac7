import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryConfigFrom } from './registry-client.ts';

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
