// @userstream/shared/lifecycle: start-up, graceful shutdown, backoff.
export * from './lifecycle/shutdown.ts';
export * from './lifecycle/backoff.ts';
export * from './lifecycle/run-main.ts';
