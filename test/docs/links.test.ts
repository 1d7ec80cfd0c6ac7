// Every relative link in the README and docs/ points at a file that exists, and a link to a heading of a
// Markdown file (page.md#heading) at a heading that exists. No servers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The pages a newcomer reads: the README, docs/, and the services' own READMEs. */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  const services = readdirSync(join(ROOT, 'services'))
    .map((name) => join('services', name, 'README.md'))
    .filter((path) => existsSync(join(ROOT, path)));
  return ['README.md', ...docs, ...services];
}

/** Markdown text without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links, images and reference definitions. */
export function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const references = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] ?? '');
  return [...inline, ...references];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers, with GitHub's -1, -2 suffixes for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug((match[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

describe('relative links in the README and docs/', () => {
  for (const page of pages()) {
    it(`${page}: every relative link resolves`, () => {
      const markdown = readFileSync(join(ROOT, page), 'utf8');
      const broken: string[] = [];
      for (const target of linkTargets(markdown)) {
        if (isExternal(target)) continue;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURIComponent(path));
        if (!existsSync(file)) {
          broken.push(`${target} (no ${relative(ROOT, file)})`);
          continue;
        }
        if (anchor !== undefined && anchor !== '' && file.endsWith('.md')) {
          if (!anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target} (no such heading)`);
        }
      }
      assert.deepEqual(broken, [], `${page} has broken links`);
    });
  }

  it('finds links, skips code, and makes GitHub anchors', () => {
    const sample = '[a](docs/x.md) `[b](no.md)` ![c](img.png "t")\n```\n[d](code.md)\n```\n[e]: ./ref.md\n';
    assert.deepEqual(linkTargets(sample), ['docs/x.md', 'img.png', './ref.md']);
    assert.equal(slug('Quick start (Docker)'), 'quick-start-docker');
    assert.equal(slug('`npm test`: unit tests'), 'npm-test-unit-tests');
    assert.deepEqual([...anchors('# A\n## A\n```\n# B\n```\n')], ['a', 'a-1']);
  });
});
