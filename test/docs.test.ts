// The repository's documents stand on their own: every link inside the repository and resolving,
// and every SDK page showing its runnable example verbatim. The checker itself is tested on a
// made-up tree with each kind of bad link, so a green run means something.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkLinks, exampleMatchesPage, markdownFiles } from './doc-links.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('documentation links', () => {
  const files = markdownFiles(REPO);

  it('covers the README and the docs/ pages', () => {
    for (const f of ['README.md', 'docs/README.md', 'docs/architecture.md', 'docs/money.md', 'docs/wire-compatibility.md', 'docs/differences.md', 'docs/sdk/pm.md']) {
      assert.ok(files.includes(f), `${f} exists`);
    }
  });

  for (const f of files) {
    it(`${f}: every link is relative, inside the repository, and resolves`, () => {
      const { problems } = checkLinks(REPO, f);
      assert.deepEqual(problems, []);
    });
  }

  for (const entry of ['money', 'pm', 'wire', 'market']) {
    it(`docs/sdk/${entry}.md shows examples/${entry}.mjs verbatim`, () => {
      assert.ok(exampleMatchesPage(REPO, entry));
    });
  }
});

describe('the link checker', () => {
  it('flags absolute URLs, links out of the repository, missing files and missing anchors', () => {
    const root = mkdtempSync(join(tmpdir(), 'livepeer-ts-links-'));
    try {
      mkdirSync(join(root, 'docs'));
      writeFileSync(join(root, 'docs', 'ok.md'), '# Title here\n\ntext\n');
      writeFileSync(
        join(root, 'README.md'),
        [
          '[fine](docs/ok.md) [anchor](docs/ok.md#title-here) [folder](docs)',
          '[web](https://example.org) [out](../elsewhere/notes.md) [gone](docs/nope.md) [bad anchor](docs/ok.md#nope)',
          '```\n[in code](../ignored.md)\n```',
        ].join('\n'),
      );
      const { links, problems } = checkLinks(root, 'README.md');
      assert.equal(links, 7);
      assert.deepEqual(
        problems.map((p) => [p.target, p.why]),
        [
          ['https://example.org', 'not a relative link'],
          ['../elsewhere/notes.md', 'leaves the repository'],
          ['docs/nope.md', 'missing'],
          ['docs/ok.md#nope', 'no heading #nope'],
        ],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
