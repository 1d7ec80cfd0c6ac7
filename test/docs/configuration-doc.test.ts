// docs/configuration.md is generated from the services' zod schemas: every variable is described there, and
// the committed page is exactly what `npm run docs:config` writes. No servers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  acceptedValues,
  configCatalog,
  envDefault,
  SERVICE_SCHEMAS,
  type ServiceName,
} from '../../scripts/docs/config-catalog.ts';
import {
  CONFIGURATION_DOC,
  configurationMarkdown,
  renderConfigurationDoc,
} from '../../scripts/docs/configuration.ts';
import { intVar } from '@userstream/shared';

describe('docs/configuration.md', () => {
  const catalog = configCatalog();

  it('lists every variable of every service schema once', () => {
    const declared = new Set(Object.values(SERVICE_SCHEMAS).flatMap((schema) => Object.keys(schema.shape)));
    assert.deepEqual(new Set(catalog.map((setting) => setting.name)), declared);
    assert.equal(catalog.length, declared.size);
  });

  it('has a description for every variable, a sentence long', () => {
    const undescribed = catalog.filter((setting) => !/^\S.{8,}[.)]$/s.test(setting.description));
    assert.deepEqual(
      undescribed.map((setting) => setting.name),
      [],
      'add .describe("...") to these in their zod schema (a sentence ending with a full stop)',
    );
  });

  it('is what npm run docs:config writes (run it after changing a schema)', async () => {
    const expected = await renderConfigurationDoc();
    const actual = readFileSync(CONFIGURATION_DOC, 'utf8');
    assert.equal(actual, expected, 'docs/configuration.md is out of date: run npm run docs:config');
  });

  it('shows a default per service where the services differ', () => {
    const port = catalog.find((setting) => setting.name === 'HTTP_PORT');
    assert.deepEqual(port?.defaults, {
      producer: '8080',
      consumer: '8090',
      'randomuser-source': '8088',
      status: '8070',
    });
    assert.match(configurationMarkdown(), /\| `HTTP_PORT` +\| producer `8080`, consumer `8090`/);
  });
});

describe('the configuration catalog', () => {
  const schema = z.object({
    A_PORT: intVar(5, 1, 10).describe('A port.'),
    A_NAME: z.string().optional().describe('A name | with a pipe.'),
  });
  const other = z.object({ A_PORT: intVar(7, 1, 10).describe('A port.') });
  const schemas = {
    producer: schema,
    consumer: other,
    'randomuser-source': z.object({}),
    status: z.object({}),
  } satisfies Record<ServiceName, z.ZodObject>;

  it('picks up a new variable from a schema without other changes', () => {
    const catalog = configCatalog(schemas);
    assert.deepEqual(
      catalog.map((setting) => [setting.name, setting.services, setting.defaults]),
      [
        ['A_PORT', ['producer', 'consumer'], { producer: '5', consumer: '7' }],
        ['A_NAME', ['producer'], {}],
      ],
    );
    const page = configurationMarkdown(catalog);
    assert.match(
      page,
      /## Producer and consumer\n\n[^#]*`A_PORT` \| producer `5`, consumer `7` \| integer 1\.\.10/,
    );
    assert.match(page, /## Producer\n\n[^#]*`A_NAME` \| unset \| {2}\| A name \\\| with a pipe\. \|/);
  });

  it('states ranges, lists and booleans from the schema', () => {
    assert.equal(acceptedValues(intVar(1, 0, 100)), 'integer 0..100');
    assert.equal(acceptedValues(intVar(1, 1)), 'integer ≥ 1');
    assert.equal(acceptedValues(z.enum(['a', 'b']).default('a')), '`a`, `b`');
    assert.equal(acceptedValues(z.string().default('x')), '');
  });

  it('writes defaults the way the variable is spelled', () => {
    const consumer = SERVICE_SCHEMAS.consumer.shape;
    assert.equal(envDefault(consumer.KAFKA_BROKERS), '127.0.0.1:9092');
    assert.equal(envDefault(consumer.CONSUMER_FROM_BEGINNING), 'true');
    assert.equal(envDefault(consumer.CASSANDRA_PASSWORD), undefined);
  });
});
