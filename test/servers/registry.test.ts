// The schema registry of the local stack (Apicurio Registry, Confluent-compatible API at
// SCHEMA_REGISTRY_URL) as @kafkajs/confluent-schema-registry uses it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SCHEMA_REGISTRY_URL, uniqueName } from './settings.ts';

const userV1 = {
  type: 'record',
  name: 'User',
  namespace: 'userstream.stacktest',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'age', type: 'int' },
  ],
};
// Adds a field with a default: a reader on v2 can still read v1 data (BACKWARD compatible).
const userV2 = { ...userV1, fields: [...userV1.fields, { name: 'country', type: 'string', default: '' }] };
// Adds a field without a default: a reader on v3 cannot read v1/v2 data (not BACKWARD compatible).
const userIncompatible = { ...userV2, fields: [...userV2.fields, { name: 'email', type: 'string' }] };

async function http(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${SCHEMA_REGISTRY_URL}${path}`, {
    method,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
}

describe('schema registry (Confluent-compatible API)', () => {
  const registry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL });
  const topic = uniqueName('stack-test');
  const subject = `${topic}-value`;
  let v1Id = 0;

  after(async () => {
    // Soft delete, then hard delete, as the Confluent API requires.
    await http('DELETE', `/subjects/${subject}`).catch(() => undefined);
    await http('DELETE', `/subjects/${subject}?permanent=true`).catch(() => undefined);
  });

  it('lists subjects', async () => {
    const { status, json } = await http('GET', '/subjects');
    assert.equal(status, 200);
    assert.ok(Array.isArray(json));
  });

  it('registers an Avro schema under <topic>-value and returns it by id and by versions/latest', async () => {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(userV1) },
      { subject },
    );
    assert.ok(Number.isInteger(id) && id > 0, `id ${id}`);
    v1Id = id;

    const byId = await http('GET', `/schemas/ids/${id}`);
    assert.equal(byId.status, 200);
    assert.deepEqual(JSON.parse((byId.json as { schema: string }).schema), userV1);

    const latest = await http('GET', `/subjects/${subject}/versions/latest`);
    assert.equal(latest.status, 200);
    const latestBody = latest.json as { id: number; version: number; subject: string; schema: string };
    assert.equal(latestBody.id, id);
    assert.equal(latestBody.version, 1);
    assert.equal(latestBody.subject, subject);
    assert.deepEqual(JSON.parse(latestBody.schema), userV1);
    assert.equal(await registry.getLatestSchemaId(subject), id);

    // The client library fetches the schema by id to decode what it encoded.
    const fresh = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL });
    const encoded = await registry.encode(id, { id: 'u-1', age: 42 });
    assert.equal(encoded.readUInt8(0), 0); // Confluent wire format: magic byte, then the schema id
    assert.equal(encoded.readInt32BE(1), id);
    assert.deepEqual({ ...(await fresh.decode(encoded)) }, { id: 'u-1', age: 42 });
  });

  it('accepts a BACKWARD-compatible change and refuses an incompatible one', async () => {
    const config = await http('PUT', `/config/${subject}`, { compatibility: 'BACKWARD' });
    assert.equal(config.status, 200, JSON.stringify(config.json));
    const read = await http('GET', `/config/${subject}`);
    assert.equal((read.json as { compatibilityLevel?: string }).compatibilityLevel, 'BACKWARD');

    const { id: v2Id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(userV2) },
      { subject },
    );
    assert.notEqual(v2Id, v1Id);

    await assert.rejects(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userIncompatible) }, { subject }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal((error as Error & { status?: number }).status, 409, error.message);
        return true;
      },
    );
    const versions = await http('GET', `/subjects/${subject}/versions`);
    assert.deepEqual(versions.json, [1, 2]);
  });
});
