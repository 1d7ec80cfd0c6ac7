// Replays docker/Dockerfile without Docker: each stage gets a scratch directory standing for its file system,
// every COPY copies exactly what it names (from the build context, filtered by .dockerignore, or from an
// earlier stage), every RUN runs there with the stage's ENV, and then each service target's CMD is started
// from its stage's directory with plain `node` (no "source" condition, so @userstream/shared resolves to the
// copied dist/). A COPY that misses a file shows up as a failed build or a service that cannot start.
//
// Producer and consumer need the local stack (npm run stack:up: Kafka 127.0.0.1:9092, registry :8081,
// Cassandra :9042); without it these two are skipped, except under CI=true where they fail.
// npm runs with prefer-offline, so `npm ci` is served from the local cache (~/.npm) when it can be.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import {
  REPO_ROOT,
  effective,
  environmentOfTarget,
  execForm,
  isIgnored,
  parseAssignments,
  parseCopy,
  parseHealthcheck,
  readDockerfile,
  readDockerignore,
  splitFlags,
  substitute,
  type Dockerfile,
  type Stage,
} from '../docker/dockerfile.ts';
import {
  cassandraClient,
  freePort,
  freshNames,
  kafkaClient,
  stack,
  unreachableStackServer,
  waitFor,
} from './support.ts';

const file: Dockerfile = readDockerfile();
const ignoreRules = readDockerignore();
const work = mkdtempSync(join(tmpdir(), 'userstream-docker-build-'));

/** The environment RUN steps and services start from: this Node first on PATH, no npm_* leaking from npm test. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  return env;
}

interface StageState {
  root: string;
  workdir: string;
  env: Record<string, string>;
}

const states = new Map<string, StageState>();

/** Where a container path lives in a stage's scratch directory. */
function hostPath(state: StageState, containerPath: string): string {
  const absolute = posix.isAbsolute(containerPath) ? containerPath : posix.join(state.workdir, containerPath);
  return join(state.root, posix.normalize(absolute));
}

/** Copies a context path into `target`, leaving out what .dockerignore leaves out (Docker's context). */
function copyFromContext(relative: string, target: string): void {
  const clean = posix.normalize(relative).replace(/\/+$/, '');
  if (isIgnored(ignoreRules, clean)) throw new Error(`COPY ${relative}: excluded by .dockerignore`);
  const source = join(REPO_ROOT, clean);
  if (!existsSync(source)) throw new Error(`COPY ${relative}: not found in the build context`);
  const stat = lstatSync(source);
  if (!stat.isDirectory()) {
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target);
    return;
  }
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source)) {
    const child = `${clean}/${entry}`;
    if (isIgnored(ignoreRules, child)) continue;
    copyFromContext(child, join(target, entry));
  }
}

/** COPY semantics: a directory's contents go into dest; a file goes to dest, or into it if dest ends in '/'. */
function runCopy(state: StageState, stage: Stage, args: string, line: number): void {
  const copy = parseCopy({ keyword: 'COPY', args, line });
  const destIsDir = copy.dest.endsWith('/') || copy.sources.length > 1;
  for (const source of copy.sources) {
    if (/[*?[]/.test(source)) throw new Error(`line ${line}: wildcards are not replayed (${source})`);
    let sourceHost: string;
    if (copy.from) {
      const from = states.get(copy.from);
      if (!from)
        throw new Error(`line ${line}: --from=${copy.from} is not an earlier stage of ${stage.name}`);
      sourceHost = hostPath({ ...from, workdir: '/' }, source);
      if (!existsSync(sourceHost))
        throw new Error(`line ${line}: ${source} does not exist in stage ${copy.from}`);
    } else {
      sourceHost = '';
    }
    const isDir = copy.from
      ? lstatSync(sourceHost).isDirectory()
      : lstatSync(join(REPO_ROOT, source)).isDirectory();
    const destHost = hostPath(state, copy.dest);
    const target = isDir ? destHost : destIsDir ? join(destHost, basename(source)) : destHost;
    if (copy.from) {
      mkdirSync(isDir ? target : dirname(target), { recursive: true });
      cpSync(sourceHost, target, { recursive: true, verbatimSymlinks: true });
    } else {
      copyFromContext(source, target);
    }
  }
}

function runShell(state: StageState, args: string, line: number): void {
  const { rest } = splitFlags(args); // --mount=type=cache,... only speeds Docker up
  const argv = execForm(rest);
  const cwd = hostPath(state, '.');
  mkdirSync(cwd, { recursive: true });
  const env = {
    ...baseEnv(),
    ...state.env,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  const result = argv
    ? spawnSync(argv[0] ?? '', argv.slice(1), { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    : spawnSync('sh', ['-c', rest], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `line ${line}: RUN ${rest} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

function buildStage(stage: Stage): void {
  const changesFiles = stage.instructions.some((i) => i.keyword === 'COPY' || i.keyword === 'RUN');
  let state: StageState;
  if (stage.parent) {
    const parent = states.get(stage.parent);
    if (!parent) throw new Error(`stage ${stage.name}: parent ${stage.parent} not built`);
    // A stage that only sets metadata (ENV, CMD, HEALTHCHECK...) shares its parent's files.
    let root = parent.root;
    if (changesFiles) {
      root = join(work, stage.name);
      cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
    }
    state = { root, workdir: parent.workdir, env: { ...parent.env } };
  } else {
    const root = join(work, stage.name);
    mkdirSync(root, { recursive: true });
    state = { root, workdir: '/', env: {} };
  }
  states.set(stage.name, state);
  for (const instruction of stage.instructions) {
    const args = substitute(instruction.args, { ...file.globalArgs, ...state.env });
    switch (instruction.keyword) {
      case 'WORKDIR':
        state.workdir = posix.resolve(state.workdir, args);
        mkdirSync(hostPath(state, '.'), { recursive: true });
        break;
      case 'ENV':
      case 'ARG':
        Object.assign(state.env, parseAssignments(args));
        break;
      case 'COPY':
        runCopy(state, stage, instruction.args, instruction.line);
        break;
      case 'RUN':
        runShell(state, instruction.args, instruction.line);
        break;
      case 'USER':
      case 'EXPOSE':
      case 'CMD':
      case 'HEALTHCHECK':
      case 'LABEL':
        break; // metadata: checked by dockerfile-lint.test.ts and used when starting the services
      default:
        throw new Error(`line ${instruction.line}: ${instruction.keyword} is not replayed by this test`);
    }
  }
}

/** Starts a target's CMD from its stage directory, waits for /readyz 200, runs its HEALTHCHECK, SIGTERMs it. */
async function runTarget(target: string, extraEnv: Record<string, string>): Promise<void> {
  const state = states.get(target);
  assert.ok(state, `target ${target} was built`);
  const cmdInstruction = effective(file, target, 'CMD');
  const argv = cmdInstruction ? execForm(cmdInstruction.args) : undefined;
  assert.ok(argv && argv[0] === 'node', `${target}: CMD ["node", ...]`);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: baseEnv().PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...environmentOfTarget(file, target),
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const cwd = hostPath(state, '.');
  const child = spawn(process.execPath, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  try {
    // Ready, or out early: a service that dies at start fails the test at once, with its output.
    await Promise.race([
      waitFor(
        `${target} /readyz 200`,
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/readyz`, {
            signal: AbortSignal.timeout(2_000),
          });
          return response.status === 200 ? true : undefined;
        },
        90_000,
      ),
      exited.then((code) => {
        throw new Error(`${target} exited (${code}) before it was ready`);
      }),
    ]);
    const healthcheck = effective(file, target, 'HEALTHCHECK');
    assert.ok(healthcheck, `${target} has a HEALTHCHECK`);
    const check = parseHealthcheck(healthcheck).command;
    const probe = spawnSync(process.execPath, check.slice(1), {
      cwd,
      env,
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(probe.status, 0, `${target}: the image's HEALTHCHECK fails against the running service`);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${String(error)}\n--- ${target} output ---\n${output}`);
  }
  child.kill('SIGTERM');
  const code = await Promise.race([
    exited,
    new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref()),
  ]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
  assert.equal(code, 0, `${target} should exit 0 on SIGTERM\n--- output ---\n${output}`);
}

/** Best-effort removal of what a producer/consumer run created on the shared local stack. */
async function cleanUp(names: ReturnType<typeof freshNames>): Promise<void> {
  const admin = kafkaClient().admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const topics = [names.KAFKA_TOPIC, names.KAFKA_DLQ_TOPIC].filter((topic) => existing.has(topic));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // leftovers only cost disk on a test stack
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const base = stack.SCHEMA_REGISTRY_URL.replace(/\/+$/, '');
  const subject = encodeURIComponent(`${names.KAFKA_TOPIC}-value`);
  for (const query of ['', '?permanent=true']) {
    await fetch(`${base}/subjects/${subject}${query}`, { method: 'DELETE' }).catch(() => undefined);
  }
  try {
    const client = await cassandraClient();
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`, [], {
        readTimeout: 60_000,
      });
    } finally {
      await client.shutdown();
    }
  } catch {
    // as above
  }
}

describe('docker/Dockerfile replayed without Docker', { timeout: 900_000 }, () => {
  let stackUp = false;

  before(async () => {
    stackUp = (await unreachableStackServer()) === undefined;
  });

  after(() => {
    if (process.env.KEEP_DOCKER_BUILD === '1') console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });

  it('builds every stage: COPY from the filtered context and earlier stages, RUN npm ci / npm run build', () => {
    for (const stage of file.stages) buildStage(stage);
    const runtime = states.get('runtime');
    assert.ok(runtime);
    for (const service of ['shared', 'randomuser-source', 'producer', 'consumer', 'status']) {
      assert.ok(
        existsSync(hostPath(runtime, `services/${service}/dist`)),
        `runtime has services/${service}/dist`,
      );
      assert.ok(
        !existsSync(hostPath(runtime, `services/${service}/src`)),
        `runtime has no services/${service}/src`,
      );
    }
    assert.ok(existsSync(hostPath(runtime, 'services/shared/schemas/user.avsc')));
    assert.ok(existsSync(hostPath(runtime, 'node_modules/kafkajs')), 'production dependencies installed');
    assert.ok(!existsSync(hostPath(runtime, 'node_modules/typescript')), 'no dev dependencies at run time');
  });

  it('starts randomuser-source from its image files: /readyz 200, HEALTHCHECK passes, SIGTERM exits 0', async () => {
    assert.ok(states.has('randomuser-source'), 'the build step ran');
    await runTarget('randomuser-source', {});
  });

  for (const target of ['producer', 'consumer', 'status'] as const) {
    it(`starts ${target} from its image files against the local stack: /readyz 200, SIGTERM exits 0`, async (t) => {
      assert.ok(states.has(target), 'the build step ran');
      if (!stackUp) {
        assert.notEqual(process.env.CI, 'true', 'the local stack is not up (npm run stack:up) and CI=true');
        t.skip('local stack not reachable (npm run stack:up)');
        return;
      }
      const names = freshNames(`docker_${target}`);
      try {
        await runTarget(target, {
          ...stack,
          ...names,
          PRODUCER_RUN_ON_START: 'false',
        });
      } finally {
        await cleanUp(names);
      }
    });
  }
});
