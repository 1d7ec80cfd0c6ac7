// Every Compose file, and the model `docker compose` builds from compose.yaml (include resolved), validates
// against the Compose Specification's JSON schema. The schema is compose-spec/compose-spec's
// schema/compose-spec.json as the npm package dclint ships it (schemas/compose.schema.json; it knows
// `include`, `develop`, `models`, `depends_on.required`...), validated with ajv as draft-07, its `$schema`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { COMPOSE_FILES, interpolate, loadModel, readYaml } from './compose-model.ts';

const require = createRequire(import.meta.url);
const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

// The file says "https://json-schema.org/draft-07/schema" (https, no "#"), which ajv does not know by that
// name; ajv's default meta-schema is draft-07, so the key is dropped and the schema checked against it.
const { $schema, ...body } = schema;
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(body);

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
    .join('\n');
}

describe('the Compose specification schema', () => {
  it('is draft-07 and current enough for include, depends_on.required and develop', () => {
    assert.match(String($schema), /draft-07/);
    assert.ok(ajv.validateSchema(body), 'the schema is valid draft-07');
    const text = JSON.stringify(schema);
    for (const keyword of [
      '"include"',
      '"required"',
      '"develop"',
      '"start_interval"',
      '"service_completed_successfully"',
    ]) {
      assert.ok(text.includes(keyword), `schema knows ${keyword}`);
    }
  });

  it('rejects what Compose rejects (so a pass means something)', () => {
    assert.equal(validate({ services: { a: { image: 'x:1', restart_policy: 'always' } } }), false);
    assert.equal(
      validate({ services: { a: { image: 'x:1', depends_on: { b: { condition: 'healthy' } } } } }),
      false,
    );
    assert.equal(validate({ include: [{ file: 'x.yaml' }] }), false);
  });
});

describe('compose files validate against the Compose specification', () => {
  for (const file of COMPOSE_FILES) {
    it(`${file} as written`, () => {
      const model = readYaml(file);
      assert.ok(validate(model), `${file}:\n${describeErrors(validate.errors)}`);
    });

    it(`${file} after interpolation with no .env`, () => {
      const model = interpolate(readYaml(file), {});
      assert.ok(validate(model), `${file}:\n${describeErrors(validate.errors)}`);
    });
  }

  it('the merged model of compose.yaml (include resolved)', () => {
    const model = loadModel('compose.yaml', {});
    assert.equal(model.include, undefined);
    assert.deepEqual(Object.keys(model.services ?? {}).sort(), [
      'broker',
      'cassandra',
      'cassandra-init',
      'consumer',
      'control-center',
      'producer',
      'prometheus',
      'randomuser-source',
      'schema-registry',
      'status',
    ]);
    assert.deepEqual(Object.keys(model.volumes ?? {}).sort(), [
      'cassandra-data',
      'kafka-data',
      'prometheus-data',
    ]);
    assert.ok(validate(model), `merged model:\n${describeErrors(validate.errors)}`);
  });
});
