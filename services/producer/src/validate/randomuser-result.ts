import { z } from 'zod';

// The randomuser.me 1.4 result, as lenient as the real API is: `inc`/`exc` remove whole fields, postcode is a
// number for some nationalities and a string for others, and id.value is null for some.
const str = z.string();

/** Compiled (`z.compile`): every fetched result goes through it; invalid ones fall back to the full parser. */
export const randomUserResultSchema = z.compile(
  z.object({
    gender: str.optional(),
    name: z.object({ title: str.optional(), first: str, last: str }).optional(),
    location: z
      .object({
        street: z.object({ number: z.union([z.number().int(), str]), name: str }),
        city: str,
        state: str,
        country: str,
        postcode: z.union([z.number().int(), str]),
        // Schema v2. randomuser.me sends coordinates as strings ("-69.8246").
        coordinates: z
          .object({ latitude: z.union([z.number(), str]), longitude: z.union([z.number(), str]) })
          .optional(),
        timezone: z.object({ offset: str }).optional(),
      })
      .optional(),
    email: str.optional(),
    login: z.object({ uuid: str, username: str.optional() }).optional(),
    dob: z.object({ date: z.iso.datetime({ offset: true }) }).optional(),
    registered: z.object({ date: z.iso.datetime({ offset: true }) }).optional(),
    phone: str.optional(),
    cell: str.optional(),
    picture: z.object({ medium: str }).optional(),
    nat: str.optional(),
  }),
);

export type RandomUserResult = z.output<typeof randomUserResultSchema>;
