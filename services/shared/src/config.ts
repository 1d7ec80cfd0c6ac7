// @userstream/shared/config: environment parsing (zod) and the variables the services share.
export * from './config/env.ts';
export * from './config/security-env.ts';
export * from './clients/security-options.ts';
