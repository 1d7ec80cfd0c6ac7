import type { RouteHandler } from '@userstream/shared/observability';
import type { RunCoordinator } from '../run/run-coordinator.ts';

/** POST /runs starts a run now (409 while one runs, 503 when shutting down); GET /runs lists the recent runs. */
export function runRoutes(coordinator: RunCoordinator): Record<string, RouteHandler> {
  return {
    'POST /runs': () => {
      if (!coordinator.accepting()) {
        return Promise.resolve({ status: 503, body: { error: 'the producer is shutting down' } });
      }
      const record = coordinator.start('http');
      return Promise.resolve(
        record
          ? { status: 202, body: record }
          : { status: 409, body: { error: 'a run is already in progress' } },
      );
    },
    'GET /runs': () => Promise.resolve({ status: 200, body: { runs: coordinator.recent() } }),
  };
}
