// The nationality codes randomuser.me 1.4 knows: the producer checks its filter against them, the offline
// source generates them.

/** The nationalities randomuser.me 1.4 knows, in the order its documentation lists them. */
export const NATIONALITIES = [
  'AU',
  'BR',
  'CA',
  'CH',
  'DE',
  'DK',
  'ES',
  'FI',
  'FR',
  'GB',
  'IE',
  'IN',
  'IR',
  'MX',
  'NL',
  'NO',
  'NZ',
  'RS',
  'TR',
  'UA',
  'US',
] as const;

export type Nationality = (typeof NATIONALITIES)[number];
