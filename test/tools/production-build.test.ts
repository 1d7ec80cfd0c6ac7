// The production build (npm run build, as the image runs it): every service entry point and every
// @userstream/shared export resolves to emitted JavaScript. Type check, ESLint and Prettier are
// `npm run check`, not tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('npm run build emits every service entry point and every shared export', () => {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  for (const service of ['randomuser-source', 'producer', 'consumer']) {
    assert.ok(existsSync(`${root}/services/${service}/dist/main.js`), `services/${service}/dist/main.js`);
  }
  const manifest = JSON.parse(readFileSync(`${root}/services/shared/package.json`, 'utf8')) as {
    exports: Record<string, string | { default: string; types: string }>;
  };
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue; // files shipped as they are (schemas)
    for (const file of [target.default, target.types]) {
      assert.ok(existsSync(`${root}/services/shared/${file}`), `${subpath}: services/shared/${file}`);
    }
  }
});
