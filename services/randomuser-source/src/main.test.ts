import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Runs main.ts with `env` added to a clean environment; `output()` is stdout and stderr so far. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=source', MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => output };
}

describe('main', () => {
  it('stops at start with exit code 2, naming every invalid variable', async () => {
    const main = startMain({
      SOURCE_FAULT_500_RATE: 'half',
      SOURCE_SLOW_DELAY_MS: '-5',
      HTTP_PORT: 'http',
    });
    assert.equal(await main.exited, 2, main.output());
    for (const name of ['SOURCE_FAULT_500_RATE', 'SOURCE_SLOW_DELAY_MS', 'HTTP_PORT']) {
      assert.match(main.output(), new RegExp(name));
    }
  });

  it('serves the API from the environment and exits 0 on SIGTERM', async () => {
    const main = startMain({ HTTP_PORT: '0', LOG_LEVEL: 'info', SOURCE_RETRY_AFTER_SECONDS: '4' });
    try {
      let url: string | undefined;
      for (let waited = 0; url === undefined && waited < 15_000; waited += 50) {
        url = /"url":"([^"]+)"/.exec(main.output())?.[1];
        if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(url, `no ready line in ${main.output()}`);
      const body = (await (await fetch(`${url}?results=3&seed=main`)).json()) as { results: unknown[] };
      assert.equal(body.results.length, 3);
      await fetch(new URL('/_faults', url), { method: 'POST', body: JSON.stringify({ next: ['429'] }) });
      assert.equal((await fetch(url)).headers.get('retry-after'), '4');
      main.child.kill('SIGTERM');
      assert.equal(await main.exited, 0, main.output());
      assert.match(main.output(), /shutdown complete/);
    } finally {
      main.child.kill('SIGKILL');
    }
  });
});
