// Reads the repository's Compose files the way Docker Compose does, without Docker: YAML with merge keys,
// variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR:+alt}, $$) and
// the top-level `include` (each included file is loaded and interpolated on its own, then its services,
// volumes, networks, secrets and configs are copied into the including model; a name defined twice must
// be identical, as compose-go's importResources requires).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The files this issue owns: the root file and the three it includes. */
export const COMPOSE_FILES = [
  'compose.yaml',
  'compose.kafka.yaml',
  'compose.cassandra.yaml',
  'compose.app.yaml',
] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface HealthcheckModel {
  test?: string | string[];
  disable?: boolean;
  [key: string]: unknown;
}

export interface ServiceModel {
  image?: string;
  build?:
    string | { context?: string; dockerfile?: string; target?: string; [key: string]: Json | undefined };
  profiles?: string[];
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean; restart?: boolean }>;
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: HealthcheckModel;
  ports?: (string | number | JsonObject)[];
  volumes?: (string | JsonObject)[];
  container_name?: string;
  restart?: string;
  init?: boolean;
  stop_grace_period?: string;
  entrypoint?: string | string[];
  command?: string | string[];
  [key: string]: unknown;
}

export interface ComposeModel {
  name?: string;
  include?: (string | { path: string | string[]; [key: string]: Json })[];
  services?: Record<string, ServiceModel>;
  volumes?: Record<string, JsonObject | null>;
  networks?: Record<string, JsonObject | null>;
  [key: string]: unknown;
}

/** One variable reference met while interpolating. */
export interface VariableUse {
  name: string;
  /** The text after `:-` or `-`, when the reference has a default. */
  defaultValue?: string;
  /** True for ${VAR:?...} / ${VAR?...}: the file demands the variable. */
  required: boolean;
}

/** Parses a Compose file's YAML, merge keys (`<<: *anchor`) included, as Compose does. */
export function readYaml(relativePath: string): ComposeModel {
  const text = readFileSync(join(REPO_ROOT, relativePath), 'utf8');
  return parse(text, { merge: true, uniqueKeys: true, strict: true }) as ComposeModel;
}

/** Finds the `}` that closes the `${` at `open` (braces nest in defaults: ${A:-${B}}). */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text.startsWith('${', i)) {
      depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unclosed \${ in ${JSON.stringify(text)}`);
}

/**
 * Interpolates one string as Compose does. `env` is the environment Compose would see (shell + .env);
 * `uses` collects every variable reference. Throws on ${VAR:?message} with VAR unset.
 */
export function interpolateString(
  text: string,
  env: Record<string, string | undefined>,
  uses: VariableUse[] = [],
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char !== '$') {
      out += char;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i);
      const body = text.slice(i + 2, end);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
      if (!match) throw new Error(`invalid interpolation \${${body}} in ${JSON.stringify(text)}`);
      const [, name = '', operator, rest = ''] = match;
      const value = env[name];
      const unsetOrEmpty = value === undefined || value === '';
      const strict = operator?.startsWith(':') ?? false;
      const missing = strict ? unsetOrEmpty : value === undefined;
      const kind = operator?.slice(-1);
      uses.push({
        name,
        ...(kind === '-' ? { defaultValue: rest } : {}),
        required: kind === '?',
      });
      if (kind === '-') out += missing ? interpolateString(rest, env, uses) : value;
      else if (kind === '?') {
        if (missing) throw new Error(`required variable ${name} is missing: ${rest}`);
        out += value;
      } else if (kind === '+') out += missing ? '' : interpolateString(rest, env, uses);
      else out += value ?? '';
      i = end + 1;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (bare) {
      uses.push({ name: bare[0], required: false });
      out += env[bare[0]] ?? '';
      i += 1 + bare[0].length;
      continue;
    }
    out += '$';
    i += 1;
  }
  return out;
}

/** Interpolates every string value (not the keys) of a parsed model. */
export function interpolate<T>(
  value: T,
  env: Record<string, string | undefined>,
  uses: VariableUse[] = [],
): T {
  if (typeof value === 'string') return interpolateString(value, env, uses) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => interpolate(item, env, uses)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        interpolate(item, env, uses),
      ]),
    ) as T;
  }
  return value;
}

const IMPORTED = ['services', 'volumes', 'networks', 'secrets', 'configs'] as const;

/** Paths a top-level `include` entry names, relative to the including file's directory. */
export function includePaths(model: ComposeModel): string[] {
  return (model.include ?? []).flatMap((entry) => {
    if (typeof entry === 'string') return [entry];
    return Array.isArray(entry.path) ? entry.path : [entry.path];
  });
}

/**
 * The model `docker compose` builds from `relativePath`: interpolated with `env`, each `include`d file
 * loaded and interpolated on its own and its resources merged in. `uses` collects every variable.
 */
export function loadModel(
  relativePath: string,
  env: Record<string, string | undefined> = {},
  uses: VariableUse[] = [],
): ComposeModel {
  const raw = readYaml(relativePath);
  const { include: _include, ...rest } = raw;
  const model = interpolate(rest, env, uses);
  for (const path of includePaths(interpolate(raw, env, []))) {
    const included = loadModel(join(dirname(relativePath), path), env, uses);
    for (const key of IMPORTED) {
      const from = included[key] as Record<string, unknown> | undefined;
      if (!from) continue;
      const to = (model[key] ?? {}) as Record<string, unknown>;
      for (const [name, resource] of Object.entries(from)) {
        if (name in to && !isDeepStrictEqual(to[name], resource)) {
          throw new Error(`${key}.${name} from ${path} conflicts with a resource of the same name`);
        }
        to[name] = resource;
      }
      (model as Record<string, unknown>)[key] = to;
    }
  }
  return model;
}

/** A service's environment as a name -> string map (the list form `KEY=value` included). */
export function environmentOf(service: ServiceModel): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

/** `depends_on` in its long form, whatever form the file uses. */
export function dependenciesOf(
  service: ServiceModel,
): Record<string, { condition: string; required: boolean }> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) {
    return Object.fromEntries(deps.map((name) => [name, { condition: 'service_started', required: true }]));
  }
  return Object.fromEntries(
    Object.entries(deps).map(([name, dep]) => [
      name,
      { condition: dep.condition ?? 'service_started', required: dep.required ?? true },
    ]),
  );
}

/** Parses a Compose duration (`1m30s`, `60s`, `500ms`) into milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001 };
  let total = 0;
  let rest = text.trim();
  if (rest === '') throw new Error('empty duration');
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|us|h|m|s)/.exec(rest);
    if (!match) throw new Error(`not a duration: ${text}`);
    total += Number(match[1]) * (units[match[2] ?? ''] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}
