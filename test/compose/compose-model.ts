// The repository's Compose model as Docker Compose itself renders it: the pinned Compose binary that
// scripts/setup/compose.sh builds (COMPOSE_BIN, default <repo>/.tools/docker-compose) runs `config`, which
// loads compose.yaml and its includes, interpolates, validates against the Compose specification, applies
// profiles and normalises (long-form ports, depends_on, volumes; byte sizes; Go durations). No Docker
// engine is needed for that. Without the binary the compose tests skip, except under CI=true where they fail.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Compose binary the tests run. */
export const COMPOSE_BIN = process.env.COMPOSE_BIN || join(REPO_ROOT, '.tools', 'docker-compose');

/** False when the tests may run; else why they are skipped (never under CI=true: there they fail). */
export const composeSkip: string | false =
  existsSync(COMPOSE_BIN) || process.env.CI === 'true'
    ? false
    : `no Docker Compose at ${COMPOSE_BIN} (bash scripts/setup/compose.sh builds it; required when CI=true)`;

export interface RenderedPort {
  mode: string;
  host_ip?: string;
  target: number;
  /** A string in the rendered JSON (it may be a range). */
  published?: string;
  protocol: string;
}

export interface RenderedVolume {
  /** bind, volume or tmpfs. */
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
}

export interface RenderedDependency {
  condition: string;
  required: boolean;
  restart?: boolean;
}

export interface RenderedService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  profiles?: string[];
  depends_on?: Record<string, RenderedDependency>;
  /** Every value a string; `${VAR:-}` renders as "". */
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[]; disable?: boolean; [key: string]: unknown };
  ports?: RenderedPort[];
  volumes?: RenderedVolume[];
  container_name?: string;
  hostname?: string;
  restart?: string;
  init?: boolean;
  stop_grace_period?: string;
  entrypoint?: string[] | null;
  command?: string[] | null;
  /** Bytes, as a decimal string. */
  mem_limit?: string;
  [key: string]: unknown;
}

export interface RenderedModel {
  name: string;
  services: Record<string, RenderedService>;
  volumes?: Record<string, { name: string }>;
  [key: string]: unknown;
}

/** One run of Compose: how it ended and what it printed. */
export interface ComposeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `COMPOSE_BIN <args>` in the repository root with only `env` (plus PATH and HOME) as its
 * environment, so that the caller's shell (a stack's KAFKA_BROKERS, COMPOSE_PROFILES...) cannot leak in.
 */
export function runCompose(args: string[], env: Record<string, string> = {}): ComposeRun {
  if (!existsSync(COMPOSE_BIN)) {
    throw new Error(
      `no Docker Compose at ${COMPOSE_BIN}: run bash scripts/setup/compose.sh (or set COMPOSE_BIN)`,
    );
  }
  const result = spawnSync(COMPOSE_BIN, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runCompose, but throws with Compose's own message unless it exits 0. */
export function composeOk(args: string[], env: Record<string, string> = {}): ComposeRun {
  const run = runCompose(args, env);
  if (run.status !== 0) {
    throw new Error(`docker compose ${args.join(' ')} exited ${run.status}:\n${run.stderr}${run.stdout}`);
  }
  return run;
}

/** The model `docker compose [global args] config` renders. */
export function renderModel(globalArgs: string[] = [], env: Record<string, string> = {}): RenderedModel {
  return JSON.parse(composeOk([...globalArgs, 'config', '--format', 'json'], env).stdout) as RenderedModel;
}

/** Every `${VAR...}` reference of every file (disabled profiles included) with its default ("" if none). */
export function composeVariables(): Map<string, string> {
  const out = composeOk(['config', '--variables', '--format', 'json']).stdout;
  const variables = JSON.parse(out) as Record<string, { Name: string; DefaultValue: string }>;
  return new Map(Object.values(variables).map((variable) => [variable.Name, variable.DefaultValue]));
}

const memo = new Map<string, unknown>();

/** Computes once per test process (Compose takes a tenth of a second per run). */
export function once<T>(key: string, compute: () => T): T {
  if (!memo.has(key)) memo.set(key, compute());
  return memo.get(key) as T;
}

/** The default model (no profile, no .env), rendered once. */
export function defaultModel(): RenderedModel {
  return once('default', () => renderModel());
}

/** A Compose file as written (no interpolation), for checks on the text itself. */
export function readYaml(relativePath: string): Record<string, unknown> {
  const text = readFileSync(join(REPO_ROOT, relativePath), 'utf8');
  return parse(text, { merge: true, uniqueKeys: true, strict: true }) as Record<string, unknown>;
}

/** A service's environment with unset values as "". */
export function environmentOf(service: RenderedService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, value ?? '']),
  );
}

/** Parses a Go duration as Compose renders it (`1m0s`, `30s`, `500ms`) into milliseconds. */
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
