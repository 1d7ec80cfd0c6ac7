// Reading the services' Prometheus /metrics: samples, sums, histogram quantiles, and the consumer's progress.

/** All samples of a /metrics page on 127.0.0.1:`port`: name{labels} -> value. */
export async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum of the samples named `name`, whatever their labels (0 when there are none). */
export function sampleValue(samples: Map<string, number>, name: string): number {
  let total = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) total += value;
  return total;
}

/** What a consumer has done with its records: written, dead-lettered (never written), and both together. */
export interface ConsumerProgress {
  written: number;
  deadLettered: number;
  handled: number;
}

/** The consumer's progress in a scrape of its metrics. */
export function consumerProgress(samples: Map<string, number>): ConsumerProgress {
  const written = sampleValue(samples, 'userstream_consumer_records_written_total');
  const deadLettered = sampleValue(samples, 'userstream_consumer_records_dead_lettered_total');
  return { written, deadLettered, handled: written + deadLettered };
}

/** Cumulative histogram buckets (le -> count) of `name`. */
export function histogramBuckets(samples: Map<string, number>, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [key, value] of samples) {
    const match = new RegExp(`^${name}_bucket\\{.*le="([^"]+)"`).exec(key);
    if (match) buckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), value);
  }
  return buckets;
}

/**
 * The q-quantile of the observations between two snapshots of a cumulative histogram, interpolated
 * linearly inside the bucket it falls in (the Prometheus histogram_quantile method).
 */
export function histogramQuantile(
  q: number,
  before: Map<number, number>,
  after: Map<number, number>,
): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i]!;
    const count = counts[i]!;
    if (count >= rank) {
      if (upper === Infinity) return lower;
      return lower + ((upper - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = upper;
    below = count;
  }
  return lower;
}

/** The upper bound of the highest non-empty bucket between two snapshots: an upper bound of the max. */
export function histogramMaxBound(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  let previous = 0;
  let max = NaN;
  for (const le of bounds) {
    const count = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (count > previous) max = le;
    previous = count;
  }
  return max;
}
