// @userstream/shared/record: the user record (zod) and the randomuser.me API's limits and nationalities.
export * from './record/user-record.ts';
export * from './record/randomuser-api.ts';
