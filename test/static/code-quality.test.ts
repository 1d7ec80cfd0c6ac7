// ESLint, Prettier and the TypeScript compiler run as part of the tests, so style and type errors fail CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('TypeScript: strict type check of every package, test and script', () => {
  const { status, output } = run(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.json',
    '--noEmit',
  ]);
  assert.equal(status, 0, output);
});

test('ESLint: no problems', () => {
  const { status, output } = run(process.execPath, [
    'node_modules/eslint/bin/eslint.js',
    '.',
    '--max-warnings=0',
  ]);
  assert.equal(status, 0, output);
});

test('Prettier: every file is formatted', () => {
  const { status, output } = run(process.execPath, [
    'node_modules/prettier/bin/prettier.cjs',
    '--check',
    '.',
  ]);
  assert.equal(status, 0, output);
});

test('the production build (npm run build, as the image runs it) emits every service entry point', () => {
  const { status, output } = run('npm', ['run', '--silent', 'build']);
  assert.equal(status, 0, output);
  for (const service of ['randomuser-source', 'producer', 'consumer']) {
    assert.ok(existsSync(`${root}/services/${service}/dist/main.js`), `services/${service}/dist/main.js`);
  }
  assert.ok(existsSync(`${root}/services/shared/dist/index.js`));
});
