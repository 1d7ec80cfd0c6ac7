// A small reader for docker/Dockerfile and .dockerignore, enough for the tests to check the file's rules
// and to replay its build without Docker. It understands what the Dockerfile uses and says so when it
// meets anything else, rather than guessing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

export { REPO_ROOT };
export const DOCKERFILE = 'docker/Dockerfile';

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The stage's name (`AS name`), or its index as a string. */
  name: string;
  /** The FROM argument with global ARGs substituted. */
  from: string;
  /** Set when FROM names an earlier stage rather than an image. */
  parent?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. */
export function instructionsOf(text: string): Instruction[] {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  let buffer = '';
  let start = 0;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) return; // comments (and parser directives) also inside continuations
    if (buffer === '' && line.trim() === '') return;
    if (buffer === '') start = index + 1;
    if (/\\\s*$/.test(line)) {
      buffer += `${line.replace(/\\\s*$/, '')} `;
      return;
    }
    buffer += line;
    const match = /^\s*([A-Za-z]+)\s*([\s\S]*)$/.exec(buffer);
    if (!match) throw new Error(`line ${start}: cannot read ${JSON.stringify(buffer)}`);
    instructions.push({
      keyword: (match[1] ?? '').toUpperCase(),
      args: (match[2] ?? '').trim(),
      line: start,
    });
    buffer = '';
  });
  if (buffer !== '') throw new Error('the Dockerfile ends inside a continuation line');
  return instructions;
}

/** Substitutes ${NAME} and $NAME from `vars` (unknown names are left as they are). */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, a?: string, b?: string) => {
      const name = a ?? b ?? '';
      return vars[name] ?? whole;
    },
  );
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructionsOf(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      const from = substitute(match[1] ?? '', globalArgs);
      const parent = stages.find((stage) => stage.name === from)?.name;
      stages.push({
        name: match[2] ?? String(stages.length),
        from,
        ...(parent ? { parent } : {}),
        instructions: [],
      });
      continue;
    }
    const current = stages.at(-1);
    if (!current) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`line ${instruction.line}: only ARG may precede FROM`);
      Object.assign(globalArgs, parseAssignments(instruction.args));
      continue;
    }
    current.instructions.push(instruction);
  }
  return { globalArgs, stages };
}

export function readDockerfile(path = DOCKERFILE): Dockerfile {
  return parseDockerfile(readFileSync(join(REPO_ROOT, path), 'utf8'));
}

/** `KEY=value KEY2="a b"` (ENV, ARG) or the legacy `ENV KEY value`. ARG without a default maps to ''. */
export function parseAssignments(args: string): Record<string, string> {
  if (!args.includes('=')) {
    const [key = '', ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  const out: Record<string, string> = {};
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  for (const match of args.matchAll(pattern)) {
    const value = match[2] ?? '';
    out[match[1] ?? ''] =
      value.startsWith('"') || value.startsWith("'") ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return out;
}

/** Leading `--name=value` flags of an instruction, and what follows them. */
export function splitFlags(args: string): { flags: Record<string, string[]>; rest: string } {
  const flags: Record<string, string[]> = {};
  let rest = args;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest);
    if (!match) break;
    (flags[match[1] ?? ''] ??= []).push(match[2] ?? '');
    rest = rest.slice(match[0].length);
  }
  return { flags, rest: rest.trim() };
}

/** The JSON (exec) form of CMD/ENTRYPOINT/RUN, or undefined for the shell form. */
export function execForm(text: string): string[] | undefined {
  if (!text.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((part): part is string => typeof part === 'string')) {
    throw new Error(`not an exec form: ${text}`);
  }
  return parsed;
}

export interface CopyInstruction {
  from?: string;
  sources: string[];
  dest: string;
  flags: Record<string, string[]>;
}

export function parseCopy(instruction: Instruction): CopyInstruction {
  const { flags, rest } = splitFlags(instruction.args);
  const parts = execForm(rest) ?? rest.split(/\s+/);
  if (parts.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  const dest = parts.at(-1) ?? '';
  const from = flags.from?.[0];
  return { ...(from ? { from } : {}), sources: parts.slice(0, -1), dest, flags };
}

export interface Healthcheck {
  options: Record<string, string>;
  command: string[];
}

export function parseHealthcheck(instruction: Instruction): Healthcheck {
  const { flags, rest } = splitFlags(instruction.args);
  const match = /^CMD\s+([\s\S]+)$/.exec(rest);
  if (!match) throw new Error(`line ${instruction.line}: HEALTHCHECK without CMD`);
  const command = execForm(match[1] ?? '');
  if (!command) throw new Error(`line ${instruction.line}: HEALTHCHECK CMD is not in exec form`);
  return { options: Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, v.at(-1) ?? ''])), command };
}

/** The stages a target is built from, base first, ending with the target itself. */
export function stageChain(file: Dockerfile, target: string): Stage[] {
  const chain: Stage[] = [];
  let stage = file.stages.find((candidate) => candidate.name === target);
  if (!stage) throw new Error(`no stage named ${target}`);
  for (;;) {
    chain.unshift(stage);
    if (!stage.parent) return chain;
    const parentName: string = stage.parent;
    const parent = file.stages.find((candidate) => candidate.name === parentName);
    if (!parent) throw new Error(`stage ${stage.name} names an unknown parent ${parentName}`);
    stage = parent;
  }
}

/** The last value of an instruction along a target's stage chain (CMD, USER, WORKDIR, HEALTHCHECK...). */
export function effective(file: Dockerfile, target: string, keyword: string): Instruction | undefined {
  return stageChain(file, target)
    .flatMap((stage) => stage.instructions)
    .filter((instruction) => instruction.keyword === keyword)
    .at(-1);
}

/** ENV values in force for a target (parents first). */
export function environmentOfTarget(file: Dockerfile, target: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stageChain(file, target).flatMap((stage) => stage.instructions)) {
    if (instruction.keyword === 'ENV')
      Object.assign(env, parseAssignments(substitute(instruction.args, env)));
  }
  return env;
}

// ---- .dockerignore, with the semantics of moby/patternmatcher ----

export interface IgnoreRule {
  pattern: string;
  exclusion: boolean;
  regex: RegExp;
}

/** Converts one cleaned .dockerignore pattern to a regular expression over slash-separated paths. */
export function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] ?? '';
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        i += 1;
        if (pattern[i + 1] === '/') {
          // "**/" matches zero or more directories.
          i += 1;
          source += '(?:.*/)?';
        } else {
          source += '.*';
        }
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`unclosed [ in .dockerignore pattern ${pattern}`);
      source += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end;
    } else if (char === '\\') {
      i += 1;
      source += (pattern[i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** Cleans a path the way Go's filepath.Clean does for relative, slash-separated paths. */
function cleanPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    const pattern = cleanPath(line.replace(/^\/+/, ''));
    if (pattern === '') continue;
    rules.push({ pattern, exclusion, regex: patternToRegExp(pattern) });
  }
  return rules;
}

export function readDockerignore(): IgnoreRule[] {
  return parseDockerignore(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
}

/** True when the context path (relative, slash-separated) is left out of the build context. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const clean = cleanPath(path);
  const parents: string[] = [];
  const parts = clean.split('/');
  for (let i = 1; i < parts.length; i += 1) parents.push(parts.slice(0, i).join('/'));
  let ignored = false;
  for (const rule of rules) {
    const matches = rule.regex.test(clean) || parents.some((parent) => rule.regex.test(parent));
    if (matches) ignored = !rule.exclusion;
  }
  return ignored;
}
