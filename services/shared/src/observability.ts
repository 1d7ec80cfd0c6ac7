// @userstream/shared/observability: logging, redaction, metrics and the ops HTTP server.
export * from './observability/logger.ts';
export * from './observability/redact.ts';
export * from './observability/metrics.ts';
export * from './observability/ops-server.ts';
export * from './observability/process-warnings.ts';
