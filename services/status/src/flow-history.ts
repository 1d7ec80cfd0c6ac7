// Per-second rates of the pipeline's counters over a sliding window, from successive scrapes. Each source
// (a service's /metrics) is differenced on its own: a source missing from either scrape adds nothing to that
// step, and a counter that went down (the service restarted) counts from zero.

/** The counters the page charts, summed over each source. */
export const FLOWS = ['fetched', 'published', 'written', 'deadLettered'] as const;
export type Flow = (typeof FLOWS)[number];

/** One scrape: by source URL, the counters it had (absent when it did not answer). */
export type FlowScrape = Map<string, Partial<Record<Flow, number>>>;

/** Rates per second, by flow, at each time (seconds); null where no source answered twice in a row. */
export interface FlowSeries {
  t: number[];
  rates: Record<Flow, (number | null)[]>;
}

/** Keeps the scrapes of the last `windowMs` and turns them into rates. */
export class FlowHistory {
  readonly #windowMs: number;
  #points: { at: number; scrape: FlowScrape }[] = [];

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Adds a scrape taken at `at` (ms since the epoch), dropping those older than the window. */
  add(at: number, scrape: FlowScrape): void {
    this.#points.push({ at, scrape });
    // One point before the window is kept: the first rate inside the window needs it.
    while (this.#points.length > 2 && this.#points[1]!.at < at - this.#windowMs) this.#points.shift();
  }

  /** The rates between successive scrapes. */
  series(): FlowSeries {
    const series: FlowSeries = {
      t: [],
      rates: { fetched: [], published: [], written: [], deadLettered: [] },
    };
    for (let i = 1; i < this.#points.length; i += 1) {
      const before = this.#points[i - 1]!;
      const after = this.#points[i]!;
      const seconds = (after.at - before.at) / 1000;
      if (seconds <= 0) continue;
      series.t.push(after.at / 1000);
      for (const flow of FLOWS) series.rates[flow].push(rate(before.scrape, after.scrape, flow, seconds));
    }
    return series;
  }
}

function rate(before: FlowScrape, after: FlowScrape, flow: Flow, seconds: number): number | null {
  let sum: number | null = null;
  for (const [source, counters] of after) {
    const now = counters[flow];
    const then = before.get(source)?.[flow];
    if (now === undefined || then === undefined) continue;
    // A counter that went down started again from zero: what it counts now is new.
    sum = (sum ?? 0) + (now >= then ? now - then : now) / seconds;
  }
  return sum;
}
