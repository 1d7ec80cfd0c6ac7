// .env.example documents every variable that any service (its zod config schema) or any compose file
// (a ${VAR} reference, as `docker compose config --variables` lists them) reads, each with a line of
// meaning and its true default; secrets stay empty.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { SERVICE_SCHEMAS } from '../../scripts/docs/config-catalog.ts';
import {
  REPO_ROOT,
  composeSkip,
  composeVariables,
  defaultModel,
  environmentOf,
  once,
  renderModel,
} from './compose-model.ts';

interface Entry {
  name: string;
  value: string;
  line: number;
  /** The comment line right above the first entry of this name. */
  description: string;
}

/** Entries are `# NAME=value` lines (all commented out: the file only documents defaults). */
function readEnvExample(): { entries: Map<string, Entry>; active: string[] } {
  const lines = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8').split('\n');
  const entries = new Map<string, Entry>();
  const active: string[] = [];
  lines.forEach((text, index) => {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) active.push(text);
    const match = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(text);
    if (!match || entries.has(match[1] ?? '')) return;
    const above = lines[index - 1] ?? '';
    let value = match[2] ?? '';
    if (/^(".*"|'.*')$/.test(value)) value = value.slice(1, -1);
    entries.set(match[1] ?? '', { name: match[1] ?? '', value, line: index + 1, description: above });
  });
  return { entries, active };
}

const SCHEMAS: Record<string, z.ZodObject> = SERVICE_SCHEMAS;
/** Variables that Compose itself reads (documented for the offline profile). */
const COMPOSE_OWN = new Set(['COMPOSE_PROFILES']);
/** Set per container by compose.app.yaml, not interpolated: documented for running outside compose. */
const FIXED_IN_COMPOSE = new Set(['HTTP_HOST', 'HTTP_PORT', 'SHUTDOWN_TIMEOUT_MS']);

/** Each variable the compose files read, with its default there. */
const composeDefaults = () => once('variables', composeVariables);
const schemaKeys = new Set(Object.values(SCHEMAS).flatMap((schema) => Object.keys(schema.shape)));
const { entries, active } = readEnvExample();

/** A parsed default written back the way an environment variable spells it. */
function asEnvText(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => asEnvText(item)).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

describe('.env.example against the compose files', { skip: composeSkip }, () => {
  it('documents every variable a service schema or a compose file reads', () => {
    const missing = [...new Set([...schemaKeys, ...composeDefaults().keys()])].filter(
      (name) => !entries.has(name),
    );
    assert.deepEqual(missing, [], `.env.example lacks ${missing.join(', ')}`);
  });

  it('documents nothing that nobody reads', () => {
    const unknown = [...entries.keys()].filter(
      (name) => !schemaKeys.has(name) && !composeDefaults().has(name) && !COMPOSE_OWN.has(name),
    );
    assert.deepEqual(unknown, [], `.env.example documents ${unknown.join(', ')}, which nothing reads`);
  });

  it('shows the default that applies under compose', () => {
    const app = renderModel(['--profile', 'offline']).services;
    for (const entry of entries.values()) {
      if (COMPOSE_OWN.has(entry.name)) continue;
      const composeDefault = composeDefaults().get(entry.name);
      if (FIXED_IN_COMPOSE.has(entry.name)) {
        const values = Object.values(app).map((svc) => environmentOf(svc)[entry.name]);
        assert.ok(
          values.includes(entry.value),
          `${entry.name}=${entry.value}: compose sets ${values.join(', ')}`,
        );
        continue;
      }
      if (composeDefault) {
        assert.equal(entry.value, composeDefault, `${entry.name}: compose's default`);
        continue;
      }
      // Passed through as ${VAR:-}: the service's own default applies.
      const owners = Object.values(SCHEMAS).filter((schema) => entry.name in schema.shape);
      assert.ok(owners.length > 0, `${entry.name} has no default anywhere`);
      for (const schema of owners) {
        const field = schema.shape[entry.name] as z.ZodType;
        const parsed = field.safeParse(undefined);
        assert.ok(parsed.success);
        assert.equal(entry.value, asEnvText(parsed.data), `${entry.name}: the service's default`);
      }
    }
  });

  it('names the address the broker advertises to the host (KAFKA_HOST_PORT)', () => {
    const advertised = environmentOf(defaultModel().services.broker ?? {}).KAFKA_ADVERTISED_LISTENERS ?? '';
    const host = /PLAINTEXT_HOST:\/\/([^:,]+):/.exec(advertised)?.[1];
    assert.equal(host, '127.0.0.1');
    const description = entries.get('KAFKA_HOST_PORT')?.description ?? '';
    assert.ok(description.includes(`advertised as ${host}:<port>`), description);
    assert.doesNotMatch(description, /localhost/);
  });
});

describe('.env.example', () => {
  it('only documents: copying it to .env changes nothing', () => {
    assert.deepEqual(active, [], 'every entry is commented out');
  });

  it('gives every variable a line of meaning right above it', () => {
    for (const entry of entries.values()) {
      assert.match(
        entry.description,
        /^# \S.{10,}/,
        `line ${entry.line}: ${entry.name} needs a description above`,
      );
      assert.doesNotMatch(entry.description, /^# [A-Z][A-Z0-9_]*=/, `line ${entry.line}: ${entry.name}`);
    }
  });

  it('leaves secrets empty', () => {
    for (const entry of entries.values()) {
      if (/PASSWORD|SECRET|TOKEN|CREDENTIAL/.test(entry.name)) {
        assert.equal(entry.value, '', `${entry.name} must be empty in .env.example`);
      }
    }
    for (const name of ['CASSANDRA_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD']) assert.ok(entries.has(name), name);
  });

  it('shows the offline switch: COMPOSE_PROFILES=offline and the randomuser-source URL', () => {
    const text = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
    assert.match(text, /^# COMPOSE_PROFILES=offline$/m);
    assert.match(text, /^# RANDOMUSER_URL=http:\/\/randomuser-source:8088\/api\/1\.4\/$/m);
  });
});
