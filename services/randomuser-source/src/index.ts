// The offline randomuser.me 1.4 source: the server, the pure generator behind it, and the response types.
export {
  startRandomUserSource,
  type RandomUserSource,
  type RandomUserSourceOptions,
} from './source-server.ts';
export {
  generateUsers,
  buildResponse,
  renderResponse,
  AGE_REFERENCE_TIME,
  type GenerateUsersOptions,
} from './generate-users.ts';
export { parseApiQuery, MAX_RESULTS, type ApiQuery } from './api-query.ts';
export {
  FaultInjector,
  NO_FAULTS,
  type FaultControl,
  type FaultOutcome,
  type FaultSettings,
} from './faults.ts';
export { loadConfig, sourceEnvSchema, type SourceConfig } from './config.ts';
export {
  NATIONALITIES,
  USER_FIELDS,
  type DatedAge,
  type Nationality,
  type RandomUser,
  type RandomUserInfo,
  type RandomUserResponse,
  type RandomUserResult,
  type UserField,
} from './types.ts';
