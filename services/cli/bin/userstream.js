#!/usr/bin/env -S node --disable-warning=TimeoutNegativeWarning
// `userstream`: in a clone it runs the TypeScript source (Node 24 strips the types) with the workspace's
// "source" export condition, so no build is needed; where the source is absent (a built image) it runs dist/.
// (TimeoutNegativeWarning: kafkajs 2.2 trips it on Node 24 at every connect, as the Dockerfile notes.)
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { URL, fileURLToPath } from 'node:url';

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, 'source'] }),
  });
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
