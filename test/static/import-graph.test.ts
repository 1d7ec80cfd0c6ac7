// The dev tools' imports: no cycles between bench/, test/, scripts/ and the dev harness (dev/), none
// between their files, and the bench reaches the services only through their package entries
// (@userstream/...), never into services/*/src/. Reads the files; runs nothing.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from '../../dev/index.ts';

const FOLDERS = ['bench', 'test', 'scripts', 'dev'];

/** Every .ts file below `folder`, relative to the repository root. */
function tsFiles(folder: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)));
}

/** The files `file` imports by relative path (static, re-export and dynamic imports), relative to the root. */
function relativeImports(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((ref) => ref.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.normalize(path.join(path.dirname(file), specifier)));
}

const graph = new Map(FOLDERS.flatMap(tsFiles).map((file) => [file, relativeImports(file)]));
const folderOf = (file: string) => file.split(path.sep)[0]!;

/** The first cycle found in `edges` (as the nodes along it), or undefined. */
function findCycle(edges: Map<string, Iterable<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

test('the walk sees the imports it checks (the bench imports the dev harness)', () => {
  assert.ok(graph.get(path.join('bench', 'run.ts'))?.includes(path.join('dev', 'index.ts')));
});

test('no file of bench/, test/, scripts/ or dev/ imports itself through a cycle', () => {
  assert.deepEqual(findCycle(graph), undefined);
});

test('bench/, test/, scripts/ and dev/ do not import each other in a circle', () => {
  const folders = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    for (const imported of imports) {
      const [from, to] = [folderOf(file), folderOf(imported)];
      if (from !== to && FOLDERS.includes(to)) folders.set(from, (folders.get(from) ?? new Set()).add(to));
    }
  }
  assert.deepEqual(
    findCycle(folders),
    undefined,
    JSON.stringify(Object.fromEntries([...folders].map(([k, v]) => [k, [...v]]))),
  );
});

test('the bench imports no service internals (services/*/src/), only their package entries', () => {
  const internals = [...graph]
    .filter(([file]) => folderOf(file) === 'bench')
    .flatMap(([file, imports]) =>
      imports.filter((i) => i.startsWith(`services${path.sep}`)).map((i) => `${file} -> ${i}`),
    );
  assert.deepEqual(internals, []);
});

test('the cycle finder finds a cycle and its path', () => {
  const edges = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
  ]);
  assert.deepEqual(findCycle(edges), ['a', 'b', 'c', 'a']);
});
