import cronLib from 'node-cron';
import { z } from 'zod';

/** A cron expression that node-cron accepts (5 fields, or 6 with seconds). */
export const cron = z.string().refine((value) => cronLib.validate(value), {
  message: 'expected a cron expression such as "*/1 * * * *" (5 fields, or 6 with seconds)',
});
