// Placeholder portraits, so that pictures load offline: the offline source points every user's picture at
// itself and answers each of upstream's portrait paths (men/0..99, women/0..96, in three sizes) with a small
// SVG drawn from the path alone, the same picture for the same path every time.

/** Upstream's portrait counts per kind. */
const COUNTS = { men: 100, women: 97 } as const;
/** Upstream's sizes in pixels: large, medium (med/), thumbnail (thumb/). */
const SIZES = { '': 128, 'med/': 72, 'thumb/': 48 } as const;

/** Every portrait path under the portraits base, e.g. "med/women/7.jpg". */
export function portraitPaths(): string[] {
  const paths: string[] = [];
  for (const size of Object.keys(SIZES)) {
    for (const [kind, count] of Object.entries(COUNTS)) {
      for (let n = 0; n < count; n += 1) paths.push(`${size}${kind}/${n}.jpg`);
    }
  }
  return paths;
}

/** The placeholder SVG for a path from portraitPaths(): a head and shoulders on a colour picked by the path. */
export function portraitSvg(path: string): string {
  const match = /^(med\/|thumb\/)?(men|women)\/(\d+)\.jpg$/.exec(path);
  if (!match) throw new Error(`not a portrait path: ${path}`);
  const size = SIZES[(match[1] ?? '') as keyof typeof SIZES];
  const n = Number(match[3]);
  // Spread neighbouring numbers around the colour wheel (golden angle); women warmer, men cooler.
  const hue = Math.round((n * 137.508 + (match[2] === 'women' ? 0 : 180)) % 360);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" fill="hsl(${hue},55%,78%)"/>` +
    `<circle cx="32" cy="25" r="12" fill="hsl(${hue},35%,42%)"/>` +
    `<path d="M10 64c0-14 10-22 22-22s22 8 22 22z" fill="hsl(${hue},35%,42%)"/></svg>`
  );
}
