import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isHarmlessWarning } from './process-warnings.ts';

test('only the TimeoutNegativeWarning is harmless', () => {
  const negative = Object.assign(new Error('-3 is a negative number.'), { name: 'TimeoutNegativeWarning' });
  assert.equal(isHarmlessWarning(negative), true);
  for (const name of ['DeprecationWarning', 'MaxListenersExceededWarning', 'ExperimentalWarning', 'Warning'])
    assert.equal(isHarmlessWarning(Object.assign(new Error('x'), { name })), false, name);
});

test('in a process: the harmless warning is dropped, any other is one JSON log line, and nothing goes to stderr', () => {
  const module = fileURLToPath(new URL('./process-warnings.ts', import.meta.url));
  const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
  const script = `
    const { routeProcessWarnings } = await import(${JSON.stringify(module)});
    const { createLogger } = await import(${JSON.stringify(logger)});
    routeProcessWarnings(createLogger('test'));
    setTimeout(() => undefined, -5);
    process.emitWarning('a listener leak', 'MaxListenersExceededWarning');
    setTimeout(() => undefined, 20);
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '', 'Node printed nothing of its own');
  const lines = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string } });
  assert.deepEqual(
    lines.map((line) => [line.level, line.msg, line.err.message]),
    [[40, 'process warning: MaxListenersExceededWarning', 'a listener leak']],
  );
});
