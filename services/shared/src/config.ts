// @userstream/shared/config: environment parsing (zod) and the variables the services share.
export * from './config/env.ts';
