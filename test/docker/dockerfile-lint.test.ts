// docker/Dockerfile and .dockerignore: the rules the issue asks for, checked on the parsed file so that they
// hold whatever hadolint's version (hadolint itself runs in test/tools/linters.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  effective,
  environmentOfTarget,
  execForm,
  isIgnored,
  parseCopy,
  parseDockerignore,
  parseHealthcheck,
  readDockerfile,
  readDockerignore,
  splitFlags,
  stageChain,
} from './dockerfile.ts';

const file = readDockerfile();
/** Every service, its image target and the HTTP_PORT its config schema defaults to. */
const TARGETS = [
  { target: 'producer', port: '8080' },
  { target: 'consumer', port: '8090' },
  { target: 'randomuser-source', port: '8088' },
  { target: 'status', port: '8070' },
] as const;

describe('docker/Dockerfile: rules', () => {
  it('builds from a pinned node 24 slim image, never `latest` or an untagged image', () => {
    const external = file.stages.filter((stage) => !stage.parent);
    assert.ok(external.length > 0);
    for (const stage of external) {
      const match = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim(@sha256:[0-9a-f]{64})?$/.exec(stage.from);
      assert.ok(match, `stage ${stage.name} is FROM ${stage.from}: expected node:24.x.y-bookworm-slim`);
      assert.equal(match[1], '24', `stage ${stage.name}: Node.js 24 LTS expected, got ${stage.from}`);
    }
  });

  it('has a target per service, each running `node [--flags] services/<svc>/dist/main.js` in exec form', () => {
    for (const { target } of TARGETS) {
      const cmd = effective(file, target, 'CMD');
      assert.ok(cmd, `target ${target} has no CMD`);
      const argv = execForm(cmd.args);
      assert.ok(argv, `CMD of ${target} is in exec form`);
      assert.equal(argv[0], 'node', `CMD of ${target}`);
      assert.equal(argv[argv.length - 1], `services/${target}/dist/main.js`, `CMD of ${target}`);
      for (const flag of argv.slice(1, -1))
        assert.match(flag, /^--[a-z-]+(=\S+)?$/, `CMD of ${target}: node flag ${flag}`);
      assert.equal(effective(file, target, 'ENTRYPOINT'), undefined, `${target} must not wrap node`);
    }
    for (const stage of file.stages) {
      for (const instruction of stage.instructions.filter((i) => i.keyword === 'CMD')) {
        assert.doesNotMatch(
          instruction.args,
          /\bnpm\b|\byarn\b|\bpnpm\b/,
          `line ${instruction.line}: CMD via npm`,
        );
      }
    }
  });

  it('runs every service as the non-root `node` user', () => {
    for (const { target } of TARGETS) {
      assert.equal(effective(file, target, 'USER')?.args, 'node', `USER of ${target}`);
    }
  });

  it('gives every service a HEALTHCHECK that asks its own /healthz with node (slim images have no curl)', () => {
    for (const { target, port } of TARGETS) {
      const instruction = effective(file, target, 'HEALTHCHECK');
      assert.ok(instruction, `target ${target} has no HEALTHCHECK`);
      const check = parseHealthcheck(instruction);
      assert.equal(check.command[0], 'node', `${target}: health check should run node`);
      const script = check.command.slice(1).join(' ');
      assert.match(script, /\/healthz/);
      assert.match(script, /process\.env\.HTTP_PORT/);
      assert.ok(script.includes(`||${port})`), `${target}: the fallback port should be ${port}`);
      const env = environmentOfTarget(file, target);
      assert.equal(env.HTTP_PORT, port, `${target}: ENV HTTP_PORT`);
      assert.equal(env.HTTP_HOST, '0.0.0.0', `${target}: ENV HTTP_HOST must be 0.0.0.0 in a container`);
      for (const option of ['interval', 'timeout', 'start-period', 'retries']) {
        assert.ok(check.options[option], `${target}: HEALTHCHECK --${option}`);
      }
    }
  });

  it('installs with npm ci, builds with npm run build, and keeps only production dependencies at run time', () => {
    const runs = (stage: string) =>
      stageChain(file, stage)
        .flatMap((s) => s.instructions)
        .filter((i) => i.keyword === 'RUN')
        .map((i) => splitFlags(i.args).rest);
    const build = file.stages.find((stage) => stage.name === 'build');
    assert.ok(build, 'a stage named build');
    const buildRuns = build.instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => splitFlags(i.args).rest);
    assert.ok(
      buildRuns.some((run) => /^npm ci\b(?!.*--omit)/.test(run)),
      'build stage: npm ci with dev deps',
    );
    assert.ok(buildRuns.includes('npm run build'), 'build stage: npm run build');
    for (const { target } of TARGETS) {
      const targetRuns = runs(target);
      assert.ok(
        targetRuns.some((run) => /^npm ci\b.*--omit=dev/.test(run)),
        `${target}: npm ci --omit=dev in its own chain`,
      );
      assert.ok(
        !targetRuns.includes('npm run build'),
        `${target}: compiled in the build stage, not at run time`,
      );
      const copies = stageChain(file, target)
        .flatMap((s) => s.instructions)
        .filter((i) => i.keyword === 'COPY')
        .map(parseCopy);
      for (const needed of ['shared', target]) {
        assert.ok(
          copies.some(
            (copy) => copy.from === 'build' && copy.sources.includes(`/app/services/${needed}/dist`),
          ),
          `${target}: copies services/${needed}/dist from the build stage`,
        );
      }
      assert.ok(
        copies.some((copy) => copy.sources.includes('services/shared/schemas')),
        `${target}: copies services/shared/schemas (read at run time)`,
      );
    }
  });

  it('cleans apt lists in the same RUN when it uses apt-get, and never uses ADD or sudo', () => {
    for (const stage of file.stages) {
      for (const instruction of stage.instructions) {
        assert.notEqual(instruction.keyword, 'ADD', `line ${instruction.line}: use COPY`);
        if (instruction.keyword !== 'RUN') continue;
        assert.doesNotMatch(instruction.args, /\bsudo\b/, `line ${instruction.line}`);
        if (/apt-get\s+install/.test(instruction.args)) {
          assert.match(instruction.args, /--no-install-recommends/, `line ${instruction.line}`);
          assert.match(instruction.args, /rm -rf \/var\/lib\/apt\/lists/, `line ${instruction.line}`);
        }
      }
    }
  });

  it('copies nothing that .dockerignore leaves out of the context', () => {
    const rules = readDockerignore();
    for (const stage of file.stages) {
      for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY')) {
        const copy = parseCopy(instruction);
        if (copy.from) continue;
        for (const source of copy.sources) {
          assert.ok(!isIgnored(rules, source), `line ${instruction.line}: ${source} is in .dockerignore`);
          assert.doesNotMatch(source, /[*?[]/, `line ${instruction.line}: no wildcards (they flatten paths)`);
        }
      }
    }
  });
});

describe('.dockerignore', () => {
  const rules = readDockerignore();

  it('keeps installed, built, local and secret files out of the context', () => {
    for (const path of [
      'node_modules/kafkajs/index.js',
      'services/producer/node_modules/x/index.js',
      'services/shared/dist/index.js',
      'services/producer/tsconfig.tsbuildinfo',
      'services/producer/src/config.test.ts',
      '.git/HEAD',
      '.stack/kafka/data/meta.properties',
      '.tools/node/bin/node',
      'bench-results/run.json',
      '.env',
      '.env.local',
      'test/compose/compose-model.ts',
    ]) {
      assert.ok(isIgnored(rules, path), `${path} should be ignored`);
    }
  });

  it('keeps what the Dockerfile copies', () => {
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'services/shared/package.json',
      'services/shared/tsconfig.json',
      'services/shared/src/index.ts',
      'services/shared/schemas/user.avsc',
      'services/shared/schemas/users.cql',
      'services/producer/src/main.ts',
      'services/consumer/src/main.ts',
      'services/randomuser-source/src/main.ts',
    ]) {
      assert.ok(!isIgnored(rules, path), `${path} should be in the context`);
    }
  });

  it('is read with Docker’s pattern rules (root-anchored, ** across directories, ! exceptions, last match wins)', () => {
    const sample = parseDockerignore(
      ['# comment', '/dist', '**/*.log', 'docs/*', '!docs/keep.md', ''].join('\n'),
    );
    assert.ok(isIgnored(sample, 'dist/a.js'));
    assert.ok(!isIgnored(sample, 'services/x/dist/a.js'), 'a bare name matches at the root only');
    assert.ok(isIgnored(sample, 'a.log'));
    assert.ok(isIgnored(sample, 'a/b/c.log'));
    assert.ok(isIgnored(sample, 'docs/x.md'));
    assert.ok(!isIgnored(sample, 'docs/keep.md'));
    assert.ok(!isIgnored(sample, 'docs2/x.md'));
  });
});
