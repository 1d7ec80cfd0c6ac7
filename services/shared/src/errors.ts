// @userstream/shared/errors: the pipeline's error classes and the dead-letter headers they become.
export * from './errors/pipeline-errors.ts';
export * from './errors/dead-letter-headers.ts';
export * from './errors/security-errors.ts';
