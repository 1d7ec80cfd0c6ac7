// Measures how fast users are generated, serialized and served: `npm run bench:generate -w @userstream/randomuser-source`.
// BENCH_USERS (default 500000) users are made in pages of 5000, as the producer benchmark pulls them.
import { buildResponse, renderResponse } from './generate-users.ts';
import { parseApiQuery } from './api-query.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PAGE = 5000;
const USERS = Number(process.env.BENCH_USERS ?? 500_000);
const PAGES = Math.max(1, Math.ceil(USERS / PAGE));

/**
 * Prints users per wall-clock second and, for work done in this process, per CPU second of this process:
 * on a shared two-core machine the second moves much less with whatever else is running.
 */
function report(label: string, users: number, ms: number, bytes?: number, cpu?: NodeJS.CpuUsage): void {
  const rate = Math.round((users / ms) * 1000);
  const size = bytes === undefined ? '' : `, ${(bytes / 1_048_576 / (ms / 1000)).toFixed(1)} MiB/s`;
  const perCpu =
    cpu === undefined ? '' : `, ${Math.round(users / ((cpu.user + cpu.system) / 1e6))} users/CPU-s`;
  console.log(
    `${label.padEnd(42)} ${String(rate).padStart(8)} users/s  (${users} users in ${Math.round(ms)} ms${size}${perCpu})`,
  );
}

function query(seed: string, page: number) {
  return parseApiQuery(new URLSearchParams({ seed, page: String(page), results: String(PAGE) }));
}

// Warm-up: builds the faker pools and lets V8 optimise the hot functions before anything is timed.
for (let page = 1; page <= 3; page++) renderResponse(query('warmup', page));

let started = performance.now();
let cpu = process.cpuUsage();
for (let page = 1; page <= PAGES; page++) buildResponse(query('bench-generate', page));
report(
  'generate (objects only)',
  PAGES * PAGE,
  performance.now() - started,
  undefined,
  process.cpuUsage(cpu),
);

started = performance.now();
cpu = process.cpuUsage();
let bytes = 0;
for (let page = 1; page <= PAGES; page++) {
  bytes += renderResponse(query('bench-serialize', page)).length;
}
report(
  'generate + render UTF-8 JSON (server work)',
  PAGES * PAGE,
  performance.now() - started,
  bytes,
  process.cpuUsage(cpu),
);

// The service in its own process, as the producer benchmark runs it, so the client here has the other core.
const child = spawn(
  process.execPath,
  ['--conditions=source', fileURLToPath(new URL('./main.ts', import.meta.url))],
  {
    env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
try {
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /"url":"([^"]+)"/.exec(output)?.[1];
      if (found !== undefined) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`the source exited with ${code}: ${output}`)));
  });
  // Warm the child's JIT before timing it.
  for (let page = 1; page <= 3; page++)
    await (await fetch(`${url}?results=${PAGE}&seed=warmup&page=${page}`)).arrayBuffer();

  started = performance.now();
  bytes = 0;
  for (let page = 1; page <= PAGES; page++) {
    const response = await fetch(`${url}?results=${PAGE}&seed=bench-http&page=${page}`);
    bytes += (await response.arrayBuffer()).byteLength;
  }
  report('HTTP, sequential pages (source in a child)', PAGES * PAGE, performance.now() - started, bytes);

  const repeats = Math.min(PAGES, 20);
  started = performance.now();
  for (let i = 0; i < repeats; i++) {
    await (await fetch(`${url}?results=${PAGE}&seed=bench-http&page=${PAGES}`)).arrayBuffer();
  }
  report('HTTP, retried page (cache hit)', repeats * PAGE, performance.now() - started);
} finally {
  child.kill('SIGTERM');
}
