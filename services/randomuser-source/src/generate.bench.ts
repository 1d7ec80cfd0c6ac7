// Measures how fast users are generated, serialized and served: `npm run bench:generate -w @userstream/randomuser-source`.
// BENCH_USERS (default 500000) users are made in pages of 5000, as the producer benchmark pulls them.
import { buildResponse, renderResponse } from './generate-users.ts';
import { parseApiQuery } from './api-query.ts';
import { startRandomUserSource } from './source-server.ts';

const PAGE = 5000;
const USERS = Number(process.env.BENCH_USERS ?? 500_000);
const PAGES = Math.max(1, Math.ceil(USERS / PAGE));

function report(label: string, users: number, ms: number, bytes?: number): void {
  const rate = Math.round((users / ms) * 1000);
  const size = bytes === undefined ? '' : `, ${(bytes / 1_048_576 / (ms / 1000)).toFixed(1)} MiB/s`;
  console.log(
    `${label.padEnd(42)} ${String(rate).padStart(8)} users/s  (${users} users in ${Math.round(ms)} ms${size})`,
  );
}

function query(seed: string, page: number) {
  return parseApiQuery(new URLSearchParams({ seed, page: String(page), results: String(PAGE) }));
}

// Warm-up: builds the faker pools and lets V8 optimise the hot functions before anything is timed.
for (let page = 1; page <= 3; page++) renderResponse(query('warmup', page));

let started = performance.now();
for (let page = 1; page <= PAGES; page++) buildResponse(query('bench-generate', page));
report('generate (objects only)', PAGES * PAGE, performance.now() - started);

started = performance.now();
let bytes = 0;
for (let page = 1; page <= PAGES; page++) {
  bytes += renderResponse(query('bench-serialize', page)).length;
}
report('generate + render UTF-8 JSON (server work)', PAGES * PAGE, performance.now() - started, bytes);

const source = await startRandomUserSource({ port: 0 });
try {
  started = performance.now();
  bytes = 0;
  for (let page = 1; page <= PAGES; page++) {
    const response = await fetch(`${source.url}?results=${PAGE}&seed=bench-http&page=${page}`);
    bytes += (await response.arrayBuffer()).byteLength;
  }
  report('HTTP, sequential pages (client in-process)', PAGES * PAGE, performance.now() - started, bytes);

  const repeats = Math.min(PAGES, 20);
  started = performance.now();
  for (let i = 0; i < repeats; i++) {
    const response = await fetch(`${source.url}?results=${PAGE}&seed=bench-http&page=${PAGES}`);
    await response.arrayBuffer();
  }
  report('HTTP, retried page (cache hit)', repeats * PAGE, performance.now() - started);
} finally {
  await source.close();
}
