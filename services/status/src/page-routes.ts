// The page's routes: its static files (with uPlot served from the installed package: no CDN, works
// offline) and GET /api/status, the latest snapshot as JSON for the page to poll.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RouteHandler } from '@userstream/shared';

const require = createRequire(import.meta.url);
const PUBLIC = new URL('../public/', import.meta.url);

/** The files the page loads, by path: where each is read from and its content type. */
const FILES: Record<string, { path: string | URL; type: string }> = {
  '/': { path: new URL('index.html', PUBLIC), type: 'text/html; charset=utf-8' },
  '/app.js': { path: new URL('app.js', PUBLIC), type: 'text/javascript; charset=utf-8' },
  '/style.css': { path: new URL('style.css', PUBLIC), type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': {
    path: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.min.css': {
    path: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

/** The page's routes for the ops server; `snapshot` gives the latest status (undefined before the first). */
export function pageRoutes(snapshot: () => unknown): Record<string, RouteHandler> {
  // Read once at start: a missing file fails the start, not a visitor's request.
  const routes: Record<string, RouteHandler> = {};
  for (const [path, file] of Object.entries(FILES)) {
    const body = readFileSync(file.path);
    const headers = { 'content-type': file.type, 'cache-control': 'no-cache' };
    routes[`GET ${path}`] = () => Promise.resolve({ status: 200, raw: body, headers });
  }
  // No icon: answered, so that the browser does not log a 404 at every visit.
  routes['GET /favicon.ico'] = () => Promise.resolve({ status: 204, raw: '' });
  routes['GET /api/status'] = () => {
    const current = snapshot();
    return Promise.resolve(
      current === undefined
        ? { status: 503, body: { error: 'the first collection has not finished yet' } }
        : { status: 200, body: current, headers: { 'cache-control': 'no-store' } },
    );
  };
  return routes;
}
