// Comments and docs that point at a test name one that exists: a reader
// following a `test/…` path must find it (`src/…` is left out: iPXE's and
// musl's sources, which comments cite, have one too). And the docs describe
// the code as it is: every folder of src/ in their tables, no part left to a
// future issue.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(__dirname, '..');
// A path as written in prose: test/…, not part of a longer path or URL.
const REFERENCE = /(?<![\w./-])(test\/[\w./-]*[\w-])/g;
// How a reference may leave out the extension.
const ENDINGS = ['', '.ts', '.test.ts', '.mjs'];

it('every test/… path named in the repository exists', () => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !/^test\/(e2e\/)?fixtures\/|\.(png|bin|lmo)$|package-lock\.json$/.test(f) && existsSync(join(REPO, f)));
  const missing: string[] = [];
  for (const file of files) {
    for (const [, ref] of readFileSync(join(REPO, file), 'utf8').matchAll(REFERENCE)) {
      if (!ENDINGS.some((e) => existsSync(join(REPO, ref + e)))) missing.push(`${file}: ${ref}`);
    }
  }
  expect(missing).toEqual([]);
});

describe.each(['README.md', 'docs/design.md'])('%s', (doc) => {
  const text = readFileSync(join(REPO, doc), 'utf8');

  it('has every folder of src/ in its folder table', () => {
    const rows = text.split('\n').filter((l) => l.startsWith('| `src/'));
    const named = new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`src\/(\w+)`/g)].map((m) => m[1])));
    const folders = readdirSync(join(REPO, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !named.has(f))).toEqual([]);
  });

  it('leaves nothing to a future issue', () => {
    expect(text.match(/.*\bissue \d+\b.*/g) ?? []).toEqual([]);
  });
});
