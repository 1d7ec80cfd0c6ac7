// What randomuser.me 1.4 accepts: the producer checks its settings against it, the offline source follows it.

/** The most users one request may ask for; upstream answers 1 user for more. */
export const RANDOMUSER_MAX_RESULTS = 5_000;

/** The last page upstream serves; it answers any later page as page 1. */
export const RANDOMUSER_MAX_PAGE = 10_000;

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
