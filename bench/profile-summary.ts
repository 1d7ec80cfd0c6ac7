// `node bench/profile-summary.ts FILE.cpuprofile [RECORDS]`: a V8 CPU profile's self time by package and by
// function, in µs per record when RECORDS is given (the profiles bench/cpu-profile.ts --profile leaves).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, our services, Node itself, or V8's own pseudo-frames. */
function owner(url: string, name: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /services\/([^/]+)\//.exec(url);
  if (ours) return `@userstream/${ours[1]}`;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:/, 'node:');
  if (url === '') return `(${name || 'native'})`;
  return url;
}

const [file, recordsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [RECORDS]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const byOwner = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const micros = profile.timeDeltas[i] ?? 0;
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const who = owner(url, functionName);
  total += micros;
  byOwner.set(who, (byOwner.get(who) ?? 0) + micros);
  const fn = `${who} ${functionName || '(anonymous)'}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
});
const records = Number(recordsArg ?? 0);
const show = (micros: number) =>
  records > 0 ? `${(micros / records).toFixed(2).padStart(7)} µs/rec` : `${(micros / 1000).toFixed(0)} ms`;
const top = (map: Map<string, number>, count: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => `${show(micros)} ${((micros / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
    .join('\n');
console.log(
  `${file}: ${show(total)} sampled in all\n\nby package:\n${top(byOwner, 20)}\n\nby function:\n${top(byFunction, 40)}`,
);
