// Small number helpers for the bench's figures.

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A whole number with thousands separators (1,234). */
export function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Microseconds of CPU per record, from CPU seconds spent on `records`. */
export const microsPerRecord = (cpuSeconds: number, records: number) => (cpuSeconds / records) * 1e6;
