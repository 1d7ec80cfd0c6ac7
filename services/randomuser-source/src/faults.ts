import { z } from 'zod';

/**
 * What one API request gets: a normal answer, or one of the failures a client must survive. `ratelimit`
 * (upstream's limit per client: 429 with an "ease up" body, no Retry-After) and `invalid` (a page whose first user has an email
 * that is not one) are only ever queued, never drawn by a rate.
 */
export type FaultOutcome = 'ok' | '500' | '429' | 'ratelimit' | 'malformed' | 'invalid' | 'slow';

export const FAULT_OUTCOMES = [
  'ok',
  '500',
  '429',
  'ratelimit',
  'malformed',
  'invalid',
  'slow',
] as const satisfies readonly FaultOutcome[];

/** Shares of requests (0..1 each, at most 1 together) that fail each way, and how the failures look. */
export interface FaultSettings {
  rate500: number;
  rate429: number;
  rateMalformed: number;
  rateSlow: number;
  /** How long a "slow" answer waits before answering normally. */
  slowDelayMs: number;
  /** The Retry-After header of a 429, in seconds. */
  retryAfterSeconds: number;
}

/** No failures at all: the default when nothing configures any. */
export const NO_FAULTS: FaultSettings = {
  rate500: 0,
  rate429: 0,
  rateMalformed: 0,
  rateSlow: 0,
  slowDelayMs: 2_000,
  retryAfterSeconds: 1,
};

const rate = z.number().min(0).max(1);

/** Outcomes queued at most, all POSTs together. */
const MAX_QUEUE = 100_000;

/** The body `POST /_faults` accepts; unknown keys are refused so that a typo does not pass silently. */
export const faultControlSchema = z.strictObject({
  next: z.array(z.enum(FAULT_OUTCOMES)).max(100_000).optional(),
  retryAfterSeconds: z.number().int().min(0).max(3_600).optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  rates: z
    .strictObject({
      '500': rate.optional(),
      '429': rate.optional(),
      malformed: rate.optional(),
      slow: rate.optional(),
    })
    .optional(),
});

export type FaultControl = z.output<typeof faultControlSchema>;

/** What `GET /_faults` shows. */
export interface FaultState {
  queue: FaultOutcome[];
  settings: FaultSettings;
}

/** Sum of the four rates; above 1 some outcomes could never be drawn at their stated share. */
export function totalRate(settings: FaultSettings): number {
  return settings.rate500 + settings.rate429 + settings.rateMalformed + settings.rateSlow;
}

/**
 * Decides each API request's outcome: first from the queue that tests fill through `POST /_faults`,
 * then by drawing against the configured rates.
 */
export class FaultInjector {
  readonly #configured: FaultSettings;
  readonly #random: () => number;
  #settings: FaultSettings;
  #queue: FaultOutcome[] = [];

  constructor(settings: FaultSettings, random: () => number = Math.random) {
    this.#configured = { ...settings };
    this.#settings = { ...settings };
    this.#random = random;
  }

  /** The settings in force now (the configured ones, or what the control endpoint changed them to). */
  get settings(): FaultSettings {
    return { ...this.#settings };
  }

  /** The outcome for the next API request, consuming the head of the queue if there is one. */
  next(): FaultOutcome {
    const queued = this.#queue.shift();
    if (queued !== undefined) return queued;
    const { rate500, rate429, rateMalformed, rateSlow } = this.#settings;
    const draw = this.#random();
    if (draw < rate500) return '500';
    if (draw < rate500 + rate429) return '429';
    if (draw < rate500 + rate429 + rateMalformed) return 'malformed';
    if (draw < rate500 + rate429 + rateMalformed + rateSlow) return 'slow';
    return 'ok';
  }

  /**
   * Appends queued outcomes and applies new delays or rates; throws RangeError (changing nothing) if the rates
   * would exceed 1 or the queue MAX_QUEUE outcomes.
   */
  apply(control: FaultControl): void {
    const rates = control.rates ?? {};
    const updated: FaultSettings = {
      rate500: rates['500'] ?? this.#settings.rate500,
      rate429: rates['429'] ?? this.#settings.rate429,
      rateMalformed: rates.malformed ?? this.#settings.rateMalformed,
      rateSlow: rates.slow ?? this.#settings.rateSlow,
      slowDelayMs: control.delayMs ?? this.#settings.slowDelayMs,
      retryAfterSeconds: control.retryAfterSeconds ?? this.#settings.retryAfterSeconds,
    };
    // A tolerance because 0.1 + 0.2 + 0.7 is not exactly 1 in floating point.
    if (totalRate(updated) > 1 + 1e-9) {
      throw new RangeError(`the four rates add up to ${totalRate(updated)}, more than 1`);
    }
    const queued = this.#queue.length + (control.next?.length ?? 0);
    if (queued > MAX_QUEUE) {
      throw new RangeError(`the queue would hold ${queued} outcomes, more than ${MAX_QUEUE}`);
    }
    // Nothing changes unless all of it is accepted.
    this.#settings = updated;
    // concat, not push(...next): a spread of a long list can overflow the call stack.
    if (control.next) this.#queue = this.#queue.concat(control.next);
  }

  /** Empties the queue and goes back to the configured rates and delays. */
  reset(): void {
    this.#queue = [];
    this.#settings = { ...this.#configured };
  }

  /** The queue still to be served and the settings in force. */
  state(): FaultState {
    return { queue: [...this.#queue], settings: this.settings };
  }
}
