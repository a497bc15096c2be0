// Markdown link checker for the repository's own documents: every link must be relative, stay
// inside the repository, and point at a file or folder that exists (with the heading, for an
// #anchor). Also: each SDK page shows exactly the code of its runnable example.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface LinkProblem {
  file: string;
  target: string;
  why: string;
}

/** README.md plus every .md under docs/ and examples/ (paths relative to root). */
export function markdownFiles(root: string): string[] {
  const files = existsSync(join(root, 'README.md')) ? ['README.md'] : [];
  const walk = (d: string) => {
    for (const n of readdirSync(join(root, d)).sort()) {
      const p = join(d, n);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (n.endsWith('.md')) files.push(p);
    }
  };
  for (const d of ['docs', 'examples']) if (existsSync(join(root, d))) walk(d);
  return files;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-'. */
export function headingSlug(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function checkLinks(root: string, file: string): { links: number; problems: LinkProblem[] } {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const problems: LinkProblem[] = [];
  let links = 0;
  for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    links++;
    const target = m[1]!;
    const fail = (why: string) => problems.push({ file, target, why });
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      fail('not a relative link');
      continue;
    }
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const abs = path === '' ? join(root, file) : resolve(dirname(join(root, file)), path);
    if (relative(root, abs).startsWith('..')) {
      fail('leaves the repository');
      continue;
    }
    if (!existsSync(abs)) {
      fail('missing');
      continue;
    }
    if (anchor && statSync(abs).isFile()) {
      const heads = [...readFileSync(abs, 'utf8').matchAll(/^#+ (.*)$/gm)].map((h) => headingSlug(h[1]!));
      if (!heads.includes(anchor)) fail(`no heading #${anchor}`);
    }
  }
  return { links, problems };
}

/** The fenced js block of docs/sdk/<entry>.md must be examples/<entry>.mjs, byte for byte. */
export function exampleMatchesPage(root: string, entry: string): boolean {
  const page = readFileSync(join(root, 'docs', 'sdk', `${entry}.md`), 'utf8');
  const code = readFileSync(join(root, 'examples', `${entry}.mjs`), 'utf8').trimEnd();
  return page.includes('```js\n' + code + '\n```');
}
