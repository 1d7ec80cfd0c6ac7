// The offline source imports the narrow @userstream/shared entries: it must not load the Kafka or Cassandra
// drivers, which it never uses. Checked on the modules Node really resolves while loading main.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Reports every module URL Node resolves (ES imports and require alike) on stderr.
const RECORD_RESOLUTIONS = `data:text/javascript,${encodeURIComponent(`
  import { registerHooks } from 'node:module';
  import { writeSync } from 'node:fs';
  registerHooks({
    resolve(specifier, context, next) {
      const result = next(specifier, context);
      writeSync(2, 'resolved ' + result.url + '\\n');
      return result;
    },
  });
`)}`;

/** The npm packages a service's main.ts loads: its static import graph, loaded before main runs. */
function packagesLoadedBy(service: string): Set<string> {
  const main = fileURLToPath(new URL(`../../${service}/src/main.ts`, import.meta.url));
  // An invalid HTTP_PORT: main stops at once (exit 2), after every static import has been loaded.
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', RECORD_RESOLUTIONS, main], {
    env: { PATH: process.env.PATH ?? '', HTTP_PORT: 'none' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 2, result.stderr);
  const packages = new Set<string>();
  for (const match of result.stderr.matchAll(/^resolved .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm))
    packages.add(match[1]!);
  return packages;
}

test('the offline source loads neither kafkajs nor cassandra-driver (the producer, as a control, does)', () => {
  const source = packagesLoadedBy('randomuser-source');
  assert.ok(source.has('pino') && source.has('zod'), [...source].join(' '));
  for (const driver of ['kafkajs', 'cassandra-driver', '@kafkajs/confluent-schema-registry'])
    assert.equal(source.has(driver), false, `${driver} loaded: ${[...source].join(' ')}`);
  assert.ok(packagesLoadedBy('producer').has('kafkajs'), 'the check sees kafkajs where it is loaded');
});
