// @userstream/shared/testing: helpers for tests only, outside the production entries.
export * from './observability/log-capture.ts';
export * from './record/sample-record.ts';
